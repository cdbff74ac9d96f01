/**
 * The same client against another OpenID Provider, panva's oidc-provider 9 (in-process on an
 * ephemeral port, its development interactions driven by posting their forms), to prove nothing in
 * @latch/client depends on Latch: discovery, the authorization code flow with PKCE, state and
 * RFC 9207 iss checks, ID token and UserInfo validation, refresh, revocation, RP-Initiated Logout
 * and client credentials. oidc-provider has no type declarations, hence the small local types.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseForms } from '../../server/test/browser.js'
import { createAuthorizationCodeClient, createClientCredentialsClient, discover, type AuthorizationCodeClient, type TokenSet } from '../src/index.js'
import { Browser, countingFetch, expectOAuthError, expectValidationError, freePort } from './support.js'

interface ProviderInstance {
  callback(): (req: unknown, res: unknown) => void
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance

const REDIRECT = 'http://127.0.0.1:5558/cb'
const LOGGED_OUT = 'http://127.0.0.1:5558/bye'
const RP_SECRET = 'rp-secret-0123456789abcdef0123456789abcdef'
const SVC_SECRET = 'svc-secret-0123456789abcdef0123456789abcdef'

let issuer: string
let http: Server
let rp: AuthorizationCodeClient

beforeAll(async () => {
  // A variable specifier: the untyped package is loaded at run time only.
  const specifier = 'oidc-provider'
  const { default: Provider } = (await import(specifier)) as { default: ProviderClass }
  const port = await freePort()
  issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'rp',
        client_secret: RP_SECRET,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: [LOGGED_OUT],
      },
      { client_id: 'svc', client_secret: SVC_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    ],
    features: { clientCredentials: { enabled: true }, revocation: { enabled: true, allowedPolicy: () => true } },
    // Explicit lifetimes keep oidc-provider's "default ttl function called" notices out of the output.
    ttl: { AccessToken: 600, AuthorizationCode: 60, ClientCredentials: 600, Grant: 3600, IdToken: 600, Interaction: 600, RefreshToken: 3600, Session: 3600 },
    scopes: ['openid', 'offline_access', 'profile'],
    claims: { openid: ['sub'], profile: ['name'] },
    async findAccount(_ctx: unknown, sub: string) {
      return { accountId: sub, claims: async () => ({ sub, name: `User ${sub}` }) }
    },
  })
  http = createServer(provider.callback())
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve))
  rp = createAuthorizationCodeClient({ issuer, clientId: 'rp', clientSecret: RP_SECRET, redirectUri: REDIRECT, scope: 'openid profile offline_access' })
})

afterAll(async () => {
  http?.closeAllConnections()
  await new Promise((resolve) => http?.close(resolve))
})

/** oidc-provider's development login (any login, any password) and consent forms, by HTTP. */
async function authorize(url: URL, login: string): Promise<URL> {
  const browser = new Browser(issuer)
  let page = await browser.open(url)
  for (let step = 0; step < 4 && !page.redirect; step++) {
    const form = parseForms(page.html)[0]
    if (!form) throw new Error(`oidc-provider: no form at ${page.url} (status ${page.status})`)
    page = await browser.submit({ ...form, action: new URL(form.action, page.url).href }, form.fields.prompt === 'login' ? { login, password: 'any' } : {})
  }
  if (!page.redirect) throw new Error(`oidc-provider: no redirect to the client from ${page.url}`)
  return page.redirect
}

async function signIn(login: string): Promise<TokenSet> {
  // prompt=consent: oidc-provider issues refresh tokens (offline_access) only with it.
  const { url, transaction } = await rp.authorizationUrl({ prompt: 'consent' })
  return rp.handleCallback(await authorize(url, login), transaction)
}

describe('oidc-provider 9.13.3', () => {
  it('OIDC Discovery §4: discover() reads oidc-provider\'s metadata and checks its issuer', async () => {
    const as = await discover(issuer)
    expect(as.issuer).toBe(issuer)
    expect(as.token_endpoint).toBe(`${issuer}/token`)
    expect(as.authorization_response_iss_parameter_supported).toBe(true)
    await expectValidationError(discover(issuer.replace('127.0.0.1', 'localhost')), 'issuer_mismatch')
  })

  it('OIDC Core §3.1.3.7 + RFC 7636: the authorization code flow yields a validated ID token; UserInfo sub is checked', async () => {
    const tokens = await signIn('alice')
    expect(tokens.claims).toMatchObject({ iss: issuer, aud: 'rp', sub: 'alice' })
    expect(tokens.refreshToken).toEqual(expect.any(String))
    expect(await rp.userinfo(tokens.accessToken, 'alice')).toMatchObject({ sub: 'alice', name: 'User alice' })
    await expectValidationError(rp.userinfo(tokens.accessToken, 'bob'), 'subject_mismatch')
  })

  it('RFC 6749 §10.12 + RFC 9207: state and iss are checked on oidc-provider\'s responses too', async () => {
    const { url, transaction } = await rp.authorizationUrl()
    const callback = await authorize(url, 'alice')
    await expectValidationError(rp.handleCallback(callback, { ...transaction, state: 'other' }), 'state_mismatch')
    const noIss = new URL(callback)
    noIss.searchParams.delete('iss')
    await expectValidationError(rp.handleCallback(noIss, transaction), 'iss_missing')
    await expectValidationError(rp.handleCallback(callback, { ...transaction, nonce: 'tampered' }), 'nonce_mismatch')
    // The code was redeemed by the nonce attempt: a second use is invalid_grant.
    await expectOAuthError(rp.handleCallback(callback, transaction), 'invalid_grant', 400)
  })

  it('RFC 6749 §6 + RFC 7009: refresh works and a revoked refresh token then fails with invalid_grant', async () => {
    const tokens = await signIn('carol')
    const refreshed = await rp.refresh(tokens.refreshToken as string)
    expect(refreshed.accessToken).not.toBe(tokens.accessToken)
    expect(refreshed.claims?.sub).toBe('carol')
    await rp.revoke(refreshed.refreshToken as string, 'refresh_token')
    await expectOAuthError(rp.refresh(refreshed.refreshToken as string), 'invalid_grant', 400)
  })

  it('OIDC RP-Initiated Logout §2: logoutUrl points at oidc-provider\'s end_session_endpoint', async () => {
    const logout = await rp.logoutUrl({ idTokenHint: 'x.y.z', postLogoutRedirectUri: LOGGED_OUT, state: 's' })
    expect(`${logout.origin}${logout.pathname}`).toBe(`${issuer}/session/end`)
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(LOGGED_OUT)
  })

  it('RFC 6749 §4.4: client credentials against oidc-provider: cached, single-flight, invalid_client typed', async () => {
    const counter = countingFetch()
    const svc = createClientCredentialsClient({ issuer, clientId: 'svc', clientSecret: SVC_SECRET, fetch: counter.fetch })
    const tokens = await Promise.all(Array.from({ length: 100 }, () => svc.getToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(await svc.getToken()).toBe(tokens[0])
    expect(counter.count('/token')).toBe(1)
    const wrong = createClientCredentialsClient({ issuer, clientId: 'svc', clientSecret: 'nope' })
    await expectOAuthError(wrong.getToken(), 'invalid_client', 401)
  })
})
