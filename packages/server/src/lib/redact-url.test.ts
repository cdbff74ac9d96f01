/**
 * A database URL's password (userinfo or `?password=`) never reaches an error, a log line or the
 * terminal (RFC 3986 §3.2.1 deprecates "user:password" in URLs because it leaks). The failing
 * connections are real: `pg` on a closed port and on a URL it cannot parse.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1
 * @see issue 8
 */
import { createServer as createTcpServer } from 'node:net'
import { inspect } from 'node:util'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createStore, databaseExists } from '../storage/kysely-store.js'
import { redactUrl, scrubText } from './redact-url.js'

const SECRETS = /hunter2|query-pw|h%C3%BCnter|hünter/

/** Everything a log line or the CLI could show of `error`: pino's serializer and util.inspect. */
function shown(error: unknown): string {
  return `${JSON.stringify(pino.stdSerializers.err(error as Error))}\n${inspect(error, { depth: 10 })}`
}

async function closedPort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('redactUrl', () => {
  it('RFC 3986 §3.2.1: masks the userinfo password and password query parameters, keeps the rest', () => {
    expect(redactUrl('postgres://latch:hunter2@db.internal:5432/latch?pool_size=10')).toBe('postgres://latch:***@db.internal:5432/latch?pool_size=10')
    expect(redactUrl('postgres://latch@db/latch?password=query-pw&schema=a')).toBe('postgres://latch@db/latch?password=***&schema=a')
    expect(redactUrl('postgresql://u:h%C3%BCnter@db/x?sslpassword=query-pw')).toBe('postgresql://u:***@db/x?sslpassword=***')
    expect(redactUrl('redis://:hunter2@127.0.0.1:6379/0')).toBe('redis://:***@127.0.0.1:6379/0')
    expect(redactUrl('postgres://latch@db:5432/latch')).toBe('postgres://latch@db:5432/latch')
    expect(redactUrl('sqlite:./data/latch.db')).toBe('sqlite:./data/latch.db')
  })

  it('RFC 3986 §3.2.1: a string that is no URL is still masked', () => {
    expect(redactUrl('postgres://latch:hunter2@[bad/latch?password=query-pw')).not.toMatch(SECRETS)
  })

  it('scrubText: replaces the URL and its decoded password wherever they are quoted', () => {
    const url = 'postgres://u:h%C3%BCnter@db/x?password=query-pw'
    expect(scrubText(`cannot connect to ${url} as u with hünter (query-pw)`, url)).toBe('cannot connect to postgres://u:***@db/x?password=*** as u with *** (***)')
  })
})

describe('database errors carry no password', () => {
  it('RFC 3986 §3.2.1: a refused connection (password in userinfo and query)', async () => {
    const url = `postgres://latch:hunter2@127.0.0.1:${await closedPort()}/latch?password=query-pw`
    const error = await createStore(url).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(shown(error)).not.toMatch(SECRETS)
    const probe = await databaseExists(url).then(() => null, (e: unknown) => e)
    expect(probe).toBeInstanceOf(Error)
    expect(shown(probe)).not.toMatch(SECRETS)
  })

  it('RFC 3986 §3.2.1: a URL the driver cannot parse (Node puts it whole in `input`)', async () => {
    for (const url of ['postgres://latch:hunter2@127.0.0.1:99999/latch?password=query-pw', 'postgres://latch:hunter2@[bad/latch?password=query-pw']) {
      const error = await createStore(url).then(() => null, (e: unknown) => e)
      expect(error, url).toBeInstanceOf(Error)
      expect(shown(error), url).not.toMatch(SECRETS)
    }
  })
})
