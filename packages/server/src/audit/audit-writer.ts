/**
 * Issue 14: the audit log's writer. An event costs the request that emitted it one array push: its
 * name, payload, time and the request's source address and User-Agent (`lib/request-context.ts`).
 * Everything else (the record's id, the mapping, JSON, the stream line, the database write)
 * happens in `flush`, every `flushIntervalMs` or as soon as `batchSize` events wait, as one
 * multi-row INSERT (`store.audit.append`): never a statement per request.
 *
 * Bounded: at most `maxBuffered` events wait (anonymous requests emit events); beyond that new
 * ones are dropped and counted, and the count is logged once per flush as a warning. A failed
 * write keeps its records for the next flush (within the same bound: the oldest go first).
 * Security review M2: the log never stalls on a batch. `append` is idempotent (a retry after a
 * partial write skips the rows already stored), and after `AUDIT_SPLIT_AFTER` consecutive failed
 * writes the batch is split in halves, recursively: the parts that go in are written, single rows
 * that still fail while others went in are dropped (counted, one warning), and when nothing goes
 * in (the database is away) the batch is kept for the next flush as before.
 * `close` flushes what is left, so a graceful shutdown loses nothing.
 *
 * What anonymous requests can add to the database is bounded too: of the refusals they cause
 * (`ANONYMOUS_REFUSALS`: failed sign-ins, throttled attempts, bad codes), at most
 * `AUDIT_REFUSALS_PER_SOURCE` per source (an IPv4 address, an IPv6 /64) and `AUDIT_REFUSALS_PER_MINUTE`
 * in all are recorded per minute and node; the rest are counted and the count is logged as a warning
 * when the minute ends. The metrics still count every one.
 */
import type { Logger } from 'pino'
import type { LatchEventMap, LatchEventName } from '../events.js'
import { detached } from '../lib/detached.js'
import { currentRequest } from '../lib/request-context.js'
import { sortableId } from '../lib/sortable-id.js'
import { throttleSource } from '../lib/source-address.js'
import type { Store } from '../storage/store.js'
import { AUDIT_SCHEMA_VERSION, type AuditRecord } from './audit-record.js'
import { ANONYMOUS_REFUSALS, auditFieldsOf } from './event-mapping.js'

/** Where records are streamed as JSON lines (`audit.stream: stdout`: process.stdout). */
export interface AuditStream {
  write(chunk: string): unknown
}

export interface AuditWriterOptions {
  store: Pick<Store['audit'], 'append'>
  log: Pick<Logger, 'warn' | 'error'>
  /** JSON lines of every record, or none. */
  stream?: AuditStream | null
  flushIntervalMs?: number
  batchSize?: number
  maxBuffered?: number
  refusalsPerSource?: number
  refusalsPerMinute?: number
  /** Epoch milliseconds (tests pass a frozen one). */
  nowMs?: () => number
}

/** An event as captured on the request path: mapped later, in `flush`. */
interface Pending {
  name: LatchEventName
  payload: object
  ms: number
  ip: string | null
  userAgent: string | null
}

export const AUDIT_FLUSH_INTERVAL_MS = 1000
export const AUDIT_BATCH_SIZE = 500
export const AUDIT_MAX_BUFFERED = 10_000
/** Consecutive failed writes after which a batch is split to find the rows that cannot be written. */
export const AUDIT_SPLIT_AFTER = 3
/** Anonymous refusals recorded per source (IPv4 address, IPv6 /64) per minute and node. */
export const AUDIT_REFUSALS_PER_SOURCE = 60
/** Anonymous refusals recorded per minute and node, over every source. */
export const AUDIT_REFUSALS_PER_MINUTE = 3_000

