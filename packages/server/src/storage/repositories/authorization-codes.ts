/**
 * Single-use authorization codes (RFC 6749 §4.1.2): the conditional UPDATE that consumes a code is
 * the lock across nodes, and a code seen again after it was consumed is reported as a replay so
 * the caller can revoke its grant.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import type { Store } from '../store.js'
import type { RepositoryContext } from './shared.js'

export function authorizationCodeRepository({ db, rows }: RepositoryContext): Store['authorizationCodes'] {
  return {
    async insert(code) {
      await db.insertInto('authorization_codes').values(rows.codeToRow(code)).execute()
    },
    async consume(codeHash, now) {
      // Single use across nodes: the conditional UPDATE is the lock (RFC 6749 §4.1.2).
      const won = await db
        .updateTable('authorization_codes')
        .set({ consumed_at: now })
        .where('code_hash', '=', codeHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      if (won) return { record: rows.code(won), replayed: null }
      const seen = await db
        .selectFrom('authorization_codes')
        .selectAll()
        .where('code_hash', '=', codeHash)
        .where('consumed_at', 'is not', null)
        .executeTakeFirst()
      return { record: null, replayed: seen ? rows.code(seen) : null }
    },
  }
}
