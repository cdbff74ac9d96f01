/**
 * Security review L3 (issue 14): background work a request kicks off is not that request. A logout
 * (a real browser flow over HTTP) kicks the back-channel logout delivery at once; the delivery's
 * `logout_token.delivered` audit record (actor system) must not carry the address of the request
 * that ended the session, while the logout's own records do. Runs on SQLite (or PostgreSQL by
 * LATCH_TEST_DIALECT), a node:http receiver stand-in, the audit stream captured in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { Browser } from '../browser.js'
import { ALICE, WEB_REDIRECT, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js'

const SECRET = 'bcl-secret-0123456789abcdef0123456789abcd'

describe('background work runs outside the request context (security review L3)', () => {
  let s: TestServer
  let receiver: LogoutReceiver
  const lines: string[] = []

  beforeAll(async () => {
    receiver = await startLogoutReceiver()
    s = await startServer(
      {
        clients: [
          ...baseTestConfig.clients,
          {
            client_id: 'bcl', client_secret: SECRET, grant_types: ['authorization_code'], redirect_uris: [WEB_REDIRECT],
            scope: 'openid', skip_consent: true, backchannel_logout_uri: `${receiver.url}/bcl`,
          },
        ],
        audit: { stream: 'stdout' },
      },
      { auditStream: { write: (chunk) => lines.push(chunk) } },
    )
  })
  afterAll(async () => {
    await s?.close()
    await receiver?.close()
  })

  it('security review L3: the logout_token.delivered record of a delivery kicked by a logout request has ip and user_agent null', async () => {
    const browser = new Browser(s.url)
    const authorize = new URL(`${s.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: 'bcl', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid', state: 's' }).toString()
    const code = (await browser.authorize(authorize, ALICE)).redirect?.searchParams.get('code')
    expect(code).toBeTruthy()
    const token = await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT }, { authorization: basic('bcl', SECRET) })
    const { id_token } = (await token.json()) as { id_token: string }
    const res = await browser.fetch(`${s.url}/logout?id_token_hint=${id_token}`)
    await res.body?.cancel()
    // The kick delivers at once (the queue's own timer would take seconds).
    for (let i = 0; i < 200 && receiver.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(receiver.received).toHaveLength(1)
    for (let i = 0; i < 200 && !lines.some((l) => l.includes('"logout_token.delivered"')); i++) {
      await s.server.flushAudit()
      await new Promise((r) => setTimeout(r, 10))
    }
    const records = lines.map((l) => JSON.parse(l) as AuditRecord)
    const delivered = records.find((r) => r.type === 'logout_token.delivered')
    expect(delivered).toMatchObject({ actor: { type: 'system', id: null }, ip: null, user_agent: null })
    // The request's own records do carry its address.
    expect(records.filter((r) => r.type !== 'logout_token.delivered').some((r) => r.ip === '127.0.0.1')).toBe(true)
  })
})
