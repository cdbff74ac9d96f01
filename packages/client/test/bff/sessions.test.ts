/**
 * Ending a BFF session while its access token is being refreshed, against a real Latch: Latch
 * rotates the refresh token and its answer is held back on the way (holdingFetch) while the
 * session is ended, so the race is exact. A refresh that lands after the end must neither write
 * the session back nor leave its new refresh token alive; `destroy` (what logout and a
 * replacing sign-in call) waits for the refresh of this process and returns what it wrote, so
 * the live refresh token is the one revoked.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthorizationCodeClient } from '../../src/index.js'
import { createCsrfToken } from '../../src/bff/csrf.js'
import { MemorySessionStore } from '../../src/bff/session-store.js'
import { sessionRecord, userFrom } from '../../src/bff/session.js'
import { BffSessions } from '../../src/bff/sessions.js'
import { ALICE, authorize, expectOAuthError, holdingFetch } from '../support.js'
import { BFF_SECRET, bffClients, freePort, startServer, type TestServer } from './harness.js'

describe('BFF sessions: ending a session while it is refreshed', () => {
  let latch: TestServer
  let redirectUri: string

  beforeAll(async () => {
    const port = await freePort()
    redirectUri = `http://127.0.0.1:${port}/auth/callback`
    latch = await startServer({ clients: bffClients(port) })
  })
  afterAll(async () => {
    await latch?.close()
  })

  /** A signed-in session whose token answers can be held back. */
  async function signedInSession() {
    const holding = holdingFetch()
    const client = createAuthorizationCodeClient({ issuer: latch.url, clientId: 'bff', clientSecret: BFF_SECRET, redirectUri, scope: 'openid profile offline_access', fetch: holding.fetch })
    const store = new MemorySessionStore()
    const sessions = new BffSessions({ store, client, refreshSkew: 0 })
    const { url, transaction } = await client.authorizationUrl()
    const tokens = await client.handleCallback(await authorize(latch.url, url, ALICE), transaction)
    const claims = tokens.claims as Record<string, unknown> & { sub: string }
    const record = sessionRecord(tokens, userFrom(claims.sub, claims), createCsrfToken(), Math.floor(Date.now() / 1000) + 3600)
    const id = await sessions.create(record)
    return { holding, client, store, sessions, id, record }
  }

  it('RFC 7009 §2.1 / issue: destroy during an in-flight refresh waits for it and returns the refreshed record, so logout revokes the live refresh token and the session stays gone', async () => {
    const { holding, sessions, id, record } = await signedInSession()
    const answer = holding.hold('/token')
    const refreshing = sessions.refresh(id, record)
    const issued = await answer.arrived // Latch has rotated the refresh token
    const destroying = sessions.destroy(id)
    answer.release()
    const [refreshed, removed] = await Promise.all([refreshing, destroying])
    expect(await sessions.load(id)).toBeNull()
    expect(removed?.refreshToken).toBe(issued.refresh_token)
    expect(removed?.refreshToken).toBe(refreshed.refreshToken)
    expect(removed?.refreshToken).not.toBe(record.refreshToken)
  })

  it('RFC 7009 §2.1 / issue: a refresh that finds its session ended (a logout on another node) revokes the new refresh token instead of saving it', async () => {
    const { holding, client, store, sessions, id, record } = await signedInSession()
    const answer = holding.hold('/token')
    const refreshing = sessions.refresh(id, record)
    const issued = await answer.arrived
    // Another node sharing the store ends the session meanwhile.
    await store.delete(`session:${id}`)
    answer.release()
    await expect(refreshing).rejects.toMatchObject({ name: 'BffSessionError', code: 'login_required' })
    expect(await sessions.load(id)).toBeNull()
    expect(await store.get(`session:${id}`)).toBeUndefined()
    // Only the back-channel logout lists of the session's sid and sub are left (issue 12).
    expect(store.size).toBe(2)
    await expectOAuthError(client.refresh(issued.refresh_token as string), 'invalid_grant', 400)
  })
})
