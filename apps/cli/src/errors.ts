/**
 * The two ways a `latch` command fails on purpose. Both print one line on stderr, never a stack
 * trace: `CliError` exits 1 (the command ran and could not do its job: unknown client, database
 * unreachable, bad config file), `UsageError` exits 2 (the command line itself is wrong, as
 * commander's own parse errors are).
 */
import { ManagementError } from '@latch/server/admin'

export class CliError extends Error {
  readonly exitCode: number = 1
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
  }
}

/**
 * Issue 14: a management service's refusal as the command's error (exit 1): `words` gives the
 * command's own message for it (with its hints), else the service's message is said as is. Any
 * other error passes through.
 */
export function cliErrorOf(err: unknown, words: (err: ManagementError) => string | undefined = () => undefined): unknown {
  if (!(err instanceof ManagementError)) return err
  return new CliError(words(err) ?? err.message, { cause: err })
}

export class UsageError extends CliError {
  override readonly exitCode = 2
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * A one-line reason for any thrown value. Driver errors sometimes carry only a `code`
 * (`ECONNREFUSED` inside an `AggregateError` with an empty message), so fall back to it.
 */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const codes = codesOf(err)
    const message = err.message.split('\n')[0]?.trim() ?? ''
    if (message) return codes[0] && !message.includes(codes[0]) ? `${message} (${codes[0]})` : message
    return codes.length > 0 ? [...new Set(codes)].join(', ') : err.name
  }
  return String(err)
}

function codesOf(err: unknown, depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 4) return []
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown }
  const own = typeof e.code === 'string' ? [e.code] : []
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => codesOf(x, depth + 1)) : []
  return [...own, ...nested, ...codesOf(e.cause, depth + 1)]
}
