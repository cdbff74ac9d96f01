/**
 * The web server example without a browser (the browser flows are in web-server.browser.test.ts):
 * the real app (`createWebServerApp`) against a real Latch, driven with Fastify's `inject`.
 * - What its log may hold when things go wrong: a session store that is down (a Redis outage, say)
 *   turns requests into 5xx answers, and a callback URL may reach a wrong method; the log must
 *   never get the authorization code, the state or a cookie.
 * - What the page says for `auth_error`, a query parameter anyone can put in a link to it.
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-4.4.1.1
 * @see https://owasp.org/www-community/attacks/Content_Spoofing
 */
import { Writable } from 'node:stream'
import type { SessionStore } from '@latch/client/bff'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { createWebServerApp } from '../src/app.js'
import { GENERIC_AUTH_ERROR } from '../src/page.js'

/** A session store whose backend is down: every call fails. */
const downStore: SessionStore = {
  get: () => Promise.reject(new Error('session store unreachable')),
  set: () => Promise.reject(new Error('session store unreachable')),
  delete: () => Promise.reject(new Error('session store unreachable')),
}

/** A random-id-shaped cookie value (43 base64url characters), as the BFF issues them. */
const ID = 'cookie-id-Q7vX2mK9pL4sT8wR'.padEnd(43, 'z')

let latch: TestServer
let app: FastifyInstance
const lines: string[] = []

beforeAll(async () => {
  latch = await startServer()
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'))
      done()
    },
  })
  app = await createWebServerApp({
    issuer: latch.url,
    clientId: 'web',
    clientSecret: 'web-secret-0123456789abcdef0123456789',
    baseUrl: 'http://127.0.0.1:3000',
    apiUrl: 'http://127.0.0.1:4000',
    sessionStore: downStore,
    logger: { level: 'info', stream },
  })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await latch?.close()
})

describe('examples/web-server: logs', () => {
  it('RFC 6819 §4.4.1.1: request logs carry the path only: no authorization code, state or cookie reaches the log, on a 5xx or a 404 either', async () => {
    const code = 'code-Wf3k9QpZ2xLmN8vR4tYb'
    const state = 'state-Hq7cJ2nV5sXe1gKd'
    const query = `?code=${code}&state=${state}&iss=${encodeURIComponent(latch.url)}`
    const answers = [
      // The callback with this browser's transaction cookie: the store is down, 5xx.
      await app.inject({ method: 'GET', url: `/auth/callback${query}`, headers: { cookie: `latch_bff_tx=${ID}` } }),
      // The home page with a session cookie: the session cannot be loaded, Fastify's default 5xx.
      await app.inject({ method: 'GET', url: `/${query}`, headers: { cookie: `latch_bff=${ID}` } }),
      // A wrong method on the callback: a 404, which by default logs and echoes the URL.
      await app.inject({ method: 'POST', url: `/auth/callback${query}` }),
    ]
    expect(answers.map((a) => a.statusCode)).toEqual([500, 500, 404])
    expect(answers[2]?.body).not.toContain(code)
    // The cause goes to the log, never to the browser.
    for (const answer of answers.slice(0, 2)) expect(answer.body).not.toContain('unreachable')
    const log = lines.join('')
    expect(log).toContain('"path":"/"')
    expect(log).toMatch(/"level":50/) // the 5xx were logged, as they should be
    for (const secret of [code, state, ID]) expect(log.includes(secret), `${secret} reached the log`).toBe(false)
  })
})

describe('examples/web-server: the page', () => {
  it('OWASP content spoofing / issue: auth_error shows only the BFF\'s known codes; any other text gets a generic message and is not echoed', async () => {
    const known = await app.inject({ method: 'GET', url: '/?auth_error=access_denied' })
    expect(known.body).toContain('You declined the sign-in at Latch.')

    for (const text of ['Your account is locked. Call +1 555 0100 to unlock it', '<script>alert(1)</script>', 'constructor', '__proto__']) {
      const res = await app.inject({ method: 'GET', url: `/?auth_error=${encodeURIComponent(text)}` })
      expect(res.statusCode).toBe(200)
      expect(res.body).toContain(GENERIC_AUTH_ERROR)
      expect(res.body).not.toContain('555 0100')
      expect(res.body).not.toContain('script')
      expect(res.body).not.toMatch(/constructor|__proto__|function/)
    }
  })
})
