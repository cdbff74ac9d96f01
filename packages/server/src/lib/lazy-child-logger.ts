/**
 * A request's child logger, made only when something is logged at a level the parent writes.
 * Fastify gives every request a child logger (`request.log`, bound to its request id). pino's
 * `child()` copies the bindings and the redaction setup, and at `log_level: warn` (the
 * production default) almost no request ever writes a line, so building one per request was
 * ~2% of the client-credentials path. This stands in for it: a call at a level the parent does
 * not write returns at once; the first call at one it does builds the real child (same bindings,
 * same options) and every later call goes to it, so what is written is unchanged.
 */
import type { Logger } from 'pino'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const
type Level = (typeof LEVELS)[number]
type LogFn = (...args: unknown[]) => void

export class LazyChildLogger {
  #child: Logger | undefined
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: Record<string, unknown>,
  ) {}

  /** The real child logger, built on first use. */
  get logger(): Logger {
    return (this.#child ??= this.parent.child(this.bindings, this.options))
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level
  }

  set level(level: string) {
    this.logger.level = level
  }

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.parent).isLevelEnabled(level)
  }

  /**
   * A stand-in too while nothing was written (the tenant hook adds `tenant` to every request's
   * logger, issue 11: two real children per request were ~4% of a tenant's client-credentials
   * path): its first line builds one real child with both sets of bindings, which writes what the
   * child of a child would. Options (a level, serializers) need the real thing.
   */
  child(bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger {
    if (this.#child !== undefined || (options !== undefined && Object.keys(options).length > 0)) return this.logger.child(bindings, options)
    return new LazyChildLogger(this.parent, { ...this.bindings, ...bindings }, this.options) as unknown as Logger
  }

  silent(): void {}

  declare fatal: LogFn
  declare error: LogFn
  declare warn: LogFn
  declare info: LogFn
  declare debug: LogFn
  declare trace: LogFn
}

for (const level of LEVELS) {
  Object.defineProperty(LazyChildLogger.prototype, level, {
    value(this: LazyChildLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(level)) return
      ;(this.logger[level as Level] as LogFn)(...args)
    },
  })
}

/**
 * Fastify's `childLoggerFactory`: the lazy stand-in, unless the route sets its own level
 * (`logLevel`), which only a real child can carry.
 */
export function lazyChildLoggerFactory(parent: Logger, bindings: Record<string, unknown>, options: Record<string, unknown>): Logger | LazyChildLogger {
  if (options.level !== undefined || options.serializers !== undefined) return parent.child(bindings, options)
  return new LazyChildLogger(parent, bindings, options)
}
