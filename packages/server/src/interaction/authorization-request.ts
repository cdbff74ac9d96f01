/**
 * The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1): its model and the named checks
 * that build it, one function per rule, run in order by the authorization endpoint's step table
 * (as oidc-provider's check_client → check_redirect_uri → … actions). The order decides where
 * errors go:
 * 1. `client_id` and `redirect_uri` are checked first; until both are good every error is shown
 *    on an HTML page and never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.1.3);
 * 2. `checkResponseMode` fixes the redirect target; every later error is redirected to the client
 *    (with `state` and `iss`).
 * Each check reads the raw or de-duplicated parameters from the state and records what it
 * established; the last ones (`authorization-decision.ts`) decide what happens next.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
import type { LatchContext } from '../context.js'
import {
  InvalidRequestError,
  InvalidTargetError,
  RequestNotSupportedError,
  RequestUriNotSupportedError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../errors.js'
import { selectedOrganization } from '../rules/organization.js'
import { resolveScopeRequest } from '../rules/scope.js'
import { checkCodeChallenge, type CodeChallengeMethod } from '../rules/pkce.js'
import { parseUiLocales } from '../rules/locale.js'
import { parseMaxAge, parsePrompt, type Prompt } from '../rules/prompt.js'
import { resolveRedirectUri } from '../rules/redirect-uri.js'
import { resolveResource } from '../rules/resource.js'
import type { ActiveSession, CookieJar } from '../sessions/idp-session.js'
import type { ClientRecord } from '../storage/store.js'
import { verifyIdTokenHint } from '../tokens/id-token-hint.js'
import type { GrantedScope } from './granted-scope.js'
import type { OrganizationStep } from './organization-step.js'
import { LOCALES } from './views/locales.js'
import type { Outcome, RedirectTarget, ResponseMode } from './outcome.js'

/** The validated request, stored as the interaction's params (JSON). */
export interface AuthorizationRequest {
  client_id: string
  /** Where the response goes (the registered URI when the parameter was omitted). */
  redirect_uri: string
  /** RFC 6749 §4.1.3: the token request must repeat redirect_uri only when it was sent. */
  redirect_uri_sent: boolean
  response_mode: ResponseMode
  state?: string
  scope: string
  resource: string | null
  nonce?: string
  code_challenge?: string
  code_challenge_method?: string
  prompt: Prompt[]
  max_age?: number
  login_hint?: string
  /** `sub` of a verified `id_token_hint`: the user the client expects (OIDC Core §3.1.2.1). */
  id_token_hint_sub?: string
  /** Issue 10: the organization the request selects (`organization:<id>` scope or `organization` parameter). */
  organization?: string
  /** Issue 10: the template-shaped scopes asked (`read:organization:acme`), granted per user once known. */
  dynamic_scope?: string[]
  /** Issue 10: the organization the user chose on the picker (interaction/organization-step.ts). */
  organization_chosen?: string
  /** OIDC Core §3.1.2.1: the supported page languages `ui_locales` asked for, most preferred first. */
  ui_locales?: string[]
  /** Issue 13, OIDC Core §3.1.2.1: `acr_values` as sent (bounded); read by rules/acr.ts `requestedAcr`. */
  acr_values?: string
}

/** Parameters as parsed from the query or form: a repeated parameter is an array. */
export type RequestParams = Readonly<Record<string, string | string[] | undefined>>

/** What the checks have established so far; each step reads what earlier ones recorded. */
export interface AuthorizationState {
  readonly ctx: LatchContext
  readonly raw: RequestParams
  /** The browser's address (bounds on pending interactions) and cookies (its IdP session). */
  readonly ip: string
  readonly cookies: CookieJar
  /** Issue 13: the browser's User-Agent header, kept (bounded) with the session a sign-in starts. */
  readonly userAgent?: string | undefined
  client?: ClientRecord
  /** The verified redirect URI. */
  redirectUri?: string
  /** Set once errors may be redirected: client and redirect URI are verified. */
  target?: RedirectTarget
  /** Single-valued parameters, once duplicates are rejected (RFC 6749 §3.1). */
  params?: Readonly<Record<string, string>>
  resource?: string | null
  scope?: string[]
  /** Issue 10: the `organization:` scope values and the template-shaped ones asked (`resolveScopeRequest`). */
  organizationScopes?: readonly string[]
  dynamicScope?: readonly string[]
  /** Issue 10: the selected organization id; null: none. */
  organization?: string | null
  prompt?: Prompt[]
  maxAge?: number
  pkce?: { code_challenge?: string; code_challenge_method?: CodeChallengeMethod }
  request?: AuthorizationRequest
  session?: ActiveSession | null
  loginNeeded?: boolean
  /** Issue 10: the organization step once the user is known (interaction/organization-step.ts). */
  organizationStep?: OrganizationStep
  /** The concrete scope, once the organization is settled (interaction/granted-scope.ts). */
  grant?: GrantedScope
  consentNeeded?: boolean
  /** Issue 13: the session must pass a second factor first (policy, the user's own, `acr_values`). */
  secondFactorNeeded?: boolean
  /** What to send; the step that sets it ends the table. */
  outcome?: Outcome
}

