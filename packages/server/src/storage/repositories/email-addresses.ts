/**
 * Issue 13: a user's email address as a proven fact: verified by a mailed link or code that was
 * used (passwordless sign-in), or replaced by the address a change-of-email link was opened at.
 * Both are conditional on what the mail was sent for: the address the row still holds, so a
 * link or code mailed to an address the user has since left changes nothing.
 */
import type { Store } from '../store.js'
import { changed, type ForTenant, type RepositoryContext } from './shared.js'

export function emailAddressRepository({ db, rows }: RepositoryContext): ForTenant<Store['emailAddresses']> {
  return (tenant) => ({
    async verify(userId, email, now) {
      return changed(
        await db.updateTable('users').set({ email_verified: rows.bool(true), updated_at: now }).where('tenant_id', '=', tenant).where('id', '=', userId).where('email', '=', email.toLowerCase()).executeTakeFirst(),
      )
    },
    async change(userId, from, to, now) {
      const email = to.toLowerCase()
      const holder = await db.selectFrom('users').select('id').where('tenant_id', '=', tenant).where('email', '=', email).executeTakeFirst()
      if (holder !== undefined) return holder.id === userId ? 'unchanged' : 'taken'
      try {
        const result = await db
          .updateTable('users')
          .set({ email, email_verified: rows.bool(true), updated_at: now })
          .where('tenant_id', '=', tenant)
          .where('id', '=', userId)
          .where('email', '=', from.toLowerCase())
          .executeTakeFirst()
        return changed(result) ? 'changed' : 'missing'
      } catch (error) {
        // The unique (tenant_id, email) index: another user took the address since the read above.
        if (/unique|duplicate/i.test(String((error as Error | null)?.message))) return 'taken'
        throw error
      }
    },
  })
}
