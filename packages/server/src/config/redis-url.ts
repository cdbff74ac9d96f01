/**
 * The Redis URL of `redis_url` / `LATCH_REDIS_URL`: what makes it valid, and its form for log
 * lines. The URL may carry a password (`redis://:password@host:6379/0`, or `?password=` which
 * ioredis also reads), so it is only ever logged redacted, and the password is scrubbed from any
 * error text that would quote it.
 * @see https://www.iana.org/assignments/uri-schemes/prov/redis
 * @see https://www.iana.org/assignments/uri-schemes/prov/rediss
 */

/** Why `url` is not a Redis URL Latch can use, or null when it is. Never quotes the URL (it may hold a password). */
export function redisUrlProblem(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be a redis:// or rediss:// URL (redis://[:password@]host[:port][/db]); the value given is not a URL'
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `must be a redis:// or rediss:// URL (redis://[:password@]host[:port][/db]), got a ${JSON.stringify(parsed.protocol.slice(0, 20))} URL`
  }
  if (!parsed.hostname) return 'must name a host (redis://host:6379)'
  if (parsed.pathname.length > 1 && !/^\/\d+$/.test(parsed.pathname)) return `must end in a database number (/0), got ${JSON.stringify(parsed.pathname.slice(0, 20))}`
  return null
}

/** `url` as it may appear in a log line: scheme, user, host, port and database; password and query never. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    const auth = u.password ? `${u.username}:***@` : u.username ? `${u.username}@` : ''
    return `${u.protocol}//${auth}${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return '(invalid redis URL)'
  }
}

/** The secret parts of `url` (password, raw and decoded), to scrub from error text. */
export function redisUrlSecrets(url: string): string[] {
  try {
    const u = new URL(url)
    const values = [u.password, u.searchParams.get('password') ?? '']
    return [...new Set(values.flatMap((v) => [v, safeDecode(v)]).filter((v) => v.length > 0))]
  } catch {
    return []
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
