/**
 * Registered clients (RFC 7591 metadata). Deleting a client revokes its grants rather than deleting
 * them, so access tokens already issued keep reading as revoked until they expire. A client id is
 * chosen by whoever registers it, so it is unique per tenant (primary key (tenant_id, client_id)).
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { statement } from './compiled.js'
import { revokeGrantsWhere } from './grant-revocation.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

export function clientRepository({ db, rows }: RepositoryContext): ForTenant<Store['clients']> {
  // Compiled once: each tenant's client cache (clients/registry.ts) re-reads its clients every few
  // seconds, so a node with 1,000 tenants in use runs this hundreds of times a second (issue 11).
  const byId = statement((db, a: { tenant_id: string; client_id: string }) =>
    db.selectFrom('clients').select(COLUMNS.clients).where('tenant_id', '=', a.tenant_id).where('client_id', '=', a.client_id),
  )
  return (tenant) => ({
    async get(clientId) {
      const row = await byId.first(db, { tenant_id: tenant, client_id: clientId })
      return row ? rows.client(row) : null
    },
    async list() {
      return (await db.selectFrom('clients').select(COLUMNS.clients).where('tenant_id', '=', tenant).orderBy('client_id').execute()).map(rows.client)
    },
    async upsert(client, now, source = 'cli') {
      await db
        .insertInto('clients')
        .values({ ...rows.clientToRow(client, now, source), tenant_id: tenant })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'client_id']).doUpdateSet((eb) => ({
            client_name: eb.ref('excluded.client_name'),
            client_secret_hash: eb.ref('excluded.client_secret_hash'),
            token_endpoint_auth_method: eb.ref('excluded.token_endpoint_auth_method'),
            grant_types: eb.ref('excluded.grant_types'),
            redirect_uris: eb.ref('excluded.redirect_uris'),
            post_logout_redirect_uris: eb.ref('excluded.post_logout_redirect_uris'),
            scope: eb.ref('excluded.scope'),
            resources: eb.ref('excluded.resources'),
            skip_consent: eb.ref('excluded.skip_consent'),
            jwks: eb.ref('excluded.jwks'),
            auth_method_pinned: eb.ref('excluded.auth_method_pinned'),
            id_token_signed_response_alg: eb.ref('excluded.id_token_signed_response_alg'),
            organization_required: eb.ref('excluded.organization_required'),
            organizations: eb.ref('excluded.organizations'),
            backchannel_logout_uri: eb.ref('excluded.backchannel_logout_uri'),
            backchannel_logout_session_required: eb.ref('excluded.backchannel_logout_session_required'),
            sign_up: eb.ref('excluded.sign_up'),
            updated_at: eb.ref('excluded.updated_at'),
            // Issue 14 (review M5b): the file takes over a client it lists; the CLI never writes an existing one.
            source: eb.ref('excluded.source'),
          })),
        )
        .execute()
    },
    async configOwned() {
      const owned = await db.selectFrom('clients').select('client_id').where('tenant_id', '=', tenant).where('source', '=', 'config').orderBy('client_id').execute()
      return owned.map((r) => r.client_id)
    },
    async delete(clientId, now) {
      // A deleted client's tokens must stop working too, not just its logins.
      return db.transaction().execute(async (trx) => {
        await revokeGrantsWhere(trx, tenant, 'client_id', clientId, now)
        await trx.deleteFrom('consents').where('tenant_id', '=', tenant).where('client_id', '=', clientId).execute()
        return changed(await trx.deleteFrom('clients').where('tenant_id', '=', tenant).where('client_id', '=', clientId).executeTakeFirst())
      })
    },
  })
}
