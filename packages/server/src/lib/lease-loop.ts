/**
 * The per-node loop of a leased delivery queue (issue 12's back-channel logout tokens, issue 14's
 * alerts): every `intervalMs`, and at once when this node queues work (`kick`), it claims due rows
 * (`claim`: each row leased to this node in the same statement, `FOR UPDATE SKIP LOCKED` on
 * PostgreSQL, so nodes never work on one row at once) and hands each to `deliver`, `parallel` at a
 * time, for at most `maxBatches` claims per pass; the rest waits for the next pass. One pass runs
 * at a time: a pass asked for while one runs joins it.
 */
import type { Logger } from 'pino'
import { detached } from './detached.js'

export interface LeaseLoopOptions<Row> {
  /** Names the loop in its log line when a pass fails. */
  name: string
  intervalMs: number
  /** Deliveries in flight at once. */
  parallel: number
  /** Rows claimed per statement. */
  batch: number
  /** Claims per pass at most. */
  maxBatches: number
  /** Up to `limit` due rows, each leased to this node. */
  claim(limit: number): Promise<Row[]>
  /** One attempt for one row; it records its own outcome (and its own failures). */
  deliver(row: Row): Promise<void>
  log: Logger
}

export class LeaseLoop<Row> {
  readonly #options: LeaseLoopOptions<Row>
  #timer: NodeJS.Timeout | undefined
  #kicked = false
  #running: Promise<void> | null = null
  #stopped = false

  constructor(options: LeaseLoopOptions<Row>) {
    this.#options = options
  }

  start(): void {
    this.#timer = setInterval(() => void this.#pass(), this.#options.intervalMs)
    this.#timer.unref()
  }

  /** Work was just queued: a pass now rather than at the next tick (several kicks in one turn, one pass). */
  kick(): void {
    if (this.#kicked || this.#stopped) return
    this.#kicked = true
    // Security review L3: the pass is no part of the request that queued the work (lib/detached.ts).
    detached(() =>
      setImmediate(() => {
        this.#kicked = false
        void this.#pass()
      }).unref(),
    )
  }

  /** One full pass that starts after any pass under way: every row due now gets its attempt. */
  async runOnce(): Promise<void> {
    await this.#running
    await this.#pass()
  }

  /** Stops the timer and waits for the pass under way. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#running
  }

  #pass(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return (this.#running ??= this.#deliverDue()
      .catch((err: unknown) => this.#options.log.warn({ err }, `${this.#options.name} pass failed`))
      .finally(() => (this.#running = null)))
  }

  async #deliverDue(): Promise<void> {
    const { batch: size, parallel, maxBatches, claim, deliver } = this.#options
    for (let batch = 0; batch < maxBatches && !this.#stopped; batch++) {
      const rows = await claim(size)
      let next = 0
      const worker = async () => {
        while (next < rows.length) await deliver(rows[next++]!)
      }
      await Promise.all(Array.from({ length: Math.min(parallel, rows.length) }, worker))
      if (rows.length < size) return
    }
  }
}
