/**
 * The client credentials client against a real Latch: the token is cached until `refreshSkew`
 * before expiry, a burst of concurrent callers shares one token request, an API's 401 costs one
 * new token and one retry (never a loop), and the server's errors arrive typed. Token requests
 * are counted by a pass-through fetch; the API is a real HTTP server (api-server.ts).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClientCredentialsClient } from '../src/index.js'
import { startApi, type TestApi } from './api-server.js'
import { API, SERVICE_SECRET, countingFetch, expectOAuthError, jwtPayload, startServer, type TestServer } from './support.js'

const TTL = 60
let server: TestServer
let api: TestApi

beforeAll(async () => {
  server = await startServer({ default_resource: API, tokens: { access_token_ttl: TTL } })
  api = await startApi()
})

afterAll(async () => {
  await api?.close()
  await server?.close()
})

function service(options: { refreshSkew?: number; fetch?: typeof fetch; scope?: string } = {}) {
  return createClientCredentialsClient({ issuer: server.url, clientId: 'service', clientSecret: SERVICE_SECRET, scope: 'read:data', ...options })
}

describe('token cache', () => {
  it('RFC 6749 §4.4.3: the token is requested once and reused while it is valid', async () => {
    const counter = countingFetch()
    const client = service({ fetch: counter.fetch })
    const first = await client.getToken()
    expect(await client.getToken()).toBe(first)
    expect(await client.getToken()).toBe(first)
    expect(counter.count('/token')).toBe(1)
    expect(jwtPayload(first)).toMatchObject({ client_id: 'service', scope: 'read:data', aud: API })
    expect(client.tokens?.expiresAt).toBeGreaterThan(Date.now() / 1000 + TTL - 5)
  })

  it('RFC 6749 §5.1 expires_in: a token is renewed refreshSkew before it expires (capped at half its lifetime)', async () => {
    // A server whose tokens live 2 s: with refreshSkew 30 the cap applies, so the token is reused
    // for its first half and renewed after it.
    const shortLived = await startServer({ tokens: { access_token_ttl: 2 } })
    try {
      const counter = countingFetch()
      const client = createClientCredentialsClient({ issuer: shortLived.url, clientId: 'service', clientSecret: SERVICE_SECRET, fetch: counter.fetch })
      const first = await client.getToken()
      expect(await client.getToken()).toBe(first)
      expect(counter.count('/token')).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect(await client.getToken()).not.toBe(first)
      expect(counter.count('/token')).toBe(2)
    } finally {
      await shortLived.close()
    }
  })

  it('single-flight: 1,000 concurrent getToken() callers cause exactly one token request and all get the same token', async () => {
    const counter = countingFetch()
    const client = service({ fetch: counter.fetch })
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => client.getToken()))
    expect(counter.count('/token')).toBe(1)
    expect(new Set(tokens).size).toBe(1)
  })

  it('invalidate() drops the cached token; the next call fetches a new one', async () => {
    const counter = countingFetch()
    const client = service({ fetch: counter.fetch })
    const first = await client.getToken()
    client.invalidate()
    expect(client.tokens).toBeUndefined()
    const second = await client.getToken()
    expect(second).not.toBe(first)
    expect(counter.count('/token')).toBe(2)
  })

  it('single-flight: a failed token request is not cached; the next call tries again', async () => {
    const counter = countingFetch()
    const wrong = createClientCredentialsClient({ issuer: server.url, clientId: 'service', clientSecret: 'wrong-secret', fetch: counter.fetch })
    const failures = await Promise.allSettled(Array.from({ length: 20 }, () => wrong.getToken()))
    expect(failures.every((f) => f.status === 'rejected')).toBe(true)
    expect(counter.count('/token')).toBe(1)
    await expect(wrong.getToken()).rejects.toThrow()
    expect(counter.count('/token')).toBe(2)
  })
})

describe('errors', () => {
  it('RFC 6749 §5.2: a wrong client secret is OAuthResponseError invalid_client 401, and the secret is in no message', async () => {
    const wrong = createClientCredentialsClient({ issuer: server.url, clientId: 'service', clientSecret: 'wrong-secret-value' })
    const err = await expectOAuthError(wrong.getToken(), 'invalid_client', 401)
    expect(err.message).not.toContain('wrong-secret-value')
    expect(JSON.stringify(err)).not.toContain('wrong-secret-value')
  })

  it('RFC 6749 §5.2: a scope the client is not registered for is invalid_scope 400', async () => {
    await expectOAuthError(service({ scope: 'admin' }).getToken(), 'invalid_scope', 400)
  })

  it('RFC 6749 §2.3.1: client_secret_post is supported', async () => {
    const web2 = createClientCredentialsClient({ issuer: server.url, clientId: 'web2', clientSecret: 'other-secret-0123456789abcdef0123456789', clientAuthentication: 'client_secret_post' })
    expect(jwtPayload(await web2.getToken())).toMatchObject({ client_id: 'web2' })
  })

  it('RFC 8707 §2: resource selects the audience of the token', async () => {
    const client = createClientCredentialsClient({ issuer: server.url, clientId: 'service', clientSecret: SERVICE_SECRET, resource: API })
    expect(jwtPayload(await client.getToken()).aud).toBe(API)
  })
})

describe('fetch with the token', () => {
  it('RFC 6750 §2.1: fetch sends the token as a Bearer credential', async () => {
    const client = service()
    const start = api.requests.length
    const res = await client.fetch(`${api.url}/data`, { headers: { accept: 'application/json' } })
    expect(res.status).toBe(200)
    expect(api.requests[start]?.token).toBe(await client.getToken())
  })

  it('RFC 6750 §3.1: a 401 invalid_token gets one new token and one retry, with the same body', async () => {
    const counter = countingFetch()
    const client = service({ fetch: counter.fetch })
    const start = api.requests.length
    const refused = await client.getToken()
    api.refuse = (token) => token === refused
    try {
      const res = await client.fetch(`${api.url}/data`, { method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(200)
      const seen = api.requests.slice(start)
      expect(seen).toHaveLength(2)
      expect(seen[0]?.token).toBe(refused)
      expect(seen[1]?.token).not.toBe(refused)
      expect(seen[1]?.body).toBe('{"n":1}')
      expect(counter.count('/token')).toBe(2)
    } finally {
      api.refuse = () => false
    }
  })

  it('RFC 6750 §3.1: concurrent requests refused with the same token share one renewal', async () => {
    const counter = countingFetch()
    const client = service({ fetch: counter.fetch })
    const refused = await client.getToken()
    api.refuse = (token) => token === refused
    try {
      const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch(`${api.url}/data`)))
      expect(responses.every((r) => r.status === 200)).toBe(true)
      expect(counter.count('/token')).toBe(2)
    } finally {
      api.refuse = () => false
    }
  })

  it('a second 401 is returned to the caller, not retried again', async () => {
    const counter = countingFetch()
    const client = service({ fetch: counter.fetch })
    const start = api.requests.length
    api.refuse = () => true
    try {
      const res = await client.fetch(`${api.url}/data`)
      expect(res.status).toBe(401)
      expect(api.requests.length - start).toBe(2)
      expect(counter.count('/token')).toBe(2)
    } finally {
      api.refuse = () => false
    }
  })

  it('a streamed body cannot be replayed, so its 401 is returned without a retry', async () => {
    const client = service()
    const start = api.requests.length
    api.refuse = () => true
    try {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('streamed'))
          controller.close()
        },
      })
      const res = await client.fetch(`${api.url}/data`, { method: 'POST', body, duplex: 'half' } as RequestInit)
      expect(res.status).toBe(401)
      expect(api.requests.length - start).toBe(1)
    } finally {
      api.refuse = () => false
    }
  })
})
