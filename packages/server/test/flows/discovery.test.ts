/**
 * Provider metadata (OIDC Discovery 1.0, RFC 8414), the JWK Set (RFC 7517) and the health probe,
 * over real HTTP, with openid-client as the relying party that consumes them.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { GRANTS } from '../../src/grants/table.js'
import { ALICE, WEB_SECRET, basic, baseTestConfig, postForm, rawGet, startServer, userToken, type TestServer } from '../helpers.js'

const OIDC_PATH = '/.well-known/openid-configuration'
const OAUTH_PATH = '/.well-known/oauth-authorization-server'

describe('discovery', () => {
  let s: TestServer
  let doc: Record<string, unknown>
  beforeAll(async () => {
    s = await startServer()
    doc = (await (await fetch(`${s.url}${OIDC_PATH}`)).json()) as Record<string, unknown>
  })
  afterAll(() => s.close())

  it('OIDC Discovery §4.2: the document is JSON, cacheable for a short time', async () => {
    const res = await fetch(`${s.url}${OIDC_PATH}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
  })

  it('OIDC Discovery §4.3: issuer is exactly the configured issuer and endpoints hang from it', () => {
    expect(doc.issuer).toBe(s.url)
    for (const [key, path] of Object.entries({
      authorization_endpoint: '/authorize',
      token_endpoint: '/token',
      userinfo_endpoint: '/userinfo',
      jwks_uri: '/jwks',
      revocation_endpoint: '/revoke',
      introspection_endpoint: '/introspect',
      device_authorization_endpoint: '/device/authorize',
      end_session_endpoint: '/logout',
    })) {
      expect(doc[key], key).toBe(`${s.url}${path}`)
    }
  })

  it('RFC 8414 §3: both well-known locations serve the same document', async () => {
    const a = await (await fetch(`${s.url}${OIDC_PATH}`)).text()
    const res = await fetch(`${s.url}${OAUTH_PATH}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(await res.text()).toBe(a)
  })

  it('RFC 8414 §3: discovery lists only supported grants (password: a client of this config has it)', () => {
    expect(doc.grant_types_supported).toEqual(Object.keys(GRANTS))
    expect(doc.response_types_supported).toEqual(['code'])
    expect(doc.subject_types_supported).toEqual(['public'])
  })

  it('RFC 8414 §2: auth methods and algorithms come from the registries; none is never an assertion alg', () => {
    expect(doc.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'private_key_jwt', 'client_secret_post', 'none'])
    expect(doc.introspection_endpoint_auth_methods_supported).not.toContain('none')
    expect(doc.revocation_endpoint_auth_methods_supported).toContain('none')
    for (const key of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      const algs = doc[`${key}_auth_signing_alg_values_supported`] as string[]
      expect(algs.length).toBeGreaterThan(0)
      expect(algs).not.toContain('none')
      expect(algs.some((a) => a.startsWith('HS'))).toBe(false)
    }
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256'])
  })

  it('OIDC Discovery §3: scopes and claims are the ones Latch knows; unsupported features say false', () => {
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'read:data', 'write:data']))
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'iss', 'auth_time', 'nonce', 'name', 'email', 'email_verified', 'address']))
    // Issue 13: acr is issued now (rules/acr.ts), and its values are listed.
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr']))
    expect(doc.acr_values_supported).toEqual(['urn:latch:acr:1fa', 'urn:latch:acr:mfa', 'urn:latch:acr:phr'])
    expect(doc.claims_parameter_supported).toBe(false)
    expect(doc.request_parameter_supported).toBe(false)
    expect(doc.request_uri_parameter_supported).toBe(false)
    expect(doc.userinfo_signing_alg_values_supported).toBeUndefined()
  })

  it('RFC 7636 §4.2 / RFC 9207 §3: S256 only by default; iss in authorization responses is announced', () => {
    expect(doc.code_challenge_methods_supported).toEqual(['S256'])
    expect(doc.authorization_response_iss_parameter_supported).toBe(true)
    expect(doc.response_modes_supported).toEqual(['query', 'form_post'])
  })

  it('architecture.md §2: a forged Host header does not change any URL in the document', async () => {
    const res = await rawGet(`${s.url}${OIDC_PATH}`, { host: 'evil.example' })
    expect(res.status).toBe(200)
    expect(res.body).not.toContain('evil.example')
    expect((JSON.parse(res.body) as { issuer: string }).issuer).toBe(s.url)
  })

  it('OIDC Discovery §4: openid-client discovers the provider and its metadata validates', async () => {
    const config = await oidc.discovery(new URL(s.url), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })
    const meta = config.serverMetadata()
    expect(meta.issuer).toBe(s.url)
    expect(meta.token_endpoint).toBe(`${s.url}/token`)
  })

  it('RFC 7517 §5: /jwks publishes public members only, JSON, short cache', async () => {
    const res = await fetch(`${s.url}/jwks`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] }
    expect(jwks.keys.length).toBeGreaterThan(0)
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' })
      expect(typeof key.kid).toBe('string')
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[priv], priv).toBeUndefined()
    }
  })

  it('OIDC Core §10.1: an ID token verifies against jwks_uri with jose createRemoteJWKSet', async () => {
    const { id_token } = await userToken(s.url)
    const keys = createRemoteJWKSet(new URL(doc.jwks_uri as string))
    const { payload } = await jwtVerify(id_token as string, keys, { issuer: s.url, audience: 'web' })
    expect(typeof payload.sub).toBe('string')
  })

  it('health: 200 {"status":"ok"} while the store answers', async () => {
    const res = await fetch(`${s.url}/healthz`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('health: 503 {"status":"unavailable"} when the store fails', async () => {
    const spy = vi.spyOn(s.server.ctx.store, 'ping').mockRejectedValue(new Error('connection refused'))
    try {
      const res = await fetch(`${s.url}/healthz`)
      expect(res.status).toBe(503)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(await res.json()).toEqual({ status: 'unavailable' })
    } finally {
      spy.mockRestore()
    }
  })
})

describe('discovery follows the config', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({ tokens: { signing_alg: 'ES256' }, security: { allow_pkce_plain: true } })
  })
  afterAll(() => s.close())

  it('OIDC Discovery §3: id_token_signing_alg_values_supported is the configured alg, and JWKS holds its key', async () => {
    const doc = (await (await fetch(`${s.url}${OIDC_PATH}`)).json()) as Record<string, unknown>
    expect(doc.id_token_signing_alg_values_supported).toEqual(['ES256'])
    const jwks = (await (await fetch(`${s.url}/jwks`)).json()) as { keys: { alg: string; kty: string; crv?: string }[] }
    expect(jwks.keys[0]).toMatchObject({ alg: 'ES256', kty: 'EC', crv: 'P-256' })
  })

  it('RFC 7636 §4.2: plain is listed only when security.allow_pkce_plain is set', async () => {
    const doc = (await (await fetch(`${s.url}${OAUTH_PATH}`)).json()) as Record<string, unknown>
    expect(doc.code_challenge_methods_supported).toEqual(['S256', 'plain'])
  })
})

describe('discovery advertises only what is enabled', () => {
  const RS_SECRET = 'rs-client-secret-0123456789abcdef0123456789'
  const ES_SECRET = 'es-client-secret-0123456789abcdef0123456789'
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({
      tokens: { signing_alg: 'ES256' },
      clients: [
        { client_id: 'rs-client', client_secret: RS_SECRET, grant_types: ['password'], scope: 'openid profile', id_token_signed_response_alg: 'RS256' },
        { client_id: 'es-client', client_secret: ES_SECRET, grant_types: ['password'], scope: 'openid profile' },
      ],
    })
  })
  afterAll(() => s.close())

  async function idTokenFor(clientId: string, secret: string): Promise<{ id_token: string; access_token: string }> {
    const res = await postForm(`${s.url}/token`, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }, { authorization: basic(clientId, secret) })
    const body = (await res.json()) as { id_token: string; access_token: string }
    expect(res.status, JSON.stringify(body)).toBe(200)
    return body
  }

  /** @see issue 8 */
  it('OIDC Core §15.1, OIDC Dynamic Client Registration §2: a client with id_token_signed_response_alg RS256 gets RS256 ID tokens while signing_alg is ES256, and access tokens stay ES256', async () => {
    const doc = (await (await fetch(`${s.url}${OIDC_PATH}`)).json()) as Record<string, unknown>
    expect(doc.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256'])
    const jwks = createRemoteJWKSet(new URL(`${s.url}/jwks`))
    const rs = await idTokenFor('rs-client', RS_SECRET)
    const verified = await jwtVerify(rs.id_token, jwks, { issuer: s.url, audience: 'rs-client', algorithms: ['RS256'] })
    expect(verified.protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect((await jwtVerify(rs.access_token, jwks, { issuer: s.url })).protectedHeader.alg).toBe('ES256')
    // A client without the metadata keeps the provider's alg.
    const es = await idTokenFor('es-client', ES_SECRET)
    expect((await jwtVerify(es.id_token, jwks, { issuer: s.url, audience: 'es-client' })).protectedHeader.alg).toBe('ES256')
  })

  /** @see issue 8 */
  it('OIDC Discovery §3: openid-client requiring RS256 ID tokens accepts them from this provider', async () => {
    const config = await oidc.discovery(new URL(s.url), 'rs-client', { id_token_signed_response_alg: 'RS256' }, oidc.ClientSecretBasic(RS_SECRET), { execute: [oidc.allowInsecureRequests] })
    const tokens = await oidc.genericGrantRequest(config, 'password', { username: ALICE.email, password: ALICE.password, scope: 'openid' })
    expect(tokens.claims()?.aud).toBe('rs-client')
  })
})

