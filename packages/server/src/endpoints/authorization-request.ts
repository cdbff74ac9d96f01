/**
 * Validation rules of the authorization request, in the order that decides where errors go
 * (oidc-provider's check_client → check_redirect_uri → … pipeline):
 * 1. `client_id` and `redirect_uri` are checked first; until both are good every error is shown
 *    on an HTML page and never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.1.3);
 * 2. everything else is an error redirected to the client (with `state` and `iss`).
 * Redirect URIs match registered ones exactly, except that a registered loopback IP URI of a
 * native app (a public client) matches any port (RFC 8252 §7.3).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
import type { LatchConfig } from '../config/schema.js'
import {
  InvalidRequestError,
  RequestNotSupportedError,
  RequestUriNotSupportedError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../errors.js'
import { resolveScope } from '../grants/scope.js'
import { resolveResource } from '../rules/resource.js'
import type { ClientRecord } from '../storage/store.js'
import { URI_CHARACTERS, matchRedirectUri } from '../rules/redirect-uri.js'
import type { ResponseMode } from './_pipeline/authorization-response.js'

export const PROMPTS = ['none', 'login', 'consent', 'select_account'] as const
export type Prompt = (typeof PROMPTS)[number]

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
}

/** Longest `state` and `nonce` accepted: they are stored with pending interactions and codes. */
export const MAX_STATE_LENGTH = 2048

const CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/
/** Every response_type registered with IANA that Latch knows and refuses (implicit/hybrid: RFC 9700 §2.1.2). */
const KNOWN_RESPONSE_TYPES = new Set(['code', 'token', 'id_token', 'none'])

/** Step 1: the redirect URI to use, or null when it cannot be trusted (→ HTML error page). */
export function checkRedirectUri(client: ClientRecord, requested: string | undefined, isOpenId: boolean): { uri: string } | { error: string } {
  if (requested === undefined) {
    // RFC 6749 §3.1.2.3 allows omitting it with a single registered URI; OIDC Core §3.1.2.1 does not.
    if (!isOpenId && client.redirect_uris.length === 1) return { uri: client.redirect_uris[0] as string }
    return { error: 'The request has no redirect_uri.' }
  }
  if (!URI_CHARACTERS.test(requested)) return { error: 'The redirect_uri of this request contains characters a URI cannot have.' }
  const native = client.token_endpoint_auth_method === 'none'
  for (const registered of client.redirect_uris) {
    const uri = matchRedirectUri(registered, requested, native)
    if (uri !== null) return { uri }
  }
  return { error: 'The redirect_uri of this request is not registered for this application.' }
}

function checkResponseType(responseType: string | undefined, client: ClientRecord): void {
  if (responseType === undefined) throw new InvalidRequestError('response_type is missing')
  if (responseType !== 'code') {
    const known = responseType.split(' ').every((t) => KNOWN_RESPONSE_TYPES.has(t))
    throw new UnsupportedResponseTypeError(
      known ? `response_type ${responseType} is not supported: use code with PKCE (RFC 9700 §2.1.2)` : 'response_type is not supported',
    )
  }
  if (!client.grant_types.includes('authorization_code')) {
    throw new UnauthorizedClientError('this client may not use the authorization code flow')
  }
}

function checkPrompt(prompt: string | undefined): Prompt[] {
  if (prompt === undefined) return []
  const values = [...new Set(prompt.split(' ').filter(Boolean))]
  for (const v of values) if (!(PROMPTS as readonly string[]).includes(v)) throw new InvalidRequestError(`prompt value ${JSON.stringify(v.slice(0, 40))} is not supported`)
  if (values.includes('none') && values.length > 1) throw new InvalidRequestError('prompt=none cannot be combined with other values (OIDC Core §3.1.2.1)')
  return values as Prompt[]
}

function checkMaxAge(maxAge: string | undefined): number | undefined {
  if (maxAge === undefined) return undefined
  if (!/^\d{1,10}$/.test(maxAge)) throw new InvalidRequestError('max_age must be a non-negative integer number of seconds')
  return Number(maxAge)
}

function checkPkce(params: Readonly<Record<string, string>>, client: ClientRecord, config: LatchConfig): { code_challenge?: string; code_challenge_method?: string } {
  const challenge = params.code_challenge
  const method = params.code_challenge_method
  if (challenge === undefined) {
    if (method !== undefined) throw new InvalidRequestError('code_challenge_method without code_challenge')
    if (client.token_endpoint_auth_method === 'none') throw new InvalidRequestError('PKCE is required for public clients: send code_challenge with S256 (RFC 9700 §2.1.1)')
    if (config.security.require_pkce) throw new InvalidRequestError('PKCE is required: send code_challenge with S256')
    return {}
  }
  // RFC 7636 §4.3: an absent method means plain.
  const effective = method ?? 'plain'
  if (effective !== 'S256' && !(effective === 'plain' && config.security.allow_pkce_plain)) {
    throw new InvalidRequestError('code_challenge_method must be S256 (plain is not accepted, RFC 9700 §2.1.1)')
  }
  if (!CHALLENGE.test(challenge) || (effective === 'S256' && challenge.length !== 43)) {
    throw new InvalidRequestError('code_challenge is malformed (RFC 7636 §4.2)')
  }
  return { code_challenge: challenge, code_challenge_method: effective }
}

/** Step 2: everything after the redirect URI is trusted; errors thrown here are redirected. */
export function validateAuthorizationRequest(
  params: Readonly<Record<string, string>>,
  client: ClientRecord,
  redirectUri: string,
  config: LatchConfig,
): AuthorizationRequest {
  if (params.request !== undefined) throw new RequestNotSupportedError()
  if (params.request_uri !== undefined) throw new RequestUriNotSupportedError()
  checkResponseType(params.response_type, client)
  const resource = resolveResource(params, client, config)
  const scope = resolveScope(params.scope, client, config, resource)
  const prompt = checkPrompt(params.prompt)
  const maxAge = checkMaxAge(params.max_age)
  const pkce = checkPkce(params, client, config)
  const request: AuthorizationRequest = {
    client_id: client.client_id,
    redirect_uri: redirectUri,
    redirect_uri_sent: params.redirect_uri !== undefined,
    response_mode: params.response_mode === 'form_post' ? 'form_post' : 'query',
    scope: scope.join(' '),
    resource,
    prompt,
    ...pkce,
  }
  if (params.state !== undefined && params.state.length > MAX_STATE_LENGTH) throw new InvalidRequestError(`state must be at most ${MAX_STATE_LENGTH} characters`)
  if (params.nonce !== undefined && params.nonce.length > MAX_STATE_LENGTH) throw new InvalidRequestError(`nonce must be at most ${MAX_STATE_LENGTH} characters`)
  // The nonce is a column of the code row, and PostgreSQL text cannot hold U+0000 (an error, 500).
  if (params.nonce?.includes('\u0000')) throw new InvalidRequestError('nonce must not contain NUL characters')
  if (params.state !== undefined) request.state = params.state
  if (params.nonce !== undefined) request.nonce = params.nonce
  if (maxAge !== undefined) request.max_age = maxAge
  if (params.login_hint !== undefined) request.login_hint = params.login_hint.slice(0, 320)
  return request
}

export function checkResponseMode(mode: string | undefined): ResponseMode | null {
  if (mode === undefined || mode === 'query') return 'query'
  if (mode === 'form_post') return 'form_post'
  return null
}
