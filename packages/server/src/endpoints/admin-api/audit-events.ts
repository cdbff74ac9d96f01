/**
 * Issue 14: `GET /admin/api/v1/audit-events`, the tenant's audit log (README "Audit log", schema
 * version 1), newest first, the same query as `latch audit list`:
 * - `since` (inclusive) and `until` (exclusive): a duration back from now (`1h`) or an ISO 8601
 *   time (`lib/relative-time.ts`, shared with the CLI);
 * - `type`: event types, repeatable or comma-separated (`audit/audit-query.ts`);
 * - `user`: a user id or an email: the user's records as actor or subject, and the failed sign-ins
 *   of the account by its keyed hash (`audit/user-filter.ts`, shared with the CLI);
 * - `client_id`, `outcome` (`success` | `failure`), `limit` (1..1000, default 100), `cursor`.
 * The answer is `{ data: AuditRecord[], next_cursor }` with, when there is more, an RFC 8288
 * `Link: <…>; rel="next"` to the next page: the same filters, a relative `since`/`until` made
 * absolute (so that the pages of one walk agree), and `cursor`. Paging is by id (`id < cursor`),
 * stable however many records arrive meanwhile. Needs `admin:read`.
 * @see https://www.rfc-editor.org/rfc/rfc8288#section-3
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { AUDIT_CURSOR, isAuditType } from '../../audit/audit-query.js'
import { auditUserFilter } from '../../audit/user-filter.js'
import { InvalidRequestError } from '../../errors.js'
import { parseRelativeTime, RELATIVE_TIME_HINT } from '../../lib/relative-time.js'
import { adminResourceOf } from '../../rules/admin-api.js'
import type { AuditFilter } from '../../storage/store.js'
import { tenantKeySecret } from '../../users/login-throttle.js'
import { noStore } from '../_pipeline/no-store.js'
import { adminAuthorization } from './authorization.js'
import type { AdminParameter, AdminResource, JsonSchema } from './openapi.js'
import { AdminQuery } from './query.js'

/** The most records one page holds (the store's cap, `AUDIT_LIST_MAX`). */
const AUDIT_PAGE_MAX = 1000
const AUDIT_PAGE_DEFAULT = 100
const MAX_TYPES = 50
const PARAMETERS = ['since', 'until', 'type', 'user', 'client_id', 'outcome', 'limit', 'cursor'] as const

const PARTY_TYPES = ['user', 'client', 'system', 'anonymous', 'admin']

export const AUDIT_RECORD_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'An audit record, schema version 1 (README "Audit log")',
  required: ['id', 'type', 'version', 'time', 'tenant', 'actor', 'subject', 'client_id', 'ip', 'user_agent', 'outcome', 'data'],
  properties: {
    id: { type: 'string', description: 'Unique and time-ordered; the cursor of pagination' },
    type: { type: 'string', description: 'The event, e.g. login.failed, token.issued, admin.client.created' },
    version: { type: 'integer', const: 1 },
    time: { type: 'string', format: 'date-time' },
    tenant: { type: 'string' },
    actor: {
      type: 'object',
      required: ['type', 'id'],
      properties: { type: { type: 'string', description: PARTY_TYPES.join(', ') }, id: { type: ['string', 'null'] } },
    },
    subject: {
      anyOf: [
        { type: 'null' },
        { type: 'object', required: ['type', 'id'], properties: { type: { type: 'string' }, id: { type: 'string' } } },
      ],
    },
    client_id: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    outcome: { type: 'string', enum: ['success', 'failure'] },
    data: { type: 'object', additionalProperties: true, description: 'The event\'s other fields (never a secret)' },
  },
}

const AUDIT_EVENT_PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: {
    data: { type: 'array', items: AUDIT_RECORD_SCHEMA },
    next_cursor: { type: ['string', 'null'], description: 'The cursor of the next page; null on the last' },
  },
}

const QUERY_PARAMETERS: AdminParameter[] = [
  { name: 'since', in: 'query', description: `Records at or after this time: ${RELATIVE_TIME_HINT}`, schema: { type: 'string', examples: ['1h', '2026-12-07T10:00:00Z'] } },
  { name: 'until', in: 'query', description: `Records before this time: ${RELATIVE_TIME_HINT}`, schema: { type: 'string' } },
  {
    name: 'type',
    in: 'query',
    description: `Event types (any of), repeated or comma-separated, at most ${MAX_TYPES}: the events of README "Audit log" or admin.<resource>.<action>`,
    schema: { type: 'array', items: { type: 'string' } },
    style: 'form',
    explode: true,
  },
  { name: 'user', in: 'query', description: 'A user id or an email: the user\'s records as actor or subject, and the failed sign-ins of that account (by its keyed hash)', schema: { type: 'string' } },
  { name: 'client_id', in: 'query', description: 'Records of this client', schema: { type: 'string' } },
  { name: 'outcome', in: 'query', description: 'success or failure', schema: { type: 'string', enum: ['success', 'failure'] } },
  { name: 'limit', in: 'query', description: `Records per page (default ${AUDIT_PAGE_DEFAULT})`, schema: { type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX } },
  { name: 'cursor', in: 'query', description: 'The next_cursor of the previous page', schema: { type: 'string', pattern: AUDIT_CURSOR.source } },
]

