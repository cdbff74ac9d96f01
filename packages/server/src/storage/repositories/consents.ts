/**
 * Remembered consent, one row per (user, client, resource, scope): granting more is an insert that
 * concurrent consents cannot undo. Consent is per resource (RFC 8707 §2).
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
import type { Store } from '../store.js'
import { statement } from './compiled.js'
import type { ForTenant, RepositoryContext } from './shared.js'

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
  })
}
