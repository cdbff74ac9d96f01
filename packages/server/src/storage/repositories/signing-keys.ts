/**
 * Signing keys and their retirement (RFC 7517): the unique generation of main keys decides which of
 * two nodes adding "the next key" wins, and a companion (RS256 beside a main key of another alg)
 * is written in the same commit as its main key. Each tenant has its own keys and its own
 * generations (unique (tenant_id, generation) among main keys); a kid is the thumbprint of a freshly
 * generated key (keys/keystore.ts), so kids stay unique across tenants.
 * @see https://www.rfc-editor.org/rfc/rfc7517
 */
import type { Store } from '../store.js'
import { COLUMNS } from '../rows.js'
import type { ForTenant, RepositoryContext } from './shared.js'

export function signingKeyRepository({ db, rows }: RepositoryContext): ForTenant<Store['keys']> {
  return (tenant) => ({
    async list(now) {
      const found = await db
        .selectFrom('signing_keys')
        .select(COLUMNS.signing_keys)
        .where('tenant_id', '=', tenant)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('generation', 'desc')
        .execute()
      return found.map(rows.key)
    },
    async latestGeneration() {
      const row = await db.selectFrom('signing_keys').select((eb) => eb.fn.max('generation').as('latest')).where('tenant_id', '=', tenant).executeTakeFirst()
      return Number(row?.latest ?? 0)
    },
    async add(key, retiredExpiresAt, companion) {
      return db.transaction().execute(async (trx) => {
        // The unique generation (of main keys) is the lock: of two nodes adding "the next key", one inserts.
        const inserted = await trx
          .insertInto('signing_keys')
          .values({ ...rows.keyToRow(key), tenant_id: tenant })
          .onConflict((oc) => oc.columns(['tenant_id', 'generation']).where('companion_of', 'is', null).doNothing())
          .returning('kid')
          .executeTakeFirst()
        if (inserted === undefined) return false
        await trx
          .updateTable('signing_keys')
          .set({ retired_at: key.activates_at, expires_at: retiredExpiresAt })
          // Also keys due to retire later (an earlier rotation's): the new key outranks them all.
          .where('tenant_id', '=', tenant)
          .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', key.activates_at)]))
          .where('kid', '!=', key.kid)
          .execute()
        // The companion comes with its main key, in the same commit: no node sees one without the other.
        if (companion) await trx.insertInto('signing_keys').values({ ...rows.keyToRow(companion), tenant_id: tenant }).execute()
        return true
      })
    },
    async addCompanion(companion) {
      const inserted = await db
        .insertInto('signing_keys')
        .values({ ...rows.keyToRow(companion), tenant_id: tenant })
        .onConflict((oc) => oc.column('companion_of').doNothing())
        .returning('kid')
        .executeTakeFirst()
      return inserted !== undefined
    },
  })
}
