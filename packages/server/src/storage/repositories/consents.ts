/**
 * Remembered consent, one row per (user, client, resource, scope): granting more is an insert that
 * concurrent consents cannot undo. Consent is per resource (RFC 8707 §2).
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
import { sql } from 'kysely'
import type { ConsentRecord, Store } from '../store.js'
import { statement } from './compiled.js'
import { revokeUserClientGrants } from './grant-revocation.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

/** `consents.resource` of a consent for no resource: a key column cannot be NULL (0003-client-resources). */
export const NO_RESOURCE = ''

export function consentRepository({ db }: RepositoryContext): ForTenant<Store['consents']> {
  // Every /authorize of a client that asks for consent: compiled once.
  const scopes = statement((db, a: { tenant_id: string; user_id: string; client_id: string; resource: string }) =>
    db
      .selectFrom('consents')
      .select(['scope', 'granted_at'])
      .where('user_id', '=', a.user_id)
      .where('tenant_id', '=', a.tenant_id)
      .where('client_id', '=', a.client_id)
      .where('resource', '=', a.resource)
      .orderBy('granted_at')
      .orderBy('scope'),
  )
  return (tenant) => ({
    async get(userId, clientId, resource) {
      const found = (await scopes.execute(db, { tenant_id: tenant, user_id: userId, client_id: clientId, resource: resource ?? NO_RESOURCE })).rows
      if (found.length === 0) return null
      return { user_id: userId, client_id: clientId, resource, scopes: found.map((r) => r.scope), updated_at: Math.max(...found.map((r) => r.granted_at)) }
    },
    async grant(userId, clientId, resource, scopes, now) {
      const unique = [...new Set(scopes)]
      if (unique.length === 0) return
      // One row per scope: the union is an insert that concurrent consents cannot undo.
      await db
        .insertInto('consents')
        .values(unique.map((scope) => ({ user_id: userId, client_id: clientId, resource: resource ?? NO_RESOURCE, scope, granted_at: now, tenant_id: tenant })))
        .onConflict((oc) => oc.columns(['user_id', 'client_id', 'resource', 'scope']).doNothing())
        .execute()
    },
    async listForUser(userId) {
      const found = await db
        .selectFrom('consents')
        .select(['client_id', 'resource', 'scope', 'granted_at'])
        .where('tenant_id', '=', tenant)
        .where('user_id', '=', userId)
        .orderBy('client_id')
        .orderBy('resource')
        .orderBy('granted_at')
        .orderBy('scope')
        .execute()
      const byKey = new Map<string, ConsentRecord & { granted_at: number }>()
      for (const r of found) {
        const key = `${r.client_id}\u0000${r.resource}`
        const at = Number(r.granted_at)
        const entry = byKey.get(key)
        if (entry === undefined) {
          byKey.set(key, { user_id: userId, client_id: r.client_id, resource: r.resource === NO_RESOURCE ? null : r.resource, scopes: [r.scope], granted_at: at, updated_at: at })
        } else {
          entry.scopes.push(r.scope)
          entry.granted_at = Math.min(entry.granted_at, at)
          entry.updated_at = Math.max(entry.updated_at, at)
        }
      }
      return [...byKey.values()]
    },
    async revoke(userId, clientId, now) {
      return db.transaction().execute(async (trx) => {
        const forgotten = changed(await trx.deleteFrom('consents').where('tenant_id', '=', tenant).where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst())
        const revoked = await revokeUserClientGrants(trx, tenant, userId, clientId, now)
        return forgotten || revoked
      })
    },
    async liveGrantsOf(userId, accessSince, now) {
      const found = await db
        .selectFrom('grants as g')
        .select((eb) => ['g.client_id', 'g.resource', 'g.scope', eb.fn.min('g.created_at').as('created_at')])
        .where('g.tenant_id', '=', tenant)
        .where('g.user_id', '=', userId)
        .where('g.revoked_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('g.created_at', '>', accessSince),
            eb.exists(
              eb
                .selectFrom('refresh_tokens as r')
                .select(sql<number>`1`.as('one'))
                .whereRef('r.grant_id', '=', 'g.id')
                .where('r.tenant_id', '=', tenant)
                .where('r.revoked_at', 'is', null)
                .where('r.expires_at', '>', now),
            ),
          ]),
        )
        .groupBy(['g.client_id', 'g.resource', 'g.scope'])
        .orderBy('g.client_id')
        .limit(500)
        .execute()
      return found.map((r) => ({ client_id: r.client_id, resource: r.resource, scope: r.scope, created_at: Number(r.created_at) }))
    },
  })
}
