/**
 * Users, with a stable `sub` keyed by e-mail (OIDC Core §5.7): an upsert by e-mail keeps the id.
 * Deleting a user revokes their grants rather than deleting them, so access tokens already issued
 * keep reading as revoked until they expire.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { statement } from './compiled.js'
import { revokeGrantsWhere } from './grant-revocation.js'
import { enqueueLogoutDeliveries } from './logout-deliveries.js'
import { changed, type Db, type ForTenant, type RepositoryContext } from './shared.js'

/**
 * Every session of the user ends and every grant of theirs is revoked, `offline_access` included,
 * with their unredeemed codes and approved device codes not yet picked up: "sign everyone out".
 */
async function signOutWithin(trx: Db, tenant: string, id: string, now: number): Promise<void> {
  // Issue 12: every live session's clients hear of it (OIDC Back-Channel Logout §2.5).
  await enqueueLogoutDeliveries(trx, tenant, { userId: id }, now)
  await trx.deleteFrom('sessions').where('tenant_id', '=', tenant).where('user_id', '=', id).execute()
  await revokeGrantsWhere(trx, tenant, 'user_id', id, now)
  await trx.updateTable('device_codes').set({ status: 'denied' }).where('tenant_id', '=', tenant).where('user_id', '=', id).where('status', '=', 'approved').execute()
}

export function userRepository({ db, rows }: RepositoryContext): ForTenant<Store['users']> {
  const byId = statement((db, a: { tenant_id: string; id: string }) => db.selectFrom('users').select(COLUMNS.users).where('id', '=', a.id).where('tenant_id', '=', a.tenant_id))
  return (tenant) => ({
    async getById(id) {
      const row = await byId.first(db, { tenant_id: tenant, id })
      return row ? rows.user(row) : null
    },
    async getByEmail(email) {
      const row = await db.selectFrom('users').select(COLUMNS.users).where('tenant_id', '=', tenant).where('email', '=', email.toLowerCase()).executeTakeFirst()
      return row ? rows.user(row) : null
    },
    async list() {
      return (await db.selectFrom('users').select(COLUMNS.users).where('tenant_id', '=', tenant).orderBy('email').execute()).map(rows.user)
    },
    async upsert(user, now) {
      const row = await db
        .insertInto('users')
        .values({
          ...rows.userToRow({ roles: [], attributes: {}, ...user, id: user.id ?? randomUUID(), email: user.email.toLowerCase(), created_at: now, updated_at: now }),
          tenant_id: tenant,
        })
        // Keyed by email so config-file users keep their `sub` across restarts.
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'email']).doUpdateSet((eb) => ({
            email_verified: eb.ref('excluded.email_verified'),
            password_hash: eb.ref('excluded.password_hash'),
            claims: eb.ref('excluded.claims'),
            // Omitted roles or attributes keep what is stored (the CLI may have set them).
            ...(user.roles !== undefined && { roles: eb.ref('excluded.roles') }),
            ...(user.attributes !== undefined && { attributes: eb.ref('excluded.attributes') }),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning(COLUMNS.users)
        .executeTakeFirstOrThrow()
      return rows.user(row)
    },
    async setPasswordHash(id, passwordHash, now, options = {}) {
      const update = (trx: Db) => trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst()
      if (!options.signOut) return changed(await update(db))
      return db.transaction().execute(async (trx) => {
        if (!changed(await update(trx))) return false
        await signOutWithin(trx, tenant, id, now)
        return true
      })
    },
    async setDisabled(id, disabled, now) {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('users')
          .set({ disabled_at: disabled ? now : null, updated_at: now })
          .where('tenant_id', '=', tenant)
          .where('id', '=', id)
          .returning(COLUMNS.users)
          .executeTakeFirst()
        if (!updated) return null
        if (disabled) await signOutWithin(trx, tenant, id, now)
        return rows.user(updated)
      })
    },
    async signOut(id, now) {
      return db.transaction().execute(async (trx) => {
        const user = await trx.selectFrom('users').select('id').where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst()
        if (!user) return null
        const sessions = await trx.selectFrom('sessions').select('id').where('tenant_id', '=', tenant).where('user_id', '=', id).where('expires_at', '>', now).execute()
        await signOutWithin(trx, tenant, id, now)
        return { sessions: sessions.length }
      })
    },
    async page(filter, limit) {
      let query = db.selectFrom('users').select(COLUMNS.users).where('tenant_id', '=', tenant)
      if (filter.email !== undefined) query = query.where('email', '=', filter.email.toLowerCase())
      // LIKE with its wildcards escaped: a prefix, in both dialects (emails are stored lower-case).
      if (filter.emailPrefix !== undefined) query = query.where(sql<boolean>`email like ${`${filter.emailPrefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`)
      if (filter.after !== undefined) query = query.where('email', '>', filter.after.toLowerCase())
      const found = (await query.orderBy('email').limit(limit + 1).execute()).map(rows.user)
      return { users: found.slice(0, limit), more: found.length > limit }
    },
    async changePassword(id, expectedHash, newHash, keep, now) {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('users')
          .set({ password_hash: newHash, updated_at: now })
          .where('tenant_id', '=', tenant)
          .where('id', '=', id)
          .where('password_hash', '=', expectedHash)
          .executeTakeFirst()
        if (!changed(updated)) return null
        const others = await trx
          .selectFrom('sessions')
          .select('id')
          .where('tenant_id', '=', tenant)
          .where('user_id', '=', id)
          .where('id', '<>', keep.sessionId)
          .where('expires_at', '>', now)
          .execute()
        // Issue 12: the clients of every other live session hear of it (OIDC Back-Channel Logout §2.5).
        for (const other of others) await enqueueLogoutDeliveries(trx, tenant, { sessionId: other.id, sub: id }, now)
        await trx.deleteFrom('sessions').where('tenant_id', '=', tenant).where('user_id', '=', id).where('id', '<>', keep.sessionId).execute()
        await trx.updateTable('sessions').set({ session_hash: keep.rotatedSessionHash }).where('tenant_id', '=', tenant).where('id', '=', keep.sessionId).where('user_id', '=', id).execute()
        await revokeGrantsWhere(trx, tenant, 'user_id', id, now)
        await trx.updateTable('device_codes').set({ status: 'denied' }).where('tenant_id', '=', tenant).where('user_id', '=', id).where('status', '=', 'approved').execute()
        return { endedSessionIds: others.map((o) => o.id) }
      })
    },
    async update(id, patch, now) {
      const set: { updated_at: number; roles?: string; attributes?: string; claims?: string } = { updated_at: now }
      if (patch.roles !== undefined) set.roles = rows.json(patch.roles)
      if (patch.attributes !== undefined) set.attributes = rows.json(patch.attributes)
      if (patch.claims !== undefined) set.claims = rows.json(patch.claims)
      return changed(await db.updateTable('users').set(set).where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst())
    },
    async delete(id, now) {
      // Sessions and consents go with the user (ON DELETE CASCADE); grants are revoked, not
      // deleted, so their access tokens keep reading as revoked until they expire.
      return db.transaction().execute(async (trx) => {
        // Issue 12: before the sessions go with the user.
        await enqueueLogoutDeliveries(trx, tenant, { userId: id }, now)
        await revokeGrantsWhere(trx, tenant, 'user_id', id, now)
        return changed(await trx.deleteFrom('users').where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst())
      })
    },
  })
}
