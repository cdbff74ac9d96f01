/**
 * Issue 12: each preset's quirks, one provider at a time (design §1.4). Profiles are built from the
 * claims the upstream would send; the providers that read a profile endpoint read it over real HTTP
 * from a small local server. The whole exchange against stand-ins is in presets-upstream.test.ts.
 */
import { exportPKCS8, generateKeyPair, jwtVerify, SignJWT, decodeProtectedHeader } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveConnections } from '../config/connections.js'
import type { ResolvedConnection } from '../config/schema.js'
import { CONNECTION_TYPES } from '../rules/connection-presets.js'
import { json, listen, type Listening } from '../../test/support/upstream/listen.js'
import { appleClientSecret } from './apple-client-secret.js'
import { appleProvider, appleUserName } from './providers/apple.js'
import { githubEmailsEndpoint, githubProvider, pickGithubEmail } from './providers/github.js'
import { googleProvider } from './providers/google.js'
import { microsoftIssuer, microsoftProvider } from './providers/microsoft.js'
import type { ProfileInput } from './providers/provider.js'
import { PROVIDERS } from './providers/table.js'
import { upstreamHttp, upstreamPolicyOf } from './transport.js'
import { UpstreamError } from './upstream-error.js'

function resolve(entry: Record<string, unknown>): ResolvedConnection {
  const [c] = resolveConnections({ connections: [{ id: 'x', client_id: 'latch', client_secret: 'secret-value', ...entry } as never], sign_in: { password: true, connections: 'above' } }, '/', [])
  return c!
}

const input = (connection: ResolvedConnection, idToken: Record<string, unknown>, extra: Partial<ProfileInput> = {}): ProfileInput => ({
  connection, idToken, userinfo: {}, accessToken: 'at', http: upstreamHttp(upstreamPolicyOf(connection)), ...extra,
})

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(UpstreamError)
  return error as UpstreamError
}

const servers: Listening[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
})

/** A profile endpoint answering `body` to any bearer. */
async function profileEndpoint(body: unknown): Promise<string> {
  const server = await listen((_req, res) => json(res, 200, body))
  servers.push(server)
  return `${server.url}/me`
}

