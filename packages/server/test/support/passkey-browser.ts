/**
 * Issue 13: what the passkey Chromium tests share: a CDP virtual authenticator (CTAP2, internal,
 * resident keys, user verification done) and the `passkey-app` client's authorization request and
 * code exchange, with the ID token verified by jose (signature, issuer, audience, nonce).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import type { CDPSession, Page } from 'playwright-core'
import { expect } from 'vitest'
import { PATHS } from '../../src/context.js'
import { postForm } from '../helpers.js'

/** WebAuthn through the DevTools protocol (`WebAuthn.addVirtualAuthenticator`) for this page's context. */
export async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })
  return { cdp, authenticatorId }
}

/** An authorization request of `passkey-app` (PKCE S256, a nonce) to `issuer`, answered at `redirectUri`. */
export function passkeyAppRequest(issuer: string, redirectUri: string): { url: string; verifier: string; nonce: string } {
  const verifier = randomBytes(32).toString('base64url')
  const nonce = randomBytes(12).toString('base64url')
  const url = new URL(`${issuer}${PATHS.authorization}`)
  url.search = new URLSearchParams({
    client_id: 'passkey-app', redirect_uri: redirectUri, response_type: 'code', scope: 'openid email', state: randomBytes(8).toString('hex'), nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString()
  return { url: url.href, verifier, nonce }
}

/** The code the client got at `redirectUri`, exchanged; the ID token verified with jose and returned. */
export async function passkeyAppIdToken(page: Page, issuer: string, redirectUri: string, verifier: string, nonce: string): Promise<Record<string, unknown>> {
  await page.waitForURL((u) => u.href.startsWith(redirectUri))
  const code = new URL(page.url()).searchParams.get('code')
  expect(code, page.url()).toBeTruthy()
  const res = await postForm(`${issuer}${PATHS.token}`, { grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'passkey-app' })
  const tokens = (await res.json()) as { id_token: string }
  expect(res.status, JSON.stringify(tokens)).toBe(200)
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${issuer}${PATHS.jwks}`)), { issuer, audience: 'passkey-app' })
  expect(payload.nonce).toBe(nonce)
  return payload
}
