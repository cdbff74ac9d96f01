/**
 * The token manager against a real Latch (tokens from real sign-ins through the authorization
 * code client) and a real HTTP API: proactive and reactive refresh, one refresh for many
 * concurrent callers, the rotated refresh token stored, authFetch's single retry, pluggable
 * storage, the end of a session on invalid_grant, and revocation.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthorizationCodeClient, createTokenManager, MemoryTokenStorage, type AuthorizationCodeClient, type TokenSet, type TokenStorage } from '../src/index.js'
import { startApi, type TestApi } from './api-server.js'
import { ALICE, WEB_REDIRECT, WEB_SECRET, authorize, countingFetch, expectOAuthError, expectValidationError, holdingFetch, startServer, type TestServer } from './support.js'

const TTL = 900
let server: TestServer
let api: TestApi
let counter: ReturnType<typeof countingFetch>
let client: AuthorizationCodeClient

beforeAll(async () => {
  server = await startServer({ tokens: { access_token_ttl: TTL } })
  api = await startApi()
  counter = countingFetch()
  client = createAuthorizationCodeClient({ issuer: server.url, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid profile offline_access', fetch: counter.fetch })
})

afterAll(async () => {
  await api?.close()
  await server?.close()
})

async function signIn(): Promise<TokenSet> {
  const { url, transaction } = await client.authorizationUrl()
  return client.handleCallback(await authorize(server.url, url, ALICE), transaction)
}

/** Tokens as a store would hold them after the access token expired (e.g. loaded at start-up). */
async function expiredSession(): Promise<TokenSet> {
  return { ...(await signIn()), expiresAt: Math.floor(Date.now() / 1000) - 1 }
}

/** An async storage that records every write (any backing store: session, keychain, …). */
class RecordingStorage implements TokenStorage {
  writes: (TokenSet | undefined)[] = []
  #value: TokenSet | undefined
  constructor(initial?: TokenSet) {
    this.#value = initial
  }
  async get() {
    return this.#value
  }
  async set(tokens: TokenSet | undefined) {
    this.writes.push(tokens)
    this.#value = tokens
  }
}

