/**
 * Secrets stay out of the app's log (docs/architecture.md: "Secrets and tokens never appear in logs or
 * error messages"): with Fastify's logger at `info`, a sign-in, a forged callback, a proxied call
 * that is refreshed and retried, a refused refresh, an unreachable API and a logout leave no access,
 * refresh or ID token, authorization code, state, PKCE verifier or CSRF token in any log line,
 * while the failures are still logged.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.5
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, basic, postForm } from '../../../server/test/helpers.js'
import {
  BFF_SECRET,
  me,
  newAgent,
  startBffStack,
  storedSession,
  type BffApp,
  type BffStack,
  type TestServer,
} from './harness.js'

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/

describe('BFF logging', () => {
  let stack: BffStack
  let latch: TestServer
  let bff: BffApp
  const lines: string[] = []
  const secrets = new Set<string>()

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'))
        done()
      },
    })
    stack = await startBffStack({ level: 'info', stream })
    ;({ latch, bff } = stack)
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('RFC 6749 §10.5, RFC 6750 §5.3: no token, code, state, verifier or CSRF token is ever logged', async () => {
    const agent = newAgent(bff.url, latch)
    // A sign-in, recording what the browser carried.
    const login = await agent.app.fetch(`${bff.url}/auth/login`)
    const authorize = new URL(login.headers.get('location') as string)
    secrets.add(authorize.searchParams.get('state') as string).add(authorize.searchParams.get('nonce') as string)
    const tx = bff.store.get(`tx:${agent.app.cookies.get('latch_bff_tx') as string}:${authorize.searchParams.get('state') as string}`) as { transaction: { codeVerifier: string } }
    secrets.add(tx.transaction.codeVerifier)
    const page = await agent.op.authorize(authorize, ALICE)
    secrets.add(page.redirect?.searchParams.get('code') as string)
    await agent.app.fetch(page.redirect as URL)
    // A replay of the same callback: logged as a failure.
    await agent.app.fetch(page.redirect as URL)
    const session = await storedSession(bff, agent)
    const csrf = (await me(agent, bff.url)).csrfToken as string
    secrets.add(session.accessToken).add(session.refreshToken as string).add(session.idToken as string).add(csrf)

    // A proxied call whose token was revoked: refreshed and retried.
    await postForm(`${latch.url}/revoke`, { token: session.accessToken, token_type_hint: 'access_token' }, { authorization: basic('bff', BFF_SECRET) })
    expect((await agent.app.fetch(`${bff.url}/api/data`, { headers: { authorization: 'Bearer page-secret' } })).status).toBe(200)
    const refreshed = await storedSession(bff, agent)
    secrets.add(refreshed.accessToken).add(refreshed.refreshToken as string)

    // A refused refresh (the grant revoked at Latch): logged, session dropped.
    await postForm(`${latch.url}/revoke`, { token: refreshed.refreshToken as string, token_type_hint: 'refresh_token' }, { authorization: basic('bff', BFF_SECRET) })
    expect((await agent.app.fetch(`${bff.url}/auth/refresh`, { method: 'POST', headers: { 'x-latch-csrf': csrf } })).status).toBe(401)

    // Sign in again and log out.
    const again = await agent.app.fetch(`${bff.url}/auth/login`)
    const page2 = await agent.op.authorize(again.headers.get('location') as string, ALICE)
    secrets.add(page2.redirect?.searchParams.get('code') as string)
    await agent.app.fetch(page2.redirect as URL)
    const last = await storedSession(bff, agent)
    const csrf2 = (await me(agent, bff.url)).csrfToken as string
    secrets.add(last.accessToken).add(last.refreshToken as string).add(last.idToken as string).add(csrf2)
    expect((await agent.app.fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { 'x-latch-csrf': csrf2 } })).status).toBe(200)

    const log = lines.join('')
    expect(log).toContain('sign-in failed') // the replay
    expect(log).toContain('refresh failed') // the refused refresh
    expect(log).not.toMatch(JWT)
    expect(log).not.toContain('page-secret')
    expect(secrets.size).toBeGreaterThanOrEqual(13)
    for (const secret of secrets) expect(log.includes(secret), 'a secret reached the log').toBe(false)
  })
})
