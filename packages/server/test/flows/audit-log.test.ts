/**
 * Issue 14: the audit log, end to end. Real flows over HTTP land in the persisted log
 * (`audit_events`, read back through `store.audit.list`) and in the JSON-lines stream, each record
 * stamped with the request's source address and User-Agent (lib/request-context.ts, re-entered
 * after a form body is read): a failed sign-in of an unknown account (its keyed hash, never the
 * email), a failed and a successful sign-in of a user, a code exchange and its replay, a password
 * grant, a refresh and the reuse of the rotated refresh token (family revoked), client
 * credentials. No password, secret, code or token appears in any record. With
 * `audit.include_email`, the email is in the record and still not in the pino line. Records waiting
 * in the batch writer are written when the server closes.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { createHash, randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { createServer, createLogger } from '../../src/server.js'
import { createStore } from '../../src/storage/kysely-store.js'
import { accountTagOf } from '../../src/users/login-throttle.js'
import { Browser, isLoginPage } from '../browser.js'
import { ALICE, SERVICE_SECRET, TEST_SECRET, WEB_REDIRECT, WEB_SECRET, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'
import { createTestDatabase } from '../support/database.js'

const UA = 'audit-test/1.0 (issue 14)'
const streamed: string[] = []
const stream = { write: (chunk: string) => streamed.push(chunk) }

let s: TestServer
beforeAll(async () => {
  s = await startServer({ audit: { stream: 'stdout' } }, { auditStream: stream })
})
afterAll(() => s?.close())

async function tokenJson(res: Response): Promise<Record<string, string>> {
  const body = (await res.json()) as Record<string, string>
  expect(res.status, JSON.stringify(body)).toBeLessThan(500)
  return body
}

async function records(since: number): Promise<AuditRecord[]> {
  await s.server.flushAudit()
  return (await s.server.ctx.store.audit.list({ since, limit: 1000 })).records.reverse()
}

describe('issue 14: audit log of real flows', () => {
  it('issue 14: sign-ins, codes, refresh reuse and client credentials land in the persisted log with ip and user_agent, and no secret in any record', async () => {
    const since = Date.now() - 1
    const secrets = new Map<string, string>([[ALICE.password, 'password'], [WEB_SECRET, 'client secret']])
    const token = `${s.url}/token`

    // A failed sign-in of an account that does not exist, then Alice's wrong and right password.
    const browser = new Browser(s.url)
    const verifier = randomBytes(32).toString('base64url')
    secrets.set(verifier, 'code_verifier')
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    const authorize = `${s.url}/authorize?${new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid offline_access', state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' })}`
    const login = await browser.open(authorize)
    expect(isLoginPage(login)).toBe(true)
    const ghost = await browser.signIn(login, 'Ghost@Example.com', 'guess-1-password')
    expect(ghost.status).toBe(401)
    secrets.set('guess-1-password', 'guessed password')
    const wrong = await browser.signIn(ghost, ALICE.email, 'wrong-password-2')
    secrets.set('wrong-password-2', 'wrong password')
    const page = await browser.signIn(wrong, ALICE.email, ALICE.password)
    const code = page.redirect?.searchParams.get('code')
    expect(code).toBeTruthy()
    secrets.set(code!, 'code')
    for (const value of browser.cookies.values()) secrets.set(value, 'cookie')

    // The code exchange and its replay (RFC 6749 §4.1.2).
    const auth = { authorization: basic('web', WEB_SECRET), 'user-agent': UA }
    const exchanged = await tokenJson(await postForm(token, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, auth))
    expect((await tokenJson(await postForm(token, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, auth))).error).toBe('invalid_grant')
    // A password grant, its refresh, and the rotated refresh token presented again (RFC 9700 §4.14.2).
    const first = await tokenJson(await postForm(token, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid offline_access' }, auth))
    const second = await tokenJson(await postForm(token, { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, auth))
    expect((await tokenJson(await postForm(token, { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, auth))).error).toBe('invalid_grant')
    // Client credentials.
    const service = await tokenJson(await postForm(token, { grant_type: 'client_credentials' }, { authorization: basic('service', SERVICE_SECRET), 'user-agent': UA }))
    expect(service.access_token).toBeTruthy()
    for (const body of [exchanged, first, second, service]) {
      for (const name of ['access_token', 'refresh_token', 'id_token'] as const) {
        if (body[name]) {
          secrets.set(body[name], name)
          if (body[name].split('.').length === 3) secrets.set(body[name].split('.')[2]!, `${name} signature`)
        }
      }
    }

    const log = await records(since)
    const alice = (await s.server.ctx.store.users.getByEmail(ALICE.email))!
    const of = (type: string) => log.filter((r) => r.type === type)

    // The unknown account: its keyed hash (the same `latch audit list --user` computes), no email.
    const ghostHash = accountTagOf(TEST_SECRET, 'ghost@example.com')
    const failed = of('login.failed')
    expect(failed).toHaveLength(2)
    expect(failed[0]).toMatchObject({ version: 1, tenant: 'default', actor: { type: 'anonymous', id: null }, subject: { type: 'account', id: ghostHash }, outcome: 'failure', ip: '127.0.0.1', data: { reason: 'bad_credentials' } })
    // Only the request context knows the User-Agent: a form POST kept it past the body's parsing.
    expect(failed[0]!.user_agent).toEqual(expect.any(String))
    expect(failed[1]!.subject).toEqual({ type: 'account', id: accountTagOf(TEST_SECRET, ALICE.email) })
    expect(JSON.stringify(log).toLowerCase()).not.toContain('ghost@example.com')
    expect(JSON.stringify(failed)).not.toContain(ALICE.email)

    expect(of('login.succeeded')).toEqual([expect.objectContaining({ actor: { type: 'user', id: alice.id }, subject: { type: 'session', id: expect.any(String) }, outcome: 'success', ip: '127.0.0.1' })])
    const issued = of('token.issued')
    expect(issued.map((r) => r.data.grant_type)).toEqual(['authorization_code', 'password', 'refresh_token', 'client_credentials'])
    expect(issued[0]).toMatchObject({ actor: { type: 'client', id: 'web' }, subject: { type: 'user', id: alice.id }, client_id: 'web', ip: '127.0.0.1', user_agent: UA, outcome: 'success' })
    expect(issued[3]).toMatchObject({ actor: { type: 'client', id: 'service' }, subject: { type: 'client', id: 'service' }, client_id: 'service', user_agent: UA })
    expect(of('authorization_code.reused')).toEqual([expect.objectContaining({ client_id: 'web', outcome: 'failure', subject: { type: 'grant', id: expect.any(String) }, user_agent: UA })])
    expect(of('refresh_token.family_revoked')).toEqual([expect.objectContaining({ client_id: 'web', outcome: 'failure', user_agent: UA })])
    expect(of('grant.revoked').length).toBeGreaterThanOrEqual(2)

    // Ids are time-ordered and unique; times are ISO 8601 UTC with milliseconds.
    expect(new Set(log.map((r) => r.id)).size).toBe(log.length)
    expect([...log.map((r) => r.id)].sort()).toEqual(log.map((r) => r.id))
    for (const r of log) expect(r.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    // No secret in any record, persisted or streamed.
    const everything = JSON.stringify(log) + streamed.join('')
    expect(secrets.size).toBeGreaterThan(10)
    for (const [value, what] of secrets) expect(everything.includes(value), `${what} appears in the audit log`).toBe(false)

    // The stream: one JSON line per record, the very records persisted.
    const lines = streamed.join('').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord)
    for (const r of log) expect(lines).toContainEqual(r)
  })
})

describe('issue 14: audit.include_email', () => {
  let t: TestServer
  const out: string[] = []
  beforeAll(async () => {
    const captured = new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk.toString()), done()) })
    t = await startServer({ audit: { include_email: true } }, { logger: createLogger('info', captured) })
  })
  afterAll(() => t?.close())

  it('issue 14: with include_email the failed sign-in record carries the account typed; the pino line of the event never does', async () => {
    const since = Date.now() - 1
    const browser = new Browser(t.url)
    const login = await browser.open(`${t.url}/authorize?${new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state: 's', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`)
    expect((await browser.signIn(login, 'nobody-here@example.com', 'pw-guess-12345')).status).toBe(401)
    await t.server.flushAudit()
    const [failed] = (await t.server.ctx.store.audit.list({ since, types: ['login.failed'] })).records
    expect(failed).toMatchObject({ subject: { type: 'account', id: accountTagOf(TEST_SECRET, 'nobody-here@example.com') }, data: { email: 'nobody-here@example.com', reason: 'bad_credentials' } })
    const eventLines = out.join('').split('\n').filter((l) => l.includes('"event":"login.failed"'))
    expect(eventLines).toHaveLength(1)
    expect(eventLines[0]).not.toContain('nobody-here')
  })
})

describe('issue 14: audit.enabled and graceful shutdown', () => {
  it('issue 14: records still waiting in the batch writer are written when the server closes', async () => {
    const db = await createTestDatabase()
    try {
      const server = await createServer({ config: { ...baseTestConfig, database: db.url, issuer: 'http://127.0.0.1:1' }, env: { LATCH_SECRET: TEST_SECRET }, logger: pino({ level: 'silent' }), cwd: db.dir })
      const since = Date.now() - 1
      for (let i = 0; i < 50; i++) server.ctx.events.emit('key.rotated', { kid: `k${i}`, alg: 'ES256' })
      await server.close()
      const store = await createStore(db.url)
      try {
        const { records } = await store.audit.list({ since, types: ['key.rotated'], limit: 100 })
        expect(records.map((r) => r.subject?.id).filter((id) => id?.startsWith('k') && /^k\d+$/.test(id))).toHaveLength(50)
        // Outside a request: no address, no User-Agent; the system acted.
        expect(records[0]).toMatchObject({ actor: { type: 'system', id: null }, ip: null, user_agent: null })
      } finally {
        await store.close()
      }
    } finally {
      await db.dispose()
    }
  })

  it('issue 14: audit.enabled: false writes nothing', async () => {
    const t = await startServer({ audit: { enabled: false } })
    try {
      const since = Date.now() - 1
      t.server.ctx.events.emit('key.rotated', { kid: 'off', alg: 'ES256' })
      await t.server.flushAudit()
      expect((await t.server.ctx.store.audit.list({ since })).records).toEqual([])
    } finally {
      await t.close()
    }
  })

  it('issue 14: audit.exclude_types leaves those events out (a client-credentials token makes no record); the others are still recorded', async () => {
    const t = await startServer({ audit: { exclude_types: ['token.issued'] } })
    try {
      const since = Date.now() - 1
      const res = await postForm(`${t.url}/token`, { grant_type: 'client_credentials', scope: 'read:data', resource: 'https://api.example.com' }, { authorization: basic('service', SERVICE_SECRET) })
      expect(res.status).toBe(200)
      t.server.ctx.events.emit('key.rotated', { kid: 'kept', alg: 'ES256' })
      await t.server.flushAudit()
      expect((await t.server.ctx.store.audit.list({ since })).records.map((r) => r.type)).toEqual(['key.rotated'])
    } finally {
      await t.close()
    }
  })
})
