/**
 * Discovery and the transport rules against a real Latch: the metadata issuer must be the issuer
 * asked for, metadata is cached per issuer with one request for concurrent callers, a failure is
 * not cached, and cleartext HTTP is refused off loopback before any byte is sent.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearDiscoveryCache, createClientCredentialsClient, discover } from '../src/index.js'
import { countingFetch, expectValidationError, startServer, type TestServer } from './support.js'

let server: TestServer

beforeAll(async () => {
  server = await startServer()
})

afterAll(async () => {
  await server?.close()
})

describe('discovery', () => {
  it('OIDC Discovery §4: Latch\'s metadata is fetched from /.well-known/openid-configuration', async () => {
    const counter = countingFetch()
    const as = await discover(server.url, { fetch: counter.fetch, cacheTtl: 0 })
    expect(counter.count('/.well-known/openid-configuration')).toBe(1)
    expect(as).toMatchObject({ issuer: server.url, token_endpoint: `${server.url}/token`, jwks_uri: expect.any(String) })
  })

  it('RFC 8414 §3: algorithm oauth2 reads /.well-known/oauth-authorization-server', async () => {
    const counter = countingFetch()
    const as = await discover(server.url, { algorithm: 'oauth2', fetch: counter.fetch, cacheTtl: 0 })
    expect(counter.count('/.well-known/oauth-authorization-server')).toBe(1)
    expect(as.issuer).toBe(server.url)
  })

  it('OIDC Discovery §4.3: metadata naming another issuer is issuer_mismatch (localhost is not 127.0.0.1)', async () => {
    // Same server, reached under another name: its metadata names the configured issuer.
    await expectValidationError(discover(server.url.replace('127.0.0.1', 'localhost')), 'issuer_mismatch')
  })

  it('metadata is cached per issuer: concurrent and later calls share one request', async () => {
    clearDiscoveryCache(server.url)
    const counter = countingFetch()
    const all = await Promise.all(Array.from({ length: 20 }, () => discover(server.url, { fetch: counter.fetch })))
    await discover(server.url, { fetch: counter.fetch })
    expect(new Set(all).size).toBe(1)
    expect(counter.count('/.well-known/openid-configuration')).toBe(1)
  })

  it('a failed discovery is not cached: the next call asks again', async () => {
    const missing = `${server.url}/no-such-tenant`
    const counter = countingFetch()
    await expectValidationError(discover(missing, { fetch: counter.fetch }), 'invalid_response')
    await expectValidationError(discover(missing, { fetch: counter.fetch }), 'invalid_response')
    expect(counter.count('/no-such-tenant/.well-known/openid-configuration')).toBe(2)
  })

  it('an unreachable issuer is request_failed, naming only its origin', async () => {
    const err = await expectValidationError(discover('http://127.0.0.1:9/'), 'request_failed')
    expect(err.message).toBe('request to http://127.0.0.1:9 failed')
  })
})

describe('transport', () => {
  it('RFC 6749 §3.1 + RFC 6750 §5.3: http:// off loopback is refused before any request', async () => {
    const counter = countingFetch()
    await expectValidationError(discover('http://login.example.com', { fetch: counter.fetch }), 'insecure_request')
    const service = createClientCredentialsClient({ issuer: server.url, clientId: 'service', clientSecret: 'service-secret-0123456789abcdef012345', fetch: counter.fetch })
    await expectValidationError(service.fetch('http://api.example.com/data'), 'insecure_request')
    expect(counter.count('/.well-known/openid-configuration') + counter.count('/data')).toBe(0)
  })

  it('RFC 8252 §8.3: loopback http (127.0.0.1, localhost) is allowed; others only with allowInsecureRequests', async () => {
    expect((await discover(server.url)).issuer).toBe(server.url)
    // 0.0.0.0 is not loopback by name, and connecting to it stays on this machine (port 9: refused).
    await expectValidationError(discover('http://0.0.0.0:9'), 'insecure_request')
    // Opting in lets the request through (it then fails at the network, which proves it was sent).
    await expectValidationError(discover('http://0.0.0.0:9', { allowInsecureRequests: true }), 'request_failed')
  })
})
