/**
 * The one way a URL that may carry a password (`database`, `redis_url`) reaches a log line, an
 * error message or the terminal. Passwords come in the userinfo (`postgres://user:pass@host/db`,
 * RFC 3986 §3.2.1, which deprecates exactly this) and in the query (`?password=…`, which `pg` and
 * ioredis also read). `redactUrl` masks both; `scrubError` removes the password, and the URL that
 * holds it, from errors a driver throws (a `TypeError: Invalid URL` carries the whole URL in
 * `input`, and driver messages sometimes quote the connection string).
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1
 */

const MASK = '***'
/** Query parameters that hold a credential (`pg` reads `password` and `sslpassword`). */
const SECRET_PARAM = /^(password|pass|pwd|sslpassword)$/i

/** `url` with its password, in the userinfo and in the query, replaced by `***`. */
export function redactUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not a URL: mask anything that looks like userinfo or a password parameter.
    return url.replace(/\/\/[^@/?#]*@/, `//${MASK}@`).replace(/([?&](?:password|pass|pwd|sslpassword)=)[^&#]*/gi, `$1${MASK}`)
  }
  if (parsed.password) parsed.password = MASK
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, MASK)
  }
  // URLSearchParams percent-encodes the mask.
  return parsed.href.replaceAll(encodeURIComponent(MASK), MASK)
}

/** The secret parts of `url` (the URL itself, its passwords raw and decoded), longest first. */
export function urlSecrets(url: string): string[] {
  const found = [url]
  try {
    const parsed = new URL(url)
    found.push(parsed.password)
    for (const [key, value] of parsed.searchParams) if (SECRET_PARAM.test(key)) found.push(value)
  } catch {
    const userinfo = /\/\/[^:@/?#]*:([^@/?#]*)@/.exec(url)?.[1]
    if (userinfo) found.push(userinfo)
  }
  const all = found.flatMap((v) => [v, safeDecode(v)]).filter((v) => v.length > 0)
  return [...new Set(all)].sort((a, b) => b.length - a.length)
}

/** `text` with `url` replaced by its redacted form and any of its passwords by `***`. */
export function scrubText(text: string, url: string): string {
  if (url.startsWith('sqlite:')) return text
  let out = text
  const [whole, ...passwords] = urlSecrets(url)
  if (whole !== undefined) out = out.split(whole).join(redactUrl(url))
  for (const secret of passwords) out = out.split(secret).join(MASK)
  return out
}

/**
 * Removes `url`'s password from `error` in place (message, stack, `input`, and the same through
 * `cause` and `AggregateError#errors`), keeping its class and `code` for whoever classifies it.
 */
export function scrubError<T>(error: T, url: string, depth = 0): T {
  if (typeof error !== 'object' || error === null || depth > 5 || url.startsWith('sqlite:')) return error
  const e = error as { message?: unknown; stack?: unknown; input?: unknown; cause?: unknown; errors?: unknown }
  for (const key of ['message', 'stack', 'input'] as const) {
    const value = e[key]
    if (typeof value === 'string') {
      const scrubbed = scrubText(value, url)
      if (scrubbed !== value) {
        try {
          Object.defineProperty(error, key, { value: scrubbed, writable: true, configurable: true, enumerable: key === 'input' })
        } catch {
          // a frozen error: nothing to do but leave it
        }
      }
    }
  }
  scrubError(e.cause, url, depth + 1)
  if (Array.isArray(e.errors)) for (const inner of e.errors) scrubError(inner, url, depth + 1)
  return error
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