/** One named rule of the authorization endpoint; it throws an `OAuthError` to reject. */
export type AuthorizationStep = (state: AuthorizationState) => void | Promise<void>

/** Longest `state` and `nonce` accepted: they are stored with pending interactions and codes. */
export const MAX_STATE_LENGTH = 2048

/** Every response_type registered with IANA that Latch knows and refuses (implicit/hybrid: RFC 9700 §2.1.2). */
const KNOWN_RESPONSE_TYPES = new Set(['code', 'token', 'id_token', 'none'])

/** A value an earlier step established; a missing one is a bug in the step table's order. */
export function established<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`authorization step table: ${what} is used before it is checked`)
  return value
}

/** A parameter that must appear once; before the client is trusted a repeat is an error page. */
function single(raw: RequestParams, name: string): string | undefined {
  const value = raw[name]
  if (Array.isArray(value)) throw new InvalidRequestError(`The parameter ${name} was included more than once.`)
  return value === '' ? undefined : value
}

/** RFC 6749 §4.1.1: client_id names a registered client (an error page otherwise, §4.1.2.1). */
export async function checkClient(s: AuthorizationState): Promise<void> {
  const clientId = single(s.raw, 'client_id')
  if (!clientId || clientId.length > 255) throw new InvalidRequestError('The request has no valid client_id.')
  const client = await s.ctx.clients.get(clientId)
  if (!client) throw new InvalidRequestError('This application is not registered (unknown client_id).')
  s.client = client
}

/** RFC 6749 §4.1.2.1: an unverified redirect URI is an error page, never a redirect. */
export function checkRedirectUri(s: AuthorizationState): void {
  const client = established(s.client, 'client')
  const scope = typeof s.raw.scope === 'string' ? s.raw.scope : undefined
  const match = resolveRedirectUri(client, single(s.raw, 'redirect_uri'), (scope ?? client.scope).split(' ').includes('openid'))
  if ('error' in match) throw new InvalidRequestError(match.error)
  s.redirectUri = match.uri
}

/** `query` (the default) or `form_post`; null for anything else. */
export function responseModeOf(mode: string | undefined): ResponseMode | null {
  if (mode === undefined || mode === 'query') return 'query'
  if (mode === 'form_post') return 'form_post'
  return null
}

/**
 * OAuth 2.0 Multiple Response Type Encoding Practices §2.1 / Form Post Response Mode: where errors
 * go from here on. An unsupported mode is itself redirected, in the default `query` mode. A state
 * we will not accept is not echoed either (it could be a duplicate or a 16 kB blob).
 */
export function checkResponseMode(s: AuthorizationState): void {
  const mode = responseModeOf(typeof s.raw.response_mode === 'string' ? s.raw.response_mode : undefined)
  const state = typeof s.raw.state === 'string' && s.raw.state !== '' && s.raw.state.length <= MAX_STATE_LENGTH ? s.raw.state : undefined
  s.target = { redirect_uri: established(s.redirectUri, 'redirect_uri'), response_mode: mode ?? 'query', state, issuer: s.ctx.config.issuer }
  if (mode === null) throw new InvalidRequestError('response_mode must be query or form_post')
}

/** RFC 8707 §2 allows several resources; Latch issues a token for one audience. */
export function rejectMultipleResources(s: AuthorizationState): void {
  if (Array.isArray(s.raw.resource)) throw new InvalidTargetError('only one resource may be requested at a time')
}

/** OIDC Core §6: request objects (by value or by reference) are not supported. */
export function rejectRequestObjects(s: AuthorizationState): void {
  const params = established(s.params, 'params')
  if (params.request !== undefined) throw new RequestNotSupportedError()
  if (params.request_uri !== undefined) throw new RequestUriNotSupportedError()
}

/** RFC 6749 §4.1.1, §4.1.2.1: response_type=code only, by a client registered for the code grant. */
export function checkResponseType(s: AuthorizationState): void {
  const responseType = established(s.params, 'params').response_type
  if (responseType === undefined) throw new InvalidRequestError('response_type is missing')
  if (responseType !== 'code') {
    const known = responseType.split(' ').every((t) => KNOWN_RESPONSE_TYPES.has(t))
    throw new UnsupportedResponseTypeError(
      known ? `response_type ${responseType} is not supported: use code with PKCE (RFC 9700 §2.1.2)` : 'response_type is not supported',
    )
  }
  if (!established(s.client, 'client').grant_types.includes('authorization_code')) {
    throw new UnauthorizedClientError('this client may not use the authorization code flow')
  }
}

/** RFC 8707 §2: the one resource the token will be for (or the client's default, or none). */
export function checkResource(s: AuthorizationState): void {
  s.resource = resolveResource(established(s.params, 'params'), established(s.client, 'client'), s.ctx.config)
}

