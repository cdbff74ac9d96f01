/**
 * The relying-party side of the flow tests: openid-client configured from Latch's discovery
 * document (OIDC Discovery 1.0 §4, RFC 8414 §3) over plain http on the loopback interface, JWT
 * verification with jose against the discovered `jwks_uri`, and small helpers that turn an
 * error response into something a test can assert on (code, status and headers).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose'
import * as client from 'openid-client'
import { expect } from 'vitest'

export { client }

/** openid-client for `clientId`, from the issuer's discovery document (http allowed: loopback tests). */
export async function discover(issuer: string, clientId: string, auth: client.ClientAuth = client.None(), secret?: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), clientId, secret, auth, { execute: [client.allowInsecureRequests] })
}

// Per discovery, not per URL: a test worker outlives its files' servers (`isolate: false`).
const jwksCache = new WeakMap<client.Configuration, ReturnType<typeof createRemoteJWKSet>>()

/** Verifies a JWT signed by the issuer, with keys from the `jwks_uri` that discovery names. */
export async function verifyJwt(config: client.Configuration, token: string, options: { typ?: string; audience?: string } = {}): Promise<JWTVerifyResult<JWTPayload>> {
  const metadata = config.serverMetadata()
  const jwksUri = metadata.jwks_uri
  if (!jwksUri) throw new Error('discovery has no jwks_uri')
  let jwks = jwksCache.get(config)
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(jwksUri))
    jwksCache.set(config, jwks)
  }
  return jwtVerify(token, jwks, {
    issuer: metadata.issuer,
    ...(options.typ !== undefined && { typ: options.typ }),
    ...(options.audience !== undefined && { audience: options.audience }),
  })
}

export interface OAuthErrorResponse {
  error: string
  error_description?: string
  status: number
  headers: Headers
}

/**
 * Awaits an openid-client call that must fail with an OAuth error response (RFC 6749 §5.2) and
 * returns its code, status and headers.
 */
export async function expectResponseError(promise: Promise<unknown>): Promise<OAuthErrorResponse> {
  try {
    await promise
  } catch (err) {
    if (err instanceof client.ResponseBodyError) {
      return { error: err.error, ...(err.error_description !== undefined && { error_description: err.error_description }), status: err.status, headers: err.response.headers }
    }
    throw err
  }
  expect.fail('expected an OAuth error response, the call succeeded')
}

/** A raw form POST (for the error cases, where the test wants the exact HTTP answer). */
export async function postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  })
  const text = await response.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { text }
  }
  return { status: response.status, headers: response.headers, body }
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded, then base64. */
export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`
}

/** A fresh PKCE pair, state and nonce: what a relying party keeps in its session. */
export async function newRequestSecrets(): Promise<{ verifier: string; challenge: string; state: string; nonce: string }> {
  const verifier = client.randomPKCECodeVerifier()
  return { verifier, challenge: await client.calculatePKCECodeChallenge(verifier), state: client.randomState(), nonce: client.randomNonce() }
}

/** Asserts the RFC 6749 §5.1 headers every token-endpoint answer carries, success or error. */
export function expectNoStore(headers: Headers): void {
  expect(headers.get('cache-control')).toBe('no-store')
}
