/**
 * Issue 14: a point in time as operators write it on a command line or in a query string: a
 * duration back from now (`90s`, `15m`, `1h`, `7d`, `2w`) or an ISO 8601 time
 * (`2026-12-07T10:00:00Z`, `2026-12-07`). Shared by `latch audit list --since/--until` and the admin
 * API's `since`/`until` filters, so that both read the same values the same way.
 */

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** What the callers say when `parseRelativeTime` refuses a value. */
export const RELATIVE_TIME_HINT = 'a duration back from now (90s, 15m, 1h, 7d, 2w) or an ISO 8601 time'

/** `value` as epoch milliseconds (a duration counts back from `nowMs`), or null when it is neither form. */
export function parseRelativeTime(value: string, nowMs: number): number | null {
  const relative = /^(\d{1,9})([smhdw])$/.exec(value)
  if (relative) return nowMs - Number(relative[1]) * UNITS[relative[2]!]!
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value)
    if (!Number.isNaN(ms)) return ms
  }
  return null
}