describe('connection providers (issue 12, design §1.4)', () => {
  it('every connection type has a provider', () => {
    for (const type of CONNECTION_TYPES) expect(typeof PROVIDERS[type].profile).toBe('function')
  })

  describe('google', () => {
    const google = resolve({ type: 'google', hosted_domain: 'Example.com' })

    it('hosted_domain: sends hd= and requires the ID token\'s hd claim (Google OIDC "hd" param: the claim is what proves the domain)', async () => {
      expect(googleProvider.authorizationParams!(google)).toEqual({ hd: 'example.com' })
      const profile = await googleProvider.profile(input(google, { sub: '1', email: 'a@example.com', email_verified: true, hd: 'example.com' }))
      expect(profile).toMatchObject({ subject: '1', email: 'a@example.com', email_verified: true })
      expect((await rejection(googleProvider.profile(input(google, { sub: '1', email: 'a@gmail.com', email_verified: true })))).code).toBe('hd_mismatch')
      expect((await rejection(googleProvider.profile(input(google, { sub: '1', email: 'a@other.com', email_verified: true, hd: 'other.com' })))).code).toBe('hd_mismatch')
    })

    it('without hosted_domain: no hd parameter, any account; email_verified must be the boolean true', async () => {
      const open = resolve({ type: 'google' })
      expect(googleProvider.authorizationParams!(open)).toEqual({})
      expect(await googleProvider.profile(input(open, { sub: '1', email: 'a@gmail.com', email_verified: true }))).toMatchObject({ email_verified: true })
      expect(await googleProvider.profile(input(open, { sub: '1', email: 'a@gmail.com', email_verified: 'true' }))).toMatchObject({ email_verified: false })
    })
  })

  describe('microsoft', () => {
    const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47'
    const other = '9188040d-6c67-4c5b-b112-36a304b66dad'
    const idTokenFor = async (claims: Record<string, unknown>) => {
      const { privateKey } = await generateKeyPair('ES256')
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
    }
    const tokenAnswer = async (claims: Record<string, unknown>) => Response.json({ access_token: 'at', token_type: 'Bearer', id_token: await idTokenFor(claims) })

    it('a tenant GUID is plain discovery; common/organizations/consumers get fixed metadata whose issuer is the {tenantid} template', () => {
      expect(microsoftProvider.metadata!(resolve({ type: 'microsoft', tenant: tid }))).toBeNull()
      const common = resolve({ type: 'microsoft' })
      expect(microsoftProvider.metadata!(common)).toMatchObject({
        issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
        authorization_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
        token_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
        jwks_uri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
      })
      expect(microsoftProvider.metadata!(resolve({ type: 'microsoft', tenant: 'organizations' }))?.token_endpoint).toContain('/organizations/oauth2/v2.0/token')
    })

    it('multi-tenant: the ID token is checked against the issuer of its own tid (OIDC Core §3.1.3.7 step 2, Microsoft multi-tenant validation)', async () => {
      const common = resolve({ type: 'microsoft' })
      const as = microsoftProvider.metadata!(common)!
      const checked = await microsoftProvider.tokenResponse!(common, as, await tokenAnswer({ tid, iss: `https://login.microsoftonline.com/${tid}/v2.0` }))
      expect(checked.issuer).toBe(`https://login.microsoftonline.com/${tid}/v2.0`)
      expect(microsoftIssuer(common, tid)).toBe(checked.issuer)
      expect((await rejection(microsoftProvider.tokenResponse!(common, as, await tokenAnswer({ iss: 'x' })))).code).toBe('missing_tid')
      expect((await rejection(microsoftProvider.tokenResponse!(common, as, await tokenAnswer({ tid: '../evil' })))).code).toBe('missing_tid')
    })

    it('allowed_tenants refuses a user of another tenant before the token is believed', async () => {
      const restricted = resolve({ type: 'microsoft', tenant: 'organizations', allowed_tenants: [tid] })
      const as = microsoftProvider.metadata!(restricted)!
      expect((await microsoftProvider.tokenResponse!(restricted, as, await tokenAnswer({ tid }))).issuer).toContain(tid)
      expect((await rejection(microsoftProvider.tokenResponse!(restricted, as, await tokenAnswer({ tid: other })))).code).toBe('tenant_not_allowed')
    })

    it('an error answer is left to oauth4webapi (it reports the error body)', async () => {
      const common = resolve({ type: 'microsoft' })
      const as = microsoftProvider.metadata!(common)!
      expect(await microsoftProvider.tokenResponse!(common, as, Response.json({ error: 'invalid_grant' }, { status: 400 }))).toBe(as)
    })

    it('Entra\'s email is unverified unless xms_edov is true', async () => {
      const ms = resolve({ type: 'microsoft', tenant: tid })
      expect(await microsoftProvider.profile(input(ms, { sub: 's', email: 'A@Contoso.com', email_verified: true }))).toMatchObject({ email: 'a@contoso.com', email_verified: false })
      expect(await microsoftProvider.profile(input(ms, { sub: 's', email: 'a@contoso.com', xms_edov: true }))).toMatchObject({ email_verified: true })
      expect(await microsoftProvider.profile(input(ms, { sub: 's', xms_edov: true }))).toMatchObject({ email: null, email_verified: false })
    })
  })

  describe('apple', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const pem = await exportPKCS8(privateKey)
    const apple = resolve({ type: 'apple', client_id: 'com.example.web', client_secret: undefined, team_id: 'TEAM123456', key_id: 'KEY1234567', private_key: pem })

    it('the client secret is an ES256 JWT {iss: team_id, sub: client_id, aud: issuer} with kid = key_id, one hour long, reused for 55 minutes', async () => {
      const now = 1_900_000_000
      const jwt = await appleClientSecret(apple, apple.secrets, now)
      const { payload } = await jwtVerify(jwt, publicKey, {
        algorithms: ['ES256'], issuer: 'TEAM123456', subject: 'com.example.web', audience: 'https://appleid.apple.com', currentDate: new Date(now * 1000),
      })
      expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: 'KEY1234567' })
      expect(payload.exp! - payload.iat!).toBe(3600)
      expect(await appleClientSecret(apple, apple.secrets, now + 54 * 60)).toBe(jwt)
      expect(await appleClientSecret(apple, apple.secrets, now + 56 * 60)).not.toBe(jwt)
    })

    it('a key that is not P-256 PKCS#8 is an unavailable upstream, not a crash', async () => {
      const rsa = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey)
      expect((await rejection(appleClientSecret(apple, { private_key: rsa }))).code).toBe('apple_key_invalid')
    })

    it('fixed endpoints under the issuer (no discovery), overridable; form_post is the preset\'s response mode', () => {
      expect(apple.response_mode).toBe('form_post')
      expect(appleProvider.metadata!(apple)).toMatchObject({
        issuer: 'https://appleid.apple.com', authorization_endpoint: 'https://appleid.apple.com/auth/authorize',
        token_endpoint: 'https://appleid.apple.com/auth/token', jwks_uri: 'https://appleid.apple.com/auth/keys',
      })
      const local = resolve({ type: 'apple', client_secret: undefined, team_id: 'T', key_id: 'K', private_key: pem, issuer: 'http://127.0.0.1:9', token_endpoint: 'http://127.0.0.1:8/token' })
      expect(appleProvider.metadata!(local)).toMatchObject({ issuer: 'http://127.0.0.1:9', jwks_uri: 'http://127.0.0.1:9/auth/keys', token_endpoint: 'http://127.0.0.1:8/token' })
    })

    it('"true" strings count as true; the name comes from the first form_post\'s user JSON only', async () => {
      const first = new URLSearchParams({ code: 'c', user: JSON.stringify({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'x@privaterelay.appleid.com' }) })
      const claims = { sub: '001.abc', email: 'x@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true' }
      expect(await appleProvider.profile(input(apple, claims, { callbackParams: first }))).toEqual({
        subject: '001.abc', email: 'x@privaterelay.appleid.com', email_verified: true, amr: [],
        claims: { given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace' },
      })
      expect(await appleProvider.profile(input(apple, claims, { callbackParams: new URLSearchParams({ code: 'c' }) }))).toMatchObject({ claims: {} })
      expect(await appleProvider.profile(input(apple, { ...claims, email_verified: 'false' }))).toMatchObject({ email_verified: false })
      expect(appleUserName(new URLSearchParams({ user: '{not json' }))).toEqual({})
      expect(appleUserName(new URLSearchParams({ user: JSON.stringify({ name: { firstName: 'Ada' } }) }))).toEqual({ given_name: 'Ada', name: 'Ada' })
    })
  })

  describe('github', () => {
    it('the email is the primary verified one, else the first verified, else none', () => {
      expect(pickGithubEmail([
        { email: 'old@example.com', primary: false, verified: true },
        { email: 'main@example.com', primary: true, verified: true },
      ])).toBe('main@example.com')
      expect(pickGithubEmail([
        { email: 'main@example.com', primary: true, verified: false },
        { email: 'second@example.com', primary: false, verified: true },
      ])).toBe('second@example.com')
      expect(pickGithubEmail([{ email: 'main@example.com', primary: true, verified: false }])).toBeNull()
      expect(pickGithubEmail({ message: 'Not Found' })).toBeNull()
    })

    it('the emails endpoint sits beside the profile endpoint (github.com and Enterprise Server)', () => {
      expect(githubEmailsEndpoint(resolve({ type: 'github' })).href).toBe('https://api.github.com/user/emails')
      expect(githubEmailsEndpoint({ userinfo_endpoint: 'https://ghe.example.com/api/v3/user' }).href).toBe('https://ghe.example.com/api/v3/user/emails')
    })

    it('a 200 token answer carrying error is that error, not a missing access_token (GitHub OAuth "Troubleshooting authorization request errors")', async () => {
      const github = resolve({ type: 'github' })
      const as = { issuer: 'https://github.com' }
      const error = await rejection(githubProvider.tokenResponse!(github, as, Response.json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' })))
      expect(error).toMatchObject({ reason: 'invalid_response', code: 'bad_verification_code' })
      expect(error.message).not.toContain('incorrect')
      expect(await githubProvider.tokenResponse!(github, as, Response.json({ access_token: 'gho_x', token_type: 'bearer' }))).toBe(as)
    })
  })

  describe('profile endpoints (oauth2 presets)', () => {
    it('twitter: the profile is under data; no email is ever taken', async () => {
      const url = await profileEndpoint({ data: { id: '2244994945', name: 'X Dev', username: 'XDevelopers', email: 'x@example.com' } })
      const x = resolve({ type: 'twitter', userinfo_endpoint: url, mapping: { email: 'data.email' } })
      expect(await PROVIDERS.twitter.profile(input(x, {}))).toEqual({
        subject: '2244994945', email: null, email_verified: false, amr: [], claims: { name: 'X Dev', preferred_username: 'XDevelopers' },
      })
      const errors = resolve({ type: 'twitter', userinfo_endpoint: await profileEndpoint({ errors: [{ title: 'Unauthorized' }] }) })
      expect(await PROVIDERS.twitter.profile(input(errors, {}))).toBeNull()
    })

    it('discord: verified says the email is verified; global_name, username, and the avatar hash as a CDN URL', async () => {
      const body = { id: '80351110224678912', username: 'nelly', global_name: 'Nelly', email: 'nelly@example.com', verified: true, avatar: '8342729096ea3675442027381ff50dfe' }
      const discord = resolve({ type: 'discord', userinfo_endpoint: await profileEndpoint(body) })
      expect(await PROVIDERS.discord.profile(input(discord, {}))).toEqual({
        subject: '80351110224678912', email: 'nelly@example.com', email_verified: true, amr: [],
        claims: { name: 'Nelly', preferred_username: 'nelly', picture: 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png' },
      })
      const unverified = resolve({ type: 'discord', userinfo_endpoint: await profileEndpoint({ ...body, verified: false, avatar: null }) })
      expect(await PROVIDERS.discord.profile(input(unverified, {}))).toMatchObject({ email_verified: false, claims: { name: 'Nelly', preferred_username: 'nelly' } })
    })

    it('facebook: an email, never asserted verified, so never linked by email', async () => {
      const facebook = resolve({ type: 'facebook', userinfo_endpoint: await profileEndpoint({ id: '10', name: 'Fb User', first_name: 'Fb', last_name: 'User', email: 'fb@example.com', email_verified: true }) })
      expect(facebook.trust_email_verified).toBe(false)
      expect(await PROVIDERS.facebook.profile(input(facebook, {}))).toEqual({
        subject: '10', email: 'fb@example.com', email_verified: false, amr: [], claims: { name: 'Fb User', given_name: 'Fb', family_name: 'User' },
      })
    })
  })

  it('gitlab, linkedin, slack: plain OpenID Connect, email_verified as the ID token says', async () => {
    for (const type of ['gitlab', 'linkedin', 'slack'] as const) {
      const c = resolve({ type })
      expect(await PROVIDERS[type].profile(input(c, { sub: 'u1', email: 'u@example.com', email_verified: true, name: 'U' }))).toMatchObject({ subject: 'u1', email_verified: true, claims: { name: 'U' } })
      expect(await PROVIDERS[type].profile(input(c, { sub: 'u1', email: 'u@example.com' }))).toMatchObject({ email_verified: false })
    }
  })
})