/** The filter of a request, and the query of its next page but for the cursor. */
async function filterOf(request: FastifyRequest): Promise<{ filter: AuditFilter; nextQuery: URLSearchParams }> {
  const ctx = request.latch
  const query = new AdminQuery(request.query, PARAMETERS)
  const now = Date.now()
  const filter: AuditFilter = {}
  const nextQuery = new URLSearchParams()
  for (const name of ['since', 'until'] as const) {
    const value = query.single(name)
    if (value === undefined) continue
    const ms = parseRelativeTime(value, now)
    if (ms === null) throw new InvalidRequestError(`${name}: must be ${RELATIVE_TIME_HINT}`)
    filter[name] = ms
    nextQuery.set(name, new Date(ms).toISOString())
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) throw new InvalidRequestError('since: must be before until')
  const types = query.list('type', MAX_TYPES)
  if (types !== undefined) {
    const unknown = types.filter((t) => !isAuditType(t))
    if (unknown.length > 0) throw new InvalidRequestError(`type: no such event ${JSON.stringify(unknown[0]!.slice(0, 64))} (README "Audit log")`)
    filter.types = types
    nextQuery.set('type', types.join(','))
  }
  const user = query.single('user')
  if (user !== undefined) {
    Object.assign(filter, await auditUserFilter(ctx.store.users, tenantKeySecret(ctx.config.secret, ctx.tenant), user))
    nextQuery.set('user', user)
  }
  const clientId = query.single('client_id')
  if (clientId !== undefined) {
    filter.clientId = clientId
    nextQuery.set('client_id', clientId)
  }
  const outcome = query.single('outcome')
  if (outcome !== undefined) {
    if (outcome !== 'success' && outcome !== 'failure') throw new InvalidRequestError('outcome: must be success or failure')
    filter.outcome = outcome
    nextQuery.set('outcome', outcome)
  }
  const limit = query.single('limit')
  filter.limit = AUDIT_PAGE_DEFAULT
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > AUDIT_PAGE_MAX) throw new InvalidRequestError(`limit: must be an integer from 1 to ${AUDIT_PAGE_MAX}`)
    filter.limit = Number(limit)
    nextQuery.set('limit', limit)
  }
  const cursor = query.single('cursor')
  if (cursor !== undefined) {
    if (!AUDIT_CURSOR.test(cursor)) throw new InvalidRequestError('cursor: must be the next_cursor of the previous page')
    filter.cursor = cursor
  }
  return { filter, nextQuery }
}

const routes: FastifyPluginAsync = async (app) => {
  app.get(
    '/audit-events',
    {
      config: { channel: 'bearer-api' },
      onRequest: [noStore, adminAuthorization('admin:read')],
      // An allow-list of the record's fields (fast-json-stringify), as STYLE.md asks of every output.
      schema: { response: { 200: AUDIT_EVENT_PAGE_SCHEMA } },
    },
    async function listAuditEvents(request: FastifyRequest, reply: FastifyReply) {
      const ctx = request.latch
      const { filter, nextQuery } = await filterOf(request)
      const page = await ctx.store.audit.list(filter)
      if (page.next !== null) {
        nextQuery.set('cursor', page.next)
        reply.header('link', `<${adminResourceOf(ctx.config.issuer)}/audit-events?${nextQuery.toString()}>; rel="next"`)
      }
      return reply.type('application/json; charset=utf-8').send({ data: page.records, next_cursor: page.next })
    },
  )
}

export const auditEventsResource: AdminResource = {
  tag: { name: 'audit-events', description: 'The tenant\'s audit log (README "Audit log"), read only' },
  schemas: { AuditRecord: AUDIT_RECORD_SCHEMA, AuditEventPage: AUDIT_EVENT_PAGE_SCHEMA },
  operations: [
    {
      method: 'get',
      path: '/audit-events',
      operationId: 'listAuditEvents',
      summary: 'List audit events, newest first',
      description: 'The tenant\'s audit records matching every filter given, newest first, a page at a time. The next page is the `Link: <…>; rel="next"` header, or the same query with `cursor=<next_cursor>`.',
      access: 'admin:read',
      parameters: QUERY_PARAMETERS,
      responses: {
        200: {
          description: 'A page of audit records',
          schema: 'AuditEventPage',
          headers: { Link: { description: 'RFC 8288: `<…/audit-events?…&cursor=…>; rel="next"` when there is a next page', schema: { type: 'string' } } },
        },
      },
    },
  ],
  routes,
}
