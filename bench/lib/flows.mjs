/**
 * The browser and client steps of the code-flow scenarios, the same code for both servers: a
 * server is described by its base URL and its endpoint paths (Latch: /authorize, /token,
 * /introspect; oidc-provider: /auth, /token, /token/introspection). Every step checks what it
 * got, so a scenario measures successful round trips only.
 */
import { FORM, browse, form, pkce, request } from './http.mjs'
import { ACCESS_TOKEN_TYPE, ORG_WEB, SERVICE, TOKEN_EXCHANGE, USER, WEB, basic } from './fixtures.mjs'

export class FlowError extends Error {}

function authorizeUrl(target, challenge) {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: WEB.client_id,
    redirect_uri: WEB.redirect_uri,
    scope: WEB.scope,
    state: 'bench-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })
  return `${target.url}${target.paths.authorization}?${q}`
}

function codeFrom(location) {
  const u = new URL(location)
  const code = u.searchParams.get('code')
  if (!code) throw new FlowError(`redirect without a code: ${u.searchParams.get('error')} ${u.searchParams.get('error_description') ?? ''}`)
  if (u.searchParams.get('state') !== 'bench-state') throw new FlowError('state was not returned')
  return code
}

const attr = (html, re) => re.exec(html)?.[1]?.replace(/&amp;/g, '&')

/**
 * Drives the user agent from the authorization request to the code: follows the server's own
 * redirects and fills the sign-in form (and, for Latch's first authorization, the consent form)
 * it is shown. Returns the code and how many HTTP requests it took.
 */
export async function authorizeToCode(agent, jar, target, { allowLogin = true, maxSteps = 10 } = {}) {
  const { verifier, challenge } = pkce()
  let url = authorizeUrl(target, challenge)
  let init = {}
  for (let step = 1; step <= maxSteps; step++) {
    const res = await browse(agent, jar, url, init)
    init = {}
    if (res.status >= 300 && res.status < 400) {
      const location = new URL(res.headers.location, url).href
      if (location.startsWith(WEB.redirect_uri)) return { code: codeFrom(location), verifier, steps: step }
      url = location
      continue
    }
    if (res.status !== 200) throw new FlowError(`${url} answered ${res.status}: ${res.body.slice(0, 200)}`)
    const action = attr(res.body, /<form[^>]*action="([^"]+)"/)
    if (!action) throw new FlowError(`${url}: a page without a form`)
    const csrf = attr(res.body, /name="csrf" value="([^"]+)"/)
    let fields
    if (res.body.includes('name="password"')) {
      if (!allowLogin) throw new FlowError('the session was not recognised: sign-in page shown')
      fields = { email: USER.email, password: USER.password }
    } else if (res.body.includes('name="decision"')) {
      fields = { decision: 'allow' }
    } else {
      throw new FlowError(`${url}: unknown form`)
    }
    if (csrf) fields.csrf = csrf
    url = new URL(action, url).href
    init = { method: 'POST', headers: { 'content-type': FORM }, body: form(fields) }
  }
  throw new FlowError('too many steps before the code')
}

async function tokenRequest(agent, target, client, params) {
  const res = await request(agent, `${target.url}${target.paths.token}`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(client), accept: 'application/json' },
    body: form(params),
  })
  if (res.status !== 200) throw new FlowError(`token endpoint answered ${res.status}: ${res.body.slice(0, 300)}`)
  return JSON.parse(res.body)
}

/** The code exchange; both servers must return an access, refresh and ID token. */
export async function exchangeCode(agent, target, code, verifier) {
  const body = await tokenRequest(agent, target, WEB, { grant_type: 'authorization_code', code, redirect_uri: WEB.redirect_uri, code_verifier: verifier })
  if (!body.access_token || !body.refresh_token || !body.id_token) throw new FlowError(`code exchange lacks a token: ${Object.keys(body)}`)
  return body
}

export async function refresh(agent, target, refreshToken, client = WEB) {
  const body = await tokenRequest(agent, target, client, { grant_type: 'refresh_token', refresh_token: refreshToken })
  if (!body.access_token || !body.refresh_token || body.refresh_token === refreshToken) throw new FlowError('refresh did not rotate')
  return body
}

/**
 * The organization scenarios' grant (Latch only, issue 10): the password grant for ORG_WEB with
 * `organization=acme`; the tokens must say so.
 */
export async function organizationGrant(agent, target) {
  const body = await tokenRequest(agent, target, ORG_WEB, { grant_type: 'password', username: USER.email, password: USER.password, scope: ORG_WEB.scope, organization: ORG_WEB.organization })
  if (!body.refresh_token || jwtPayload(body.access_token).org_id !== ORG_WEB.organization) throw new FlowError('the password grant gave no token of the organization')
  return body
}

/** The token exchange request of the organization scenarios: the subject's access token, for acme. */
export function organizationExchangeParams(accessToken) {
  return { grant_type: TOKEN_EXCHANGE, subject_token: accessToken, subject_token_type: ACCESS_TOKEN_TYPE, organization: ORG_WEB.organization }
}

export async function organizationExchange(agent, target, accessToken) {
  const body = await tokenRequest(agent, target, ORG_WEB, organizationExchangeParams(accessToken))
  if (body.issued_token_type !== ACCESS_TOKEN_TYPE || jwtPayload(body.access_token).org_id !== ORG_WEB.organization) throw new FlowError(`unexpected exchange answer: ${JSON.stringify(body).slice(0, 200)}`)
  return body
}

export async function clientCredentials(agent, target) {
  const body = await tokenRequest(agent, target, SERVICE, { grant_type: 'client_credentials', scope: SERVICE.scope })
  if (!body.access_token) throw new FlowError('no access token')
  return body
}

export async function introspect(agent, target, client, token) {
  const res = await request(agent, `${target.url}${target.paths.introspection}`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(client), accept: 'application/json' },
    body: form({ token }),
  })
  if (res.status !== 200) throw new FlowError(`introspection answered ${res.status}: ${res.body.slice(0, 300)}`)
  return JSON.parse(res.body)
}

/** The claims of a compact JWT (not verified: the scenarios only check what they were given). */
export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
}

/** The JOSE header of a compact JWT, to check which alg a server really signed with. */
export function jwtHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'))
}
