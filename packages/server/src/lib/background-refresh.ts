/**
 * A value that is recomputed in the background at most every `everySeconds`, whose readers never
 * wait: `get()` returns the current value at once and, when it is due, starts one refresh. A
 * refresh that fails, or does not finish within `timeoutMs`, keeps the current value until the next
 * interval and is reported to `onError`. So a slow store (discovery lists every client) costs no
 * request its latency, and at most one refresh runs at a time: one that outlasts its bound is not
 * joined by another until it settles, so a stuck store never piles up scans.
 */
import type { Clock } from './clock.js'

export interface BackgroundRefreshOptions<T> {
  clock: Clock
  everySeconds: number
  timeoutMs: number
  compute: () => Promise<T>
  onError: (err: unknown) => void
}

export class BackgroundRefresh<T> {
  #value: T
  #until: number
  /** The computation in flight: cleared only when it settles, so a hung one is never joined by a second. */
  #computing: Promise<void> | null = null
  /** Settles when the refresh in flight ends or outlasts `timeoutMs` (tests wait for it). */
  #settled: Promise<void> = Promise.resolve()

  constructor(
    initial: T,
    private readonly options: BackgroundRefreshOptions<T>,
  ) {
    this.#value = initial
    this.#until = options.clock.now() + options.everySeconds
  }

  get(): T {
    if (this.#computing === null && this.options.clock.now() >= this.#until) this.#start()
    return this.#value
  }

  /** The refresh in flight, if any, until it ends or outlasts its bound. */
  settled(): Promise<void> {
    return this.#settled
  }

  #start(): void {
    const { clock, everySeconds, timeoutMs, compute, onError } = this.options
    let late = false
    let timer: NodeJS.Timeout | undefined
    let started: Promise<T>
    try {
      started = compute()
    } catch (err) {
      started = Promise.reject(err)
    }
    const computing = started
      .then(
        // A late value is still the newest one.
        (value) => void (this.#value = value),
        (err: unknown) => void (late || onError(err)),
      )
      .finally(() => {
        clearTimeout(timer)
        this.#until = clock.now() + everySeconds
        this.#computing = null
      })
    this.#computing = computing
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        late = true
        onError(new Error(`refresh took longer than ${timeoutMs} ms`))
        resolve()
      }, timeoutMs)
      timer.unref()
    })
    this.#settled = Promise.race([computing, timedOut])
  }
}