describe('refresh', () => {
  it('RFC 6749 §6: a valid access token is returned as is, without a refresh', async () => {
    const manager = createTokenManager({ client })
    const tokens = await signIn()
    await manager.setTokens(tokens)
    counter.reset()
    expect(await manager.getAccessToken()).toBe(tokens.accessToken)
    expect(counter.count('/token')).toBe(0)
    manager.stop()
  })

  it('RFC 6749 §6 (reactive): an expired access token is refreshed on getAccessToken, and the rotated refresh token is stored', async () => {
    const stale = await expiredSession()
    const storage = new RecordingStorage(stale)
    const manager = createTokenManager({ client, storage })
    const token = await manager.getAccessToken()
    expect(token).not.toBe(stale.accessToken)
    const stored = await storage.get()
    expect(stored?.accessToken).toBe(token)
    expect(stored?.refreshToken).not.toBe(stale.refreshToken)
    expect(stored?.claims?.sub).toBe(stale.claims?.sub)
    expect(stored?.expiresAt).toBeGreaterThan(Date.now() / 1000)
    // RFC 9700 §4.14.2: the old refresh token is spent.
    await expectOAuthError(client.refresh(stale.refreshToken as string), 'invalid_grant', 400)
    manager.stop()
  })

  it('RFC 6749 §6 (reactive): an access token within refreshSkew of expiry is refreshed before it is handed out', async () => {
    const session = await signIn()
    // Valid for 30 more seconds, but the manager refreshes 60 seconds ahead.
    const storage = new RecordingStorage({ ...session, expiresAt: Math.floor(Date.now() / 1000) + 30 })
    const manager = createTokenManager({ client, storage, refreshSkew: 60 })
    counter.reset()
    expect(await manager.getAccessToken()).not.toBe(session.accessToken)
    expect(counter.count('/token')).toBe(1)
    manager.stop()
  })

  it('RFC 9700 §4.14.2 single-flight: 50 concurrent getAccessToken() calls on an expired token cause one refresh', async () => {
    const storage = new MemoryTokenStorage()
    storage.set(await expiredSession())
    const manager = createTokenManager({ client, storage })
    counter.reset()
    const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.getAccessToken()))
    expect(counter.count('/token')).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    manager.stop()
  })

  it('RFC 6749 §6 (proactive): before expiry the manager refreshes by itself and reports the new tokens', async () => {
    // Tokens that live 2 s: the timer fires by itself, without any use (after MIN_REFRESH_DELAY_MS,
    // 5 s, the floor that keeps a tiny expires_in from becoming a refresh loop).
    const shortLived = await startServer({ tokens: { access_token_ttl: 2 } })
    try {
      const short = createAuthorizationCodeClient({ issuer: shortLived.url, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid offline_access' })
      const { url, transaction } = await short.authorizationUrl()
      const first = await short.handleCallback(await authorize(shortLived.url, url, ALICE), transaction)
      const storage = new RecordingStorage()
      const refreshed = new Promise<TokenSet>((resolve) => {
        const manager = createTokenManager({
          client: short,
          storage,
          onTokens: (t) => {
            if (t.accessToken === first.accessToken) return
            manager.stop()
            resolve(t)
          },
        })
        void manager.setTokens(first)
      })
      const next = await refreshed
      expect(next.refreshToken).not.toBe(first.refreshToken)
      expect(storage.writes.map((w) => w?.accessToken)).toEqual([first.accessToken, next.accessToken])
    } finally {
      await shortLived.close()
    }
  })

  it('RFC 6749 §5.2 invalid_grant: a refresh token that no longer works ends the session (storage cleared, onSessionExpired)', async () => {
    const stale = await expiredSession()
    await client.revoke(stale.refreshToken as string, 'refresh_token')
    const storage = new RecordingStorage(stale)
    let expired: unknown
    const manager = createTokenManager({ client, storage, onSessionExpired: (err) => (expired = err) })
    await expectOAuthError(manager.getAccessToken(), 'invalid_grant', 400)
    expect(await storage.get()).toBeUndefined()
    expect((expired as { error?: string }).error).toBe('invalid_grant')
    await expectValidationError(manager.getAccessToken(), 'no_session')
  })

  it('without tokens, getAccessToken is no_session; without a refresh token, refresh is no_refresh_token', async () => {
    const manager = createTokenManager({ client })
    await expectValidationError(manager.getAccessToken(), 'no_session')
    await manager.setTokens({ accessToken: 'opaque', tokenType: 'bearer' })
    expect(await manager.getAccessToken()).toBe('opaque')
    await expectValidationError(manager.refresh(), 'no_refresh_token')
  })
})

describe('authFetch', () => {
  it('RFC 6750 §3.1: a 401 triggers one refresh and one retry with the new token', async () => {
    const manager = createTokenManager({ client })
    const tokens = await signIn()
    await manager.setTokens(tokens)
    api.refuse = (token) => token === tokens.accessToken
    counter.reset()
    const start = api.requests.length
    try {
      const res = await manager.authFetch(`${api.url}/me`, { method: 'PUT', body: 'payload' })
      expect(res.status).toBe(200)
      const seen = api.requests.slice(start)
      expect(seen.map((r) => r.token === tokens.accessToken)).toEqual([true, false])
      expect(seen[1]?.body).toBe('payload')
      expect(counter.count('/token')).toBe(1)
    } finally {
      api.refuse = () => false
      manager.stop()
    }
  })

  it('RFC 6750 §3.1: a second 401 is returned to the caller; no second refresh, no third request', async () => {
    const manager = createTokenManager({ client })
    await manager.setTokens(await signIn())
    api.refuse = () => true
    counter.reset()
    const start = api.requests.length
    try {
      const res = await manager.authFetch(`${api.url}/me`)
      expect(res.status).toBe(401)
      expect(api.requests.length - start).toBe(2)
      expect(counter.count('/token')).toBe(1)
    } finally {
      api.refuse = () => false
      manager.stop()
    }
  })
})

