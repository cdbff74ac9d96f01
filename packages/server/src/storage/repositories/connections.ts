/**
 * Issue 12: the tenant's connections (upstream identity providers). Seeding writes every entry of
 * the config file at each start: `upsert` compares the stored digest first, so an unchanged entry
 * costs one primary-key read and no write (nodes starting together do not rewrite each other's
 * rows). Deleting one takes its identities and pending upstream logins along, in one transaction.
 */
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

export function connectionRepository({ db, rows }: RepositoryContext): ForTenant<Store['connections']> {
  return (tenant) => {
    const get = async (id: string) => {
      const row = await db.selectFrom('connections').select(COLUMNS.connections).where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst()
      return row ? rows.connection(row) : null
    }
    return {
      get,
      async list() {
        return (await db.selectFrom('connections').select(COLUMNS.connections).where('tenant_id', '=', tenant).orderBy('id').execute()).map(rows.connection)
      },
      async upsert(connection, now) {
        const stored = await get(connection.id)
        if (stored !== null && stored.digest === connection.digest) return stored
        const row = await db
          .insertInto('connections')
          .values({ ...rows.connectionToRow({ ...connection, created_at: now, updated_at: now }), tenant_id: tenant })
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'id']).doUpdateSet((eb) => ({
              type: eb.ref('excluded.type'),
              display_name: eb.ref('excluded.display_name'),
              organization_id: eb.ref('excluded.organization_id'),
              required: eb.ref('excluded.required'),
              settings: eb.ref('excluded.settings'),
              secrets_encrypted: eb.ref('excluded.secrets_encrypted'),
              source: eb.ref('excluded.source'),
              digest: eb.ref('excluded.digest'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .returning(COLUMNS.connections)
          .executeTakeFirstOrThrow()
        return rows.connection(row)
      },
      async delete(id) {
        return db.transaction().execute(async (trx) => {
          await trx.deleteFrom('upstream_logins').where('tenant_id', '=', tenant).where('connection_id', '=', id).execute()
          await trx.deleteFrom('user_identities').where('tenant_id', '=', tenant).where('connection_id', '=', id).execute()
          return changed(await trx.deleteFrom('connections').where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst())
        })
      },
    }
  }
}
