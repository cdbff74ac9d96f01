/**
 * Room for a new sign-in page when `security.max_pending_interactions` is full (issue 8): the
 * oldest interactions nobody has signed in to are deleted, a bounded batch in one statement, so a
 * flood of anonymous `GET /authorize` must outpace a real user's time on the page rather than just
 * reach the cap (RFC 6749 §4.1.2.1 would otherwise answer everyone `temporarily_unavailable`).
 * Anonymous rows all live `sessions.anonymous_interaction_ttl`, so the oldest is the one that
 * expires first: the scan walks the `expires_at` index and stops after `limit` rows. Deployment-wide
 * (every tenant's interactions), as the cap it makes room under is.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Store } from '../store.js'

export function evictAnonymousInteractions(db: Kysely<Database>): Store['evictAnonymousInteractions'] {
  return async (now, limit) => {
    // One statement on both dialects: DELETE … WHERE id IN (SELECT … ORDER BY … LIMIT n).
    const oldest = db
      .selectFrom('interactions')
      .select('id')
      .where('user_id', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('expires_at')
      .limit(limit)
    const result = await db.deleteFrom('interactions').where('id', 'in', oldest).executeTakeFirst()
    return Number(result.numDeletedRows ?? 0n)
  }
}
