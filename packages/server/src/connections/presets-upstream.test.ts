/**
 * Issue 12: the presets' whole upstream exchange over real HTTP against local stand-ins of GitHub,
 * Apple and X (test/support/upstream): the authorization URL Latch builds, what the stand-in answers
 * (a redirect, or Apple's auto-submitting form_post page, read here as the browser would post it),
 * the code exchange with each preset's client authentication, and the profile. What the endpoints
 * add on top (state bound to the browser, the form_post stash, users) is tested with them.
 */
import { randomBytes } from 'node:crypto'
import { exportPKCS8, generateKeyPair } from 'jose'
import { generateRandomCodeVerifier, generateRandomNonce, generateRandomState } from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js'
import { startAppleStandIn, type AppleStandIn } from '../../test/support/upstream/apple-stand-in.js'
import { startGithubStandIn, type GithubStandIn } from '../../test/support/upstream/github-stand-in.js'
import { startXStandIn, type XStandIn } from '../../test/support/upstream/x-stand-in.js'
import { resolveConnections } from '../config/connections.js'
import type { ResolvedConnection } from '../config/schema.js'
import { systemClock } from '../lib/clock.js'
import { createStore } from '../storage/kysely-store.js'
import type { Store } from '../storage/store.js'
import { ConnectionRegistry } from './registry.js'
import { authorizationUrl, completeUpstream } from './upstream.js'
import { UpstreamError } from './upstream-error.js'

const SECRET = 'x'.repeat(40)
let db: TestDatabase
let store: Store
let registry: ConnectionRegistry

beforeAll(async () => {
  db = await createTestDatabase('sqlite')
  store = await createStore(db.url, { migrate: true })
  registry = new ConnectionRegistry(store, systemClock, { secret: SECRET })
})
afterAll(async () => {
  await store.close()
  await db.dispose()
})

function resolve(entry: Record<string, unknown>): ResolvedConnection {
  const [c] = resolveConnections({ connections: [{ id: 'up', client_id: 'latch', ...entry } as never], sign_in: { password: true, connections: 'above' } }, '/', [])
  return c!
}

/** Hidden inputs of an auto-submitting form_post page, as the browser posts them. */
function formPostParams(html: string): URLSearchParams {
  const params = new URLSearchParams()
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    params.set(m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&'))
  }
  return params
}

/** Start → upstream → callback parameters → completeUpstream, as the endpoints run it. */
async function signIn(connection: ResolvedConnection, tamper: (url: URL) => void = () => {}) {
  const as = await registry.metadata(connection)
  const request = { redirectUri: `http://127.0.0.1:9/connections/${connection.id}/callback`, state: generateRandomState(), codeVerifier: generateRandomCodeVerifier(), nonce: generateRandomNonce() }
  const url = await authorizationUrl(connection, as, request)
  tamper(url)
  const answer = await fetch(url, { redirect: 'manual' })
  const params = answer.status === 302 ? new URL(answer.headers.get('location')!).searchParams : formPostParams(await answer.text())
  return { url, params, as, request, profile: completeUpstream(registry, connection, as, params, request) }
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(UpstreamError)
  return error as UpstreamError
}

describe('GitHub preset against a GitHub stand-in', () => {
  let github: GithubStandIn
  const emails = [
    { email: 'public@example.com', primary: false, verified: false },
    { email: 'octo@example.com', primary: true, verified: true },
  ]
  beforeAll(async () => {
    github = await startGithubStandIn({ clientId: 'gh-client', clientSecret: 'gh-secret', user: { id: 583231, login: 'octocat', name: 'The Octocat', email: 'public@example.com', avatar_url: 'https://avatars.example/u/583231' }, emails })
  })
  afterAll(() => github.close())
  const connection = () => resolve({ id: 'github', type: 'github', client_id: 'gh-client', client_secret: 'gh-secret', ...github.endpoints })

  it('subject = String(id); the email is the verified primary of /user/emails, never /user\'s; the API headers are sent', async () => {
    const { url, profile } = await signIn(connection())
    expect(url.searchParams.get('scope')).toBe('read:user user:email')
    expect(await profile).toEqual({
      subject: '583231', email: 'octo@example.com', email_verified: true, amr: [],
      claims: { name: 'The Octocat', preferred_username: 'octocat', picture: 'https://avatars.example/u/583231' },
    })
    const headers = github.apiHeaders.at(-1)!
    expect(headers).toMatchObject({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'Latch' })
  })

  it('no verified address: the user signs in without an email (the unverified public one is ignored)', async () => {
    emails.splice(0, emails.length, { email: 'public@example.com', primary: true, verified: false })
    expect(await (await signIn(connection())).profile).toMatchObject({ subject: '583231', email: null, email_verified: false })
  })

  it('a used code, answered 200 {error}, fails as invalid_response with GitHub\'s code', async () => {
    const first = await signIn(connection())
    await first.profile
    // The same callback again: GitHub answers the used code with a 200.
    const error = await failure(completeUpstream(registry, connection(), first.as, first.params, first.request))
    expect(error).toMatchObject({ reason: 'invalid_response', code: 'bad_verification_code' })
  })

  it('a wrong client secret is an error too, and no profile is read', async () => {
    const calls = github.apiHeaders.length
    const error = await failure((await signIn(resolve({ id: 'github', type: 'github', client_id: 'gh-client', client_secret: 'wrong', ...github.endpoints }))).profile)
    expect(error).toMatchObject({ reason: 'invalid_response', code: 'incorrect_client_credentials' })
    expect(github.apiHeaders.length).toBe(calls)
  })
})

