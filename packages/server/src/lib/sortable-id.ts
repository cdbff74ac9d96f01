/**
 * Issue 14: ids that sort by time, for the audit log: 12 hex digits of epoch milliseconds (good
 * until the year 10889), 8 hex digits chosen at random once per process (two nodes writing in the
 * same millisecond do not collide) and an 8-hex-digit counter of this process (its own events of
 * one millisecond keep their order). 28 characters of `[0-9a-f]`, so text order is time order in
 * every collation, and a time bound is an id bound (`sortableIdFloor`).
 */
import { randomBytes } from 'node:crypto'

const PROCESS_PART = randomBytes(4).toString('hex')
let counter = 0

/** A new id for an event at `ms` (epoch milliseconds). */
export function sortableId(ms: number): string {
  counter = (counter + 1) >>> 0
  return `${Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')}${PROCESS_PART}${counter.toString(16).padStart(8, '0')}`
}

/** The smallest id of the millisecond `ms`: every id made at `ms` or later is >= it, every earlier one <. */
export function sortableIdFloor(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')
}

/** The epoch milliseconds an id was made at (NaN when it is not one of these ids). */
export function sortableIdTime(id: string): number {
  return /^[0-9a-f]{12}/.test(id) ? parseInt(id.slice(0, 12), 16) : Number.NaN
}
