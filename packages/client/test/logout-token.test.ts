/**
 * `validateLogoutToken` when the OP's keys cannot be had (OIDC Back-Channel Logout 1.0 §2.6 step 3
 * validates the signature with the OP's keys): a JWK Set that answers 500, or is not a JWK Set, is
 * the OP's trouble (`request_failed`, which the BFF answers 503), not a bad token (`invalid_logout_token`,
 * 400); and a caller's own `fetch` is used even after another caller validated against the same URI.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { validateLogoutToken } from '../src/index.js'
import { expectValidationError, startServer, type TestServer } from './support.js'

let server: TestServer
let token: string

beforeAll(async () => {
  server = await startServer()
  // Any well-formed signed token: the key set is fetched before its signature can be judged.
  const { privateKey } = await generateKeyPair('RS256')
  token = await new SignJWT({ sid: 's', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })
    .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid: 'unknown-kid' })
    .setIssuer(server.url)
    .setAudience('web')
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti('j-1')
    .sign(privateKey)
})

afterAll(async () => {
  await server?.close()
})

/** The global fetch, except that the JWK Set answers `jwks`. */
function keysAnswering(jwks: () => Response): typeof fetch {
  return async (input, init) => (String(input instanceof Request ? input.url : input).endsWith('/jwks') ? jwks() : fetch(input, init))
}

describe('validateLogoutToken and an unavailable JWK Set', () => {
  it('OIDC Back-Channel Logout §2.6: a JWK Set answering 500 or not a JWK Set is request_failed (the OP\'s trouble), not invalid_logout_token', async () => {
    await expectValidationError(validateLogoutToken(token, { issuer: server.url, clientId: 'web', fetch: keysAnswering(() => new Response('down', { status: 500 })) }), 'request_failed')
    await expectValidationError(validateLogoutToken(token, { issuer: server.url, clientId: 'web', fetch: keysAnswering(() => Response.json({ keys: 'nope' })) }), 'request_failed')
  })

  it('OIDC Back-Channel Logout §2.6: with the OP\'s real keys, a token signed by another key is invalid_logout_token', async () => {
    await expectValidationError(validateLogoutToken(token, { issuer: server.url, clientId: 'web' }), 'invalid_logout_token')
  })
})