describe('revocation', () => {
  it('RFC 7009 §2.1: revoke() revokes the refresh and access tokens at Latch and clears storage', async () => {
    const storage = new RecordingStorage()
    const manager = createTokenManager({ client, storage })
    const tokens = await signIn()
    await manager.setTokens(tokens)
    await manager.revoke()
    expect(await storage.get()).toBeUndefined()
    await expectOAuthError(client.refresh(tokens.refreshToken as string), 'invalid_grant', 400)
    await expectOAuthError(client.userinfo(tokens.accessToken, tokens.claims?.sub as string), 'invalid_token', 401)
  })

  it('clear() forgets locally without calling the server', async () => {
    const manager = createTokenManager({ client })
    const tokens = await signIn()
    await manager.setTokens(tokens)
    counter.reset()
    await manager.clear()
    await expectValidationError(manager.getAccessToken(), 'no_session')
    expect(counter.count('/revoke') + counter.count('/token')).toBe(0)
    // Still valid at the server: clearing is not revoking.
    expect((await client.userinfo(tokens.accessToken, tokens.claims?.sub as string)).sub).toBe(tokens.claims?.sub)
  })
})

describe('logout while a refresh is in flight', () => {
  /** A manager whose client's token answers can be held back, signed in. */
  async function heldManager() {
    const holding = holdingFetch()
    const held = createAuthorizationCodeClient({ issuer: server.url, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_REDIRECT, scope: 'openid profile offline_access', fetch: holding.fetch })
    const storage = new RecordingStorage()
    const manager = createTokenManager({ client: held, storage })
    const { url, transaction } = await held.authorizationUrl()
    await manager.setTokens(await held.handleCallback(await authorize(server.url, url, ALICE), transaction))
    return { holding, storage, manager }
  }

  it('RFC 7009 §2.1 / issue: a refresh that lands after clear() is discarded, never stored, and its new refresh token is revoked', async () => {
    const { holding, storage, manager } = await heldManager()
    const answer = holding.hold('/token')
    const refreshing = manager.refresh()
    // Latch has rotated the refresh token; its answer is still on the way.
    const issued = await answer.arrived
    await manager.clear()
    answer.release()
    await expectValidationError(refreshing, 'no_session')
    expect(await storage.get()).toBeUndefined()
    await expectValidationError(manager.getAccessToken(), 'no_session')
    // Nobody holds the refresh token of that answer: the manager revoked it.
    await expectOAuthError(client.refresh(issued.refresh_token as string), 'invalid_grant', 400)
  })

  it('RFC 7009 §2.1 / issue: a refresh that lands after revoke() does not bring the tokens back', async () => {
    const { holding, storage, manager } = await heldManager()
    const answer = holding.hold('/token')
    const refreshing = manager.refresh()
    const issued = await answer.arrived
    await manager.revoke()
    answer.release()
    await expectValidationError(refreshing, 'no_session')
    expect(await storage.get()).toBeUndefined()
    expect(storage.writes.at(-1)).toBeUndefined()
    await expectOAuthError(client.refresh(issued.refresh_token as string), 'invalid_grant', 400)
  })

  it('RFC 6749 §6: a refresh that lands after a new sign-in (setTokens) keeps the new sign-in\'s tokens', async () => {
    const { holding, storage, manager } = await heldManager()
    const answer = holding.hold('/token')
    const refreshing = manager.refresh()
    await answer.arrived
    const newer = await signIn()
    await manager.setTokens(newer)
    answer.release()
    expect((await refreshing).accessToken).toBe(newer.accessToken)
    expect((await storage.get())?.accessToken).toBe(newer.accessToken)
    manager.stop()
  })
})