describe('discovery of a client added while the server runs', () => {
  it('RFC 8414 §3: a password client added to the store is advertised after key_reload_interval; requests do not wait for the refresh', async () => {
    const clock = new ManualClock()
    const s = await startServer({ clients: baseTestConfig.clients.map((c) => ({ ...c, grant_types: c.grant_types.filter((g) => g !== 'password') })) }, { clock })
    try {
      const grants = async () => ((await (await fetch(`${s.url}${OIDC_PATH}`)).json()) as { grant_types_supported: string[] }).grant_types_supported
      expect(await grants()).not.toContain('password')
      const web = await s.server.ctx.store.clients.get('web')
      await s.server.ctx.store.clients.upsert({ ...web!, client_id: 'late-password-client', grant_types: ['password'] }, clock.now())
      clock.advance(s.server.config.tokens.key_reload_interval)
      // The due refresh starts in the background; this request is answered with the current document.
      expect(await grants()).not.toContain('password')
      await vi.waitFor(async () => expect(await grants()).toContain('password'))
    } finally {
      await s.close()
    }
  })
})

describe('discovery without optional features', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({
      tokens: { signing_alg: 'ES256' },
      clients: baseTestConfig.clients.map((c) => ({ ...c, grant_types: c.grant_types.filter((g) => g !== 'password') })),
    })
  })
  afterAll(() => s.close())

  /** @see issue 8 */
  it('RFC 8414 §2: without a client that has the password grant it is not advertised, and without an RS256 client only the signing alg is', async () => {
    const doc = (await (await fetch(`${s.url}${OIDC_PATH}`)).json()) as Record<string, unknown>
    expect(doc.grant_types_supported).not.toContain('password')
    expect(doc.grant_types_supported).toContain('authorization_code')
    expect(doc.id_token_signing_alg_values_supported).toEqual(['ES256'])
    const jwks = (await (await fetch(`${s.url}/jwks`)).json()) as { keys: { alg: string }[] }
    expect(jwks.keys.map((k) => k.alg)).toEqual(['ES256'])
  })
})