export class AuditWriter {
  readonly #store: AuditWriterOptions['store']
  readonly #log: AuditWriterOptions['log']
  readonly #stream: AuditStream | null
  readonly #batchSize: number
  readonly #maxBuffered: number
  readonly #nowMs: () => number
  #pending: Pending[] = []
  /** Records whose database write failed, for the next flush (already streamed). */
  #unwritten: AuditRecord[] = []
  #dropped = 0
  /** Consecutive failed writes (security review M2). */
  #failures = 0
  #flushing: Promise<void> | null = null
  #soon = false
  #closed = false
  readonly #timer: NodeJS.Timeout
  readonly #refusalsPerSource: number
  readonly #refusalsPerMinute: number
  /** The minute (epoch ms / 60,000) the refusal counts are for; their keys never outnumber the per-minute cap. */
  #refusalMinute = 0
  #refusalsBySource = new Map<string, number>()
  #refusals = 0
  #refusalsSuppressed = 0

  constructor(options: AuditWriterOptions) {
    this.#store = options.store
    this.#log = options.log
    this.#stream = options.stream ?? null
    this.#batchSize = options.batchSize ?? AUDIT_BATCH_SIZE
    this.#maxBuffered = options.maxBuffered ?? AUDIT_MAX_BUFFERED
    this.#nowMs = options.nowMs ?? Date.now
    this.#refusalsPerSource = options.refusalsPerSource ?? AUDIT_REFUSALS_PER_SOURCE
    this.#refusalsPerMinute = options.refusalsPerMinute ?? AUDIT_REFUSALS_PER_MINUTE
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? AUDIT_FLUSH_INTERVAL_MS)
    this.#timer.unref()
  }

  /** Events waiting, and dropped so far (for tests and diagnostics). */
  get stats(): { pending: number; dropped: number } {
    return { pending: this.#pending.length + this.#unwritten.length, dropped: this.#dropped }
  }

  /** The event bus's listener: O(1), no I/O. */
  record<K extends LatchEventName>(name: K, payload: LatchEventMap[K]): void {
    if (this.#closed || this.#pending.length + this.#unwritten.length >= this.#maxBuffered) {
      this.#dropped++
      return
    }
    const request = currentRequest()
    const ms = this.#nowMs()
    const ip = request?.ip ?? (payload as { ip?: string }).ip ?? null
    if (ANONYMOUS_REFUSALS.has(name) && !this.#admitRefusal(ip, ms)) return
    this.#pending.push({ name, payload, ms, ip, userAgent: request?.user_agent ?? null })
    if (this.#pending.length >= this.#batchSize && !this.#soon) {
      this.#soon = true
      // Security review L3: the flush (its store spans) is no part of the request whose event filled the batch.
      detached(() =>
        setImmediate(() => {
          this.#soon = false
          void this.flush()
        }),
      )
    }
  }

  /** Whether one more anonymous refusal from `ip` is recorded in the minute of `ms`. */
  #admitRefusal(ip: string | null, ms: number): boolean {
    const minute = Math.floor(ms / 60_000)
    if (minute !== this.#refusalMinute) {
      if (this.#refusalsSuppressed > 0) this.#log.warn({ suppressed: this.#refusalsSuppressed }, 'audit log: anonymous refusals past the per-minute bounds were not recorded')
      this.#refusalMinute = minute
      this.#refusalsBySource.clear()
      this.#refusals = 0
      this.#refusalsSuppressed = 0
    }
    const source = ip === null ? '' : throttleSource(ip)
    const seen = this.#refusalsBySource.get(source) ?? 0
    if (this.#refusals >= this.#refusalsPerMinute || seen >= this.#refusalsPerSource) {
      this.#refusalsSuppressed++
      return false
    }
    this.#refusalsBySource.set(source, seen + 1)
    this.#refusals++
    return true
  }

  /** Writes what waits; a flush under way is joined, then another runs for what arrived meanwhile. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing
    if (this.#pending.length === 0 && this.#unwritten.length === 0 && this.#dropped === 0) return
    this.#flushing = this.#writeBatch().finally(() => (this.#flushing = null))
    return this.#flushing
  }

  /** Stops the timer and writes everything left; later events are dropped (counted). */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.flush()
    // Emitted while the last batch was written.
    while (this.#pending.length > 0) await this.flush()
    this.#closed = true
    if (this.#unwritten.length > 0) this.#log.error({ lost: this.#unwritten.length }, 'audit log: records not written at shutdown (database unavailable)')
  }

  async #writeBatch(): Promise<void> {
    if (this.#dropped > 0) {
      this.#log.warn({ dropped: this.#dropped, max_buffered: this.#maxBuffered }, 'audit log: events dropped, the buffer was full (database too slow or unavailable)')
      this.#dropped = 0
    }
    const taken = this.#pending
    this.#pending = []
    const records = taken.map(toRecord)
    if (this.#stream && records.length > 0) {
      // One line per write: each stays whole beside the logger's lines on the same descriptor.
      for (const record of records) this.#stream.write(`${JSON.stringify(record)}\n`)
    }
    const batch = this.#unwritten.length === 0 ? records : this.#unwritten.concat(records)
    this.#unwritten = []
    if (batch.length === 0) return
    let left: AuditRecord[]
    let failure: unknown
    if (this.#failures < AUDIT_SPLIT_AFTER) {
      try {
        await this.#store.append(batch)
        this.#failures = 0
        return
      } catch (err) {
        this.#failures++
        left = batch
        failure = err
      }
    } else {
      // Security review M2: the same batch failed again and again; find what cannot be written.
      const split = await this.#split(batch)
      if (split.written === 0) {
        left = batch
        failure = split.err
      } else {
        this.#failures = 0
        if (split.failed.length > 0) {
          this.#log.warn({ err: split.err, rejected: split.failed.length, written: split.written }, 'audit log: records the database keeps refusing were dropped')
        }
        return
      }
    }
    // Kept for the next flush, the newest within the bound.
    const keep = left.slice(Math.max(0, left.length - this.#maxBuffered))
    this.#dropped += left.length - keep.length
    this.#unwritten = keep
    this.#log.warn({ err: failure, waiting: keep.length }, 'audit log: write failed, retrying at the next flush')
  }

  /**
   * Writes `records` in halves, recursively; returns how many went in and the single rows that did
   * not. Bounded when the database is away: once 2·⌈log2 n⌉ + 2 attempts (one path down to a single
   * row and back) have failed with nothing written, it gives up and the caller keeps the batch.
   */
  async #split(records: AuditRecord[]): Promise<{ written: number; failed: AuditRecord[]; err: unknown }> {
    const state = { written: 0, failed: [] as AuditRecord[], err: undefined as unknown, budget: 2 * Math.ceil(Math.log2(records.length + 1)) + 2 }
    const step = async (part: AuditRecord[]): Promise<void> => {
      if (state.written === 0 && state.budget <= 0) {
        state.failed.push(...part)
        return
      }
      try {
        await this.#store.append(part)
        state.written += part.length
      } catch (err) {
        state.err = err
        if (state.written === 0) state.budget--
        if (part.length === 1) {
          state.failed.push(part[0]!)
          return
        }
        const middle = Math.ceil(part.length / 2)
        await step(part.slice(0, middle))
        await step(part.slice(middle))
      }
    }
    await step(records)
    return state
  }
}

/** A captured event as an audit record of schema version 1. */
export function toRecord(p: Pending): AuditRecord {
  const fields = auditFieldsOf(p.name, p.payload as never)
  return {
    id: sortableId(p.ms),
    type: p.name,
    version: AUDIT_SCHEMA_VERSION,
    time: new Date(p.ms).toISOString(),
    tenant: (p.payload as { tenant?: string }).tenant ?? 'default',
    actor: fields.actor,
    subject: fields.subject,
    client_id: fields.client_id,
    ip: p.ip,
    user_agent: p.userAgent,
    outcome: fields.outcome,
    data: fields.data,
  }
}
