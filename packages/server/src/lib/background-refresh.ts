/**
 * A value that is recomputed in the background at most every `everySeconds`, whose readers never
 * wait: `get()` returns the current value at once and, when it is due, starts one refresh. A
 * refresh that fails, or does not finish within `timeoutMs`, keeps the current value until the next
 * interval and is reported to `onError`. So a slow store (discovery lists every client) costs no
 * request its latency, and at most one refresh runs at a time.
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
  #refreshing: Promise<void> | null = null

  constructor(
    initial: T,
    private readonly options: BackgroundRefreshOptions<T>,
  ) {
    this.#value = initial
    this.#until = options.clock.now() + options.everySeconds
  }

  get(): T {
    if (this.#refreshing === null && this.options.clock.now() >= this.#until) this.#refreshing = this.#refresh()
    return this.#value
  }

  /** The refresh in flight, if any (tests wait for it). */
  settled(): Promise<void> {
    return this.#refreshing ?? Promise.resolve()
  }

  async #refresh(): Promise<void> {
    const { clock, everySeconds, timeoutMs, compute, onError } = this.options
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`refresh took longer than ${timeoutMs} ms`)), timeoutMs)
      timer.unref()
    })
    try {
      this.#value = await Promise.race([compute(), timedOut])
    } catch (err) {
      onError(err)
    } finally {
      clearTimeout(timer)
      this.#until = clock.now() + everySeconds
      this.#refreshing = null
    }
  }
}
