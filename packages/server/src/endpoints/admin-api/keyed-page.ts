/**
 * Issue 14: a page of a list the store gives whole (organizations, their members, connections: a
 * tenant holds few), in the admin API's list shape `{ data, next_cursor }`. The items are ordered by
 * a unique key (code-unit order, the same on every database's collation), and the cursor is the
 * last key of the page, base64url-encoded: the next page is the items after it, so a walk stays
 * exact while items are added or removed meanwhile (none is seen twice; one added behind the
 * cursor is not seen). `limit` is 1..200, default 50.
 */
import { InvalidRequestError } from '../../errors.js'
import type { AdminParameter } from './openapi.js'
import type { AdminQuery } from './query.js'

export const PAGE_MAX = 200
export const PAGE_DEFAULT = 50
const CURSOR = /^[A-Za-z0-9_-]{1,1400}$/

export const PAGE_PARAMETERS: AdminParameter[] = [
  { name: 'limit', in: 'query', description: `Items per page, 1 to ${PAGE_MAX} (default ${PAGE_DEFAULT})`, schema: { type: 'integer', minimum: 1, maximum: PAGE_MAX } },
  { name: 'cursor', in: 'query', description: 'The next_cursor of the previous page', schema: { type: 'string', pattern: CURSOR.source } },
]

export interface Page<T> {
  data: T[]
  next_cursor: string | null
}

/** The query's `limit`: 1..`PAGE_MAX`, `PAGE_DEFAULT` when absent. */
export function pageLimit(query: AdminQuery): number {
  const text = query.single('limit')
  if (text === undefined) return PAGE_DEFAULT
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > PAGE_MAX) throw new InvalidRequestError(`limit: must be an integer from 1 to ${PAGE_MAX}`)
  return Number(text)
}

/** The page of `items` the query's `limit` and `cursor` ask for. */
export function keyedPage<T>(items: readonly T[], keyOf: (item: T) => string, query: AdminQuery): Page<T> {
  const limit = pageLimit(query)
  const cursor = query.single('cursor')
  let after: string | undefined
  if (cursor !== undefined) {
    after = CURSOR.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
    if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== cursor) throw new InvalidRequestError('cursor: must be the next_cursor of the previous page')
  }
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after)
  const data = rest.slice(0, limit)
  return { data, next_cursor: rest.length > limit ? Buffer.from(keyOf(data.at(-1)!), 'utf8').toString('base64url') : null }
}