describe('RS256 for a client added to a running deployment', () => {
  const RP_SECRET = 'late-rp-secret-0123456789abcdef0123456789'
  /** @see issue 8 */
  it('OIDC Core §10.1.1: the existing key gets an RS256 key published at once; until it activates the RS256 client gets temporarily_unavailable, then RS256 ID tokens', async () => {
    const first = await startServer({ tokens: { signing_alg: 'ES256' } })
    const clock = new ManualClock()
    try {
      const second = await startServer(
        {
          database: first.server.config.database,
          tokens: { signing_alg: 'ES256', key_activation_delay: 600 },
          clients: [{ client_id: 'late-rp', client_secret: RP_SECRET, grant_types: ['password'], scope: 'openid', id_token_signed_response_alg: 'RS256' }],
        },
        { clock },
      )
      try {
        const jwks = (await (await fetch(`${second.url}/jwks`)).json()) as { keys: { alg: string }[] }
        expect(jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'RS256'])
        const doc = (await (await fetch(`${second.url}${OIDC_PATH}`)).json()) as Record<string, unknown>
        expect(doc.id_token_signing_alg_values_supported).toEqual(['ES256'])
        const request = () => postForm(`${second.url}/token`, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }, { authorization: basic('late-rp', RP_SECRET) })
        const early = await request()
        expect(early.status).toBe(503)
        expect(((await early.json()) as { error: string }).error).toBe('temporarily_unavailable')
        clock.advance(600)
        const later = await request()
        const body = (await later.json()) as { id_token: string }
        expect(later.status, JSON.stringify(body)).toBe(200)
        const verified = await jwtVerify(body.id_token, createRemoteJWKSet(new URL(`${second.url}/jwks`)), { issuer: second.url, currentDate: new Date(clock.now() * 1000) })
        expect(verified.protectedHeader.alg).toBe('RS256')
      } finally {
        await second.close()
      }
    } finally {
      await first.close()
    }
  })
})
