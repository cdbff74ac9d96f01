/**
 * Issue 13: users' passkeys and the challenges of their WebAuthn ceremonies. A credential id is
 * unique per tenant (`insert` refuses one the tenant has, WebAuthn L3 §7.1 step 26). The signature
 * counter is checked and advanced in one conditional UPDATE (§6.1.1), so two nodes verifying the
 * same assertion at once cannot both accept it. Challenges are single use: `takeChallenge` is one
 * conditional DELETE that needs the challenge's hash, the browser's hash and the purpose.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-sign-counter
 */
import type { UsersTable } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, columnsAs, unprefix, type ForTenant, type RepositoryContext } from './shared.js'

const uniqueViolation = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

export function passkeyRepository({ db, rows }: RepositoryContext): ForTenant<Store['passkeys']> {
  return (tenant) => ({
    async listForUser(userId) {
      const found = await db
        .selectFrom('passkeys')
        .select(COLUMNS.passkeys)
        .where('tenant_id', '=', tenant)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('credential_id')
        .execute()
      return found.map(rows.passkey)
    },
    async find(credentialId) {
      const row = await db
        .selectFrom('passkeys as p')
        .innerJoin('users as u', (join) => join.onRef('u.id', '=', 'p.user_id').onRef('u.tenant_id', '=', 'p.tenant_id'))
        .select(columnsAs<'passkeys'>('p', 'p_', COLUMNS.passkeys))
        .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
        .where('p.tenant_id', '=', tenant)
        .where('p.credential_id', '=', credentialId)
        .executeTakeFirst()
      if (!row) return null
      const r = row as Record<string, unknown>
      return { passkey: rows.passkey(unprefix(r, 'p_', COLUMNS.passkeys)!), user: rows.user(unprefix<UsersTable>(r, 'u_', COLUMNS.users)!) }
    },
    async insert(passkey) {
      try {
        const result = await db
          .insertInto('passkeys')
          .values({ ...rows.passkeyToRow(passkey), tenant_id: tenant })
          .onConflict((oc) => oc.columns(['tenant_id', 'credential_id']).doNothing())
          .executeTakeFirst()
        return (result.numInsertedOrUpdatedRows ?? 0n) > 0n ? 'inserted' : 'taken'
      } catch (error) {
        if (uniqueViolation(error)) return 'taken'
        throw error
      }
    },
    async rename(userId, credentialId, name) {
      return changed(
        await db.updateTable('passkeys').set({ name }).where('tenant_id', '=', tenant).where('user_id', '=', userId).where('credential_id', '=', credentialId).executeTakeFirst(),
      )
    },
    async remove(userId, credentialId) {
      return changed(await db.deleteFrom('passkeys').where('tenant_id', '=', tenant).where('user_id', '=', userId).where('credential_id', '=', credentialId).executeTakeFirst())
    },
    async recordUse(credentialId, signCount, backedUp, now) {
      const updated = await db
        .updateTable('passkeys')
        .set({ sign_count: signCount, backed_up: rows.bool(backedUp), last_used_at: now })
        .where('tenant_id', '=', tenant)
        .where('credential_id', '=', credentialId)
        // WebAuthn L3 §6.1.1: a counter that is not greater than the stored one, while either is non-zero, is refused.
        .where('sign_count', signCount === 0 ? '=' : '<', signCount)
        .executeTakeFirst()
      if (changed(updated)) return 'used'
      const exists = await db.selectFrom('passkeys').select('credential_id').where('tenant_id', '=', tenant).where('credential_id', '=', credentialId).executeTakeFirst()
      return exists ? 'counter_regressed' : 'unknown'
    },
    async insertChallenge(challenge, cap) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('passkey_challenges').values({ ...challenge, tenant_id: tenant }).execute()
        const owner = challenge.purpose === 'register' ? (['user_id', challenge.user_id] as const) : (['interaction_id', challenge.interaction_id] as const)
        if (owner[1] === null) return
        // The new row plus the newest `cap - 1` others stay.
        const older = trx
          .selectFrom('passkey_challenges')
          .select('challenge_hash')
          .where('tenant_id', '=', tenant)
          .where(owner[0], '=', owner[1])
          .where('challenge_hash', '!=', challenge.challenge_hash)
          .orderBy('created_at', 'desc')
          .orderBy('challenge_hash')
          .limit(1000)
          .offset(Math.max(0, cap - 1))
        await trx.deleteFrom('passkey_challenges').where('challenge_hash', 'in', older).execute()
      })
    },
    async takeChallenge(challengeHash, browserHash, purpose, now) {
      const row = await db
        .deleteFrom('passkey_challenges')
        .where('tenant_id', '=', tenant)
        .where('challenge_hash', '=', challengeHash)
        .where('browser_hash', '=', browserHash)
        .where('purpose', '=', purpose)
        .where('expires_at', '>', now)
        .returning(COLUMNS.passkey_challenges)
        .executeTakeFirst()
      return row ? rows.passkeyChallenge(row) : null
    },
  })
}