/**
 * RFC 6749 §3.3: the granted static scope (unknown values ignored, unregistered ones
 * invalid_scope); `organization:` values and template-shaped ones are kept apart for the steps
 * that know the user (issue 10).
 */
export function checkScope(s: AuthorizationState): void {
  // Issue 14: the admin scopes pass here; the user's admin roles decide them once signed in (granted-scope.ts).
  const request = resolveScopeRequest(established(s.params, 'params').scope, established(s.client, 'client'), s.ctx.config, established(s.resource, 'resource'), { adminScopes: true })
  s.scope = [...request.scope]
  s.organizationScopes = request.organizations
  s.dynamicScope = request.dynamic
}

/**
 * Issue 10: the organization the request selects, by `organization:<id>` in the scope or the
 * `organization` parameter; two different ones, or an id outside `[a-z0-9-]{1,64}`, are
 * `invalid_request` (rules/organization.ts). Any client may select one: membership decides later.
 */
export function checkOrganization(s: AuthorizationState): void {
  s.organization = selectedOrganization(established(s.organizationScopes, 'organization scopes'), established(s.params, 'params').organization)
}

/** OIDC Core §3.1.2.1: prompt values; `none` alone. */
export function checkPrompt(s: AuthorizationState): void {
  s.prompt = parsePrompt(established(s.params, 'params').prompt)
}

/** OIDC Core §3.1.2.1: max_age in whole seconds. */
export function checkMaxAge(s: AuthorizationState): void {
  const maxAge = parseMaxAge(established(s.params, 'params').max_age)
  if (maxAge !== undefined) s.maxAge = maxAge
}

/** RFC 7636 §4.3, RFC 9700 §2.1.1: the code challenge, under the client's and the deployment's PKCE policy. */
export function checkPkce(s: AuthorizationState): void {
  const params = established(s.params, 'params')
  const { security } = s.ctx.config
  s.pkce = checkCodeChallenge(params.code_challenge, params.code_challenge_method, {
    publicClient: established(s.client, 'client').token_endpoint_auth_method === 'none',
    requirePkce: security.require_pkce,
    allowPlain: security.allow_pkce_plain,
  })
}

/** RFC 6749 §4.1.1: state is opaque, but bounded: it is stored with the interaction. */
export function checkState(s: AuthorizationState): void {
  const state = established(s.params, 'params').state
  if (state !== undefined && state.length > MAX_STATE_LENGTH) throw new InvalidRequestError(`state must be at most ${MAX_STATE_LENGTH} characters`)
}

/** OIDC Core §3.1.2.1: nonce is opaque, bounded, and storable (a column of the code row). */
export function checkNonce(s: AuthorizationState): void {
  const nonce = established(s.params, 'params').nonce
  if (nonce !== undefined && nonce.length > MAX_STATE_LENGTH) throw new InvalidRequestError(`nonce must be at most ${MAX_STATE_LENGTH} characters`)
  // PostgreSQL text cannot hold U+0000 (an error, 500).
  if (nonce?.includes('\u0000')) throw new InvalidRequestError('nonce must not contain NUL characters')
}

/** The request as stored with the interaction or bound into the code: what the checks established. */
export function buildRequest(s: AuthorizationState): void {
  const params = established(s.params, 'params')
  const request: AuthorizationRequest = {
    client_id: established(s.client, 'client').client_id,
    redirect_uri: established(s.redirectUri, 'redirect_uri'),
    redirect_uri_sent: params.redirect_uri !== undefined,
    response_mode: params.response_mode === 'form_post' ? 'form_post' : 'query',
    scope: established(s.scope, 'scope').join(' '),
    resource: established(s.resource, 'resource'),
    prompt: established(s.prompt, 'prompt'),
    ...established(s.pkce, 'pkce'),
  }
  if (params.state !== undefined) request.state = params.state
  if (params.nonce !== undefined) request.nonce = params.nonce
  if (s.maxAge !== undefined) request.max_age = s.maxAge
  if (params.login_hint !== undefined) request.login_hint = params.login_hint.slice(0, 320)
  if (params.acr_values !== undefined) request.acr_values = params.acr_values.slice(0, 1024)
  // Unsupported languages are dropped, not refused: ui_locales is a preference.
  const uiLocales = parseUiLocales(params.ui_locales, LOCALES)
  if (uiLocales.length > 0) request.ui_locales = uiLocales
  const organization = established(s.organization, 'organization')
  if (organization !== null) request.organization = organization
  const dynamic = established(s.dynamicScope, 'dynamic scope')
  if (dynamic.length > 0) request.dynamic_scope = [...dynamic]
  s.request = request
}

/** OIDC Core §3.1.2.1: an id_token_hint must be an ID token this issuer signed; its `sub` is the expected user. */
export async function checkIdTokenHint(s: AuthorizationState): Promise<void> {
  const request = established(s.request, 'request')
  const hint = established(s.params, 'params').id_token_hint
  if (hint !== undefined) request.id_token_hint_sub = (await verifyIdTokenHint(s.ctx, hint)).sub ?? ''
}
