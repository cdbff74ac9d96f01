/**
 * Pending sign-in, consent and device-verification pages: taken (deleted) once on submit, so a
 * double-submitted form finds nothing the second time.
 */
import type { InteractionsTable } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { countUpTo, type ForTenant, type RepositoryContext } from './shared.js'

export function interactionRepository({ db, rows }: RepositoryContext): ForTenant<Store['interactions']> {
  return (tenant) => ({
    async insert(interaction) {
      await db.insertInto('interactions').values({ ...rows.interactionToRow(interaction), tenant_id: tenant }).execute()
    },
    async get(id, now) {
      const row = await db.selectFrom('interactions').select(COLUMNS.interactions).where('id', '=', id).where('tenant_id', '=', tenant).where('expires_at', '>', now).executeTakeFirst()
      return row ? rows.interaction(row) : null
    },
    async update(id, patch) {
      const set: Partial<Pick<InteractionsTable, 'user_id' | 'auth_time' | 'session_id' | 'params' | 'expires_at'>> = {}
      if (patch.user_id !== undefined) set.user_id = patch.user_id
      if (patch.auth_time !== undefined) set.auth_time = patch.auth_time
      if (patch.session_id !== undefined) set.session_id = patch.session_id
      if (patch.params !== undefined) set.params = rows.json(patch.params)
      if (patch.expires_at !== undefined) set.expires_at = patch.expires_at
      if (Object.keys(set).length === 0) return
      await db.updateTable('interactions').set(set).where('id', '=', id).where('tenant_id', '=', tenant).execute()
    },
    async take(id, now) {
      // Deleting is the claim: a double-submitted form finds nothing the second time.
      const row = await db.deleteFrom('interactions').where('id', '=', id).where('tenant_id', '=', tenant).where('expires_at', '>', now).returning(COLUMNS.interactions).executeTakeFirst()
      return row ? rows.interaction(row) : null
    },
    // Deployment-wide on purpose: the cap on pending interactions is one per deployment.
    async countActive(now, limit) {
      return countUpTo(db, 'interactions', now, limit)
    },
  })
}
