/**
 * `latch audit list` (issue 14): the tenant's audit log, newest first (README "Audit log").
 * Filters: `--since` / `--until` (a duration back from now, `90s` `15m` `1h` `7d` `2w`, or an ISO
 * 8601 time; `--until` is exclusive), `--type` (repeatable or comma-separated), `--user EMAIL` or a user id (the
 * user's records as actor or subject, and the failed sign-ins of that account typed, found by its
 * keyed hash even when no such user exists; records match by subject and actor type and id, and a
 * warning on stderr says when LATCH_SECRET is not from the environment, since the hash is keyed by
 * it), `--client ID`, `--outcome`. Pages of `--limit` records
 * (default 50, at most 1000); the next page is `--cursor` with the id stderr names.
 * `--json` prints the records as a JSON array (schema version 1, as stored).
 */
import type { Command } from 'commander'
import { AUDIT_CURSOR, AUDIT_LIST_MAX, RELATIVE_TIME_HINT, isAuditType, auditUserFilter, parseRelativeTime, tenantKeySecret, type AuditFilter, type AuditRecord } from '@latch/server/admin'
import { withConfigOption, withStore, withTenantOption, type CommonOptions } from '../context.js'
import { UsageError } from '../errors.js'
import { list } from '../flag-values.js'
import { note, printJson, printTable } from '../output.js'

/** `1h` (back from `now`) or an ISO 8601 time, as epoch milliseconds (lib/relative-time.ts, shared with the admin API); a usage error naming the flag otherwise. */
export function timeArg(flag: string, value: string, now: number): number {
  const ms = parseRelativeTime(value, now)
  if (ms === null) throw new UsageError(`${flag} ${JSON.stringify(value)} must be ${RELATIVE_TIME_HINT}`)
  return ms
}

interface AuditListOptions extends CommonOptions {
  since?: string
  until?: string
  type?: string[]
  user?: string
  client?: string
  outcome?: string
  limit?: string
  cursor?: string
  json?: boolean
}

/** Who did it, as one cell: `user:ID`, `client:ID`, `system`, `anonymous`. */
const party = (p: { type: string; id: string | null } | null): string => (p === null ? '-' : p.id === null ? p.type : `${p.type}:${p.id}`)

export function auditList(parent: Command): void {
  withTenantOption(
    withConfigOption(
      parent
        .command('list')
        .description('list audit records, newest first')
        .option('--since <time>', 'records at or after: a duration back from now (90s, 15m, 1h, 7d, 2w) or an ISO 8601 time')
        .option('--until <time>', 'records before: a duration back from now or an ISO 8601 time')
        .option('--type <types>', 'event types, comma-separated or repeated (login.failed, token.issued, …)', list)
        .option('--user <email-or-id>', "the user's records (as actor or subject) and the failed sign-ins of that account")
        .option('--client <id>', 'records of this client_id')
        .option('--outcome <outcome>', 'success or failure')
        .option('--limit <n>', `records per page (default 50, at most ${AUDIT_LIST_MAX})`)
        .option('--cursor <id>', 'the next page: records older than this id (printed on stderr after a full page)')
        .option('--json', 'print a JSON array of audit records (schema version 1)'),
    ),
  ).action(async (opts: AuditListOptions) => {
    const now = Date.now()
    const filter: AuditFilter = {}
    if (opts.since !== undefined) filter.since = timeArg('--since', opts.since, now)
    if (opts.until !== undefined) filter.until = timeArg('--until', opts.until, now)
    if (opts.type !== undefined) {
      const unknown = opts.type.filter((t) => !isAuditType(t))
      if (unknown.length > 0) throw new UsageError(`--type ${unknown.join(',')}: no such event (see README "Audit log")`)
      filter.types = opts.type
    }
    if (opts.outcome !== undefined) {
      if (opts.outcome !== 'success' && opts.outcome !== 'failure') throw new UsageError('--outcome must be success or failure')
      filter.outcome = opts.outcome
    }
    if (opts.limit !== undefined) {
      if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1 || Number(opts.limit) > AUDIT_LIST_MAX) throw new UsageError(`--limit must be an integer from 1 to ${AUDIT_LIST_MAX}`)
      filter.limit = Number(opts.limit)
    } else {
      filter.limit = 50
    }
    if (opts.cursor !== undefined) {
      if (!AUDIT_CURSOR.test(opts.cursor)) throw new UsageError('--cursor must be the id printed after the previous page')
      filter.cursor = opts.cursor
    }
    if (opts.client !== undefined) filter.clientId = opts.client
    await withStore(opts, async ({ store, base, tenant }) => {
      if (opts.user !== undefined) {
        // audit/user-filter.ts (shared with the admin API): the user as actor or subject, by (type, id),
        // and the failed sign-ins of the account by its keyed hash, whether or not it exists.
        Object.assign(filter, await auditUserFilter(store.users, tenantKeySecret(base.secret, tenant), opts.user))
        // The keyed hash is the server's only when both use the same secret: from the environment.
        if (base.secret_source !== 'env') {
          note(`warning: LATCH_SECRET is not set in the environment (the secret comes from ${base.secret_source}): failed sign-ins are found by a keyed hash of the email, which matches the server's only if it runs with the same secret`)
        }
      }
      const { records, next } = await store.audit.list(filter)
      if (opts.json) printJson(records)
      else if (records.length === 0) note('no audit records')
      else printTable(['TIME', 'TYPE', 'OUTCOME', 'ACTOR', 'SUBJECT', 'CLIENT', 'IP', 'ID'], records.map(row))
      if (next !== null) note(`more: --cursor ${next}`)
    })
  })
}

function row(r: AuditRecord): string[] {
  return [r.time, r.type, r.outcome, party(r.actor), party(r.subject), r.client_id ?? '-', r.ip ?? '-', r.id]
}