describe('Apple preset against an Apple stand-in', () => {
  let apple: AppleStandIn
  let pem: string
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    pem = await exportPKCS8(privateKey)
    apple = await startAppleStandIn({
      clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567', clientSecretKey: publicKey,
      user: { sub: '001234.abcdef', email: 'x1@privaterelay.appleid.com', is_private_email: true, firstName: 'Ada', lastName: 'Lovelace' },
    })
  })
  afterAll(() => apple.close())
  const connection = (over: Record<string, unknown> = {}) =>
    resolve({ id: 'apple', type: 'apple', client_id: 'com.example.web', team_id: 'TEAM123456', key_id: 'KEY1234567', private_key: pem, issuer: apple.url, ...over })

  it('form_post; the ES256 client secret is accepted; "true" strings; the name only on the first authorization', async () => {
    const first = await signIn(connection())
    expect(first.url.searchParams.get('response_mode')).toBe('form_post')
    expect(first.url.searchParams.get('scope')).toBe('openid email name')
    expect(first.url.searchParams.get('nonce')).toBeTruthy()
    expect(first.params.get('user')).toBeTruthy()
    expect(await first.profile).toEqual({
      subject: '001234.abcdef', email: 'x1@privaterelay.appleid.com', email_verified: true, amr: [],
      claims: { given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace' },
      // Apple's ID token says when the user signed in: the session's auth_time (review M4).
      auth_time: expect.any(Number),
    })
    expect(apple.clientSecrets.at(-1)).toMatchObject({ header: { alg: 'ES256', kid: 'KEY1234567' }, payload: { iss: 'TEAM123456', sub: 'com.example.web', aud: apple.url } })

    const second = await signIn(connection())
    expect(second.params.has('user')).toBe(false)
    expect(await second.profile).toMatchObject({ subject: '001234.abcdef', email_verified: true, claims: {} })
  })

  it('a client secret signed with another key (or naming another key id) is refused: invalid_client', async () => {
    const other = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey)
    expect(await failure((await signIn(connection({ private_key: other }))).profile)).toMatchObject({ reason: 'invalid_response', code: 'invalid_client' })
    expect(await failure((await signIn(connection({ key_id: 'OTHERKEY00' }))).profile)).toMatchObject({ code: 'invalid_client' })
  })

  it('OIDC Core §3.1.3.7: an ID token whose nonce is not ours is refused', async () => {
    const c = connection()
    const as = await registry.metadata(c)
    const state = generateRandomState()
    const request = { redirectUri: 'http://127.0.0.1:9/connections/apple/callback', state, codeVerifier: generateRandomCodeVerifier(), nonce: generateRandomNonce() }
    const url = await authorizationUrl(c, as, { ...request, nonce: 'someone-elses-nonce' })
    const params = formPostParams(await (await fetch(url)).text())
    expect(await failure(completeUpstream(registry, c, as, params, request))).toMatchObject({ reason: 'invalid_response' })
  })
})

describe('X preset against an X stand-in', () => {
  let x: XStandIn
  beforeAll(async () => {
    x = await startXStandIn({ clientId: 'x-client', clientSecret: 'x-secret', user: { id: '2244994945', name: 'X Dev', username: 'XDevelopers' } })
  })
  afterAll(() => x.close())
  const connection = () => resolve({ id: 'x', type: 'twitter', client_id: 'x-client', client_secret: 'x-secret', ...x.endpoints })

  it('RFC 7636 §4.3: PKCE S256 and HTTP Basic are sent; the profile is data.*, with no email', async () => {
    const { url, profile } = await signIn(connection())
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.has('nonce')).toBe(false)
    expect(await profile).toEqual({ subject: '2244994945', email: null, email_verified: false, amr: [], claims: { name: 'X Dev', preferred_username: 'XDevelopers' } })
    expect(x.tokenAuth.at(-1)).toBe('basic')
  })

  it('the stand-in enforces PKCE: without a challenge X answers invalid_request, reported as an upstream error', async () => {
    const { profile } = await signIn(connection(), (url) => {
      url.searchParams.delete('code_challenge')
      url.searchParams.delete('code_challenge_method')
    })
    expect(await failure(profile)).toMatchObject({ reason: 'invalid_response', code: 'invalid_request' })
  })

  it('RFC 7636 §4.6: a verifier that does not match the challenge gets no token', async () => {
    const c = connection()
    const as = await registry.metadata(c)
    const request = { redirectUri: 'http://127.0.0.1:9/connections/x/callback', state: generateRandomState(), codeVerifier: generateRandomCodeVerifier(), nonce: 'n' }
    const answer = await fetch(await authorizationUrl(c, as, request), { redirect: 'manual' })
    const params = new URL(answer.headers.get('location')!).searchParams
    expect(await failure(completeUpstream(registry, c, as, params, { ...request, codeVerifier: randomBytes(32).toString('base64url') }))).toMatchObject({ code: 'invalid_request' })
  })
})
