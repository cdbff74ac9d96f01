/**
 * Issue 13: accounts created by sign-up. `create` never touches an existing user (an email that
 * has an account gets a note by mail instead, interaction/sign-up.ts), whatever the race: the
 * unique (tenant, email) index decides, and the loser gets null.
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

export function signUpRepository({ db, rows }: RepositoryContext): ForTenant<Store['signUps']> {
  return (tenant) => ({
    async create(user, now) {
      const row = await db
        .insertInto('users')
        .values({
          ...rows.userToRow({ roles: [], attributes: {}, ...user, id: user.id ?? randomUUID(), email: user.email.toLowerCase(), created_at: now, updated_at: now }),
          tenant_id: tenant,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'email']).doNothing())
        .returning(COLUMNS.users)
        .executeTakeFirst()
      return row ? rows.user(row) : null
    },
    async countPending(limit) {
      const pending = db.selectFrom('users').select(sql<number>`1`.as('one')).where('verification_pending', '=', rows.bool(true)).where('tenant_id', '=', tenant).limit(limit)
      const row = await db.selectFrom(pending.as('pending')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      return Number(row.n)
    },
    async verify(userId, now) {
      return changed(
        await db
          .updateTable('users')
          .set({ email_verified: rows.bool(true), verification_pending: rows.bool(false), updated_at: now })
          .where('tenant_id', '=', tenant)
          .where('id', '=', userId)
          .executeTakeFirst(),
      )
    },
    async proveMailbox(userId, now) {
      return db.transaction().execute(async (trx) => {
        const proven = await trx
          .updateTable('users')
          .set({ email_verified: rows.bool(true), verification_pending: rows.bool(false), updated_at: now })
          .where('tenant_id', '=', tenant)
          .where('id', '=', userId)
          .where('email_verified', '=', rows.bool(false))
          .executeTakeFirst()
        if (!changed(proven)) return null
        const count = (r: { numDeletedRows?: bigint }) => Number(r.numDeletedRows ?? 0n)
        const passkeys = await trx.deleteFrom('passkeys').where('tenant_id', '=', tenant).where('user_id', '=', userId).executeTakeFirst()
        await trx.deleteFrom('mfa_recovery_codes').where('tenant_id', '=', tenant).where('user_id', '=', userId).execute()
        const totp = await trx.deleteFrom('mfa_totp').where('tenant_id', '=', tenant).where('user_id', '=', userId).executeTakeFirst()
        const identities = await trx.deleteFrom('user_identities').where('tenant_id', '=', tenant).where('user_id', '=', userId).executeTakeFirst()
        return { passkeys: count(passkeys), totp: count(totp) > 0, identities: count(identities) }
      })
    },
  })
}
