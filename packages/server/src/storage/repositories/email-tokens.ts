/**
 * Issue 13: mailed links and codes (`email_tokens`). Every use is one conditional UPDATE, so the
 * database decides who wins when two requests (or two nodes) present the same token: one gets the
 * row, the other nothing. Rows hold only hashes (`token_hash`) and are swept at expiry.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

export function emailTokenRepository({ db, rows }: RepositoryContext): ForTenant<Store['emailTokens']> {
  return (tenant) => ({
    async insert(token, keep) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('email_tokens').values({ ...token, tenant_id: tenant }).execute()
        const older = trx
          .selectFrom('email_tokens')
          .select('id')
          .where('tenant_id', '=', tenant)
          .where('email', '=', token.email)
          .where('purpose', '=', token.purpose)
          .where('used_at', 'is', null)
          .where('id', '!=', token.id)
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(1000)
          .offset(Math.max(0, keep - 1))
        await trx.deleteFrom('email_tokens').where('id', 'in', older).execute()
      })
    },
    async find(purpose, tokenHash, now) {
      const row = await db
        .selectFrom('email_tokens')
        .select(COLUMNS.email_tokens)
        .where('tenant_id', '=', tenant)
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row ? rows.emailToken(row) : null
    },
    async consume(purpose, tokenHash, now) {
      const row = await db
        .updateTable('email_tokens')
        .set({ used_at: now })
        .where('tenant_id', '=', tenant)
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(COLUMNS.email_tokens)
        .executeTakeFirst()
      return row ? rows.emailToken(row) : null
    },
    async countAttempt(id, purpose, maxAttempts, now) {
      const row = await db
        .updateTable('email_tokens')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .returning(COLUMNS.email_tokens)
        .executeTakeFirst()
      return row ? rows.emailToken(row) : null
    },
    async use(id, now) {
      return changed(await db.updateTable('email_tokens').set({ used_at: now }).where('tenant_id', '=', tenant).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst())
    },
    async useAll(purpose, email, now) {
      await db.updateTable('email_tokens').set({ used_at: now }).where('tenant_id', '=', tenant).where('email', '=', email).where('purpose', '=', purpose).where('used_at', 'is', null).execute()
    },
  })
}
