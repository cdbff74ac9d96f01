/**
 * One-time values (RFC 7523 §3 client assertion `jti`s): recorded once, and accepted again only
 * after they expired, decided by one `INSERT ... ON CONFLICT ... WHERE` across nodes.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
import type { Store } from '../store.js'
import type { ForTenant, RepositoryContext } from './shared.js'

export function replayKeyRepository({ db }: RepositoryContext): ForTenant<Store['replay']> {
  return (tenant) => ({
    async record(key, expiresAt, now) {
      // Inserted, or taken over from a row that has expired (sweep may not have run yet). Per
      // tenant (primary key (tenant_id, key)): a value seen by tenant A says nothing to tenant B.
      const row = await db
        .insertInto('replay_keys')
        .values({ key, expires_at: expiresAt, tenant_id: tenant })
        .onConflict((oc) => oc.columns(['tenant_id', 'key']).doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })).where('replay_keys.expires_at', '<=', now))
        .returning('key')
        .executeTakeFirst()
      return row !== undefined
    },
  })
}
