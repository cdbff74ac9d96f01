/**
 * Issue 12: a sign-in at an upstream, from its start to its callback, bound to the browser that
 * started it. The browser holds a 256-bit value B in the `latch_upstream` cookie (HttpOnly,
 * SameSite=Lax, the issuer's path, `sessions.upstream_login_ttl`); the store keeps only hashes of
 * `state` and of B. The PKCE verifier and the nonce are not stored at all but derived from B and the
 * state (HMAC-SHA256), so a dump of the database finishes no sign-in, and a browser without B
 * (a stolen `state`, a forged callback, another browser) can neither take the row nor compute them.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
import { createHmac } from 'node:crypto'
import { generateRandomState } from 'oauth4webapi'
import type { LatchContext } from '../context.js'
import { hashHandle, randomHandle } from '../lib/random.js'
import { connectionCallbackUrl } from '../rules/connection-presets.js'
import { cookieName, cookieOptions, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { UpstreamLoginRecord } from '../storage/store.js'

export const UPSTREAM_COOKIE = 'latch_upstream'
/** Pending upstream logins kept per interaction (or per user, linking): the oldest goes beyond it. */
export const UPSTREAM_LOGINS_PER_OWNER = 5

const B64U = /^[A-Za-z0-9_-]{43}$/

function derive(browser: string, label: string, state: string): string {
  return createHmac('sha256', browser).update(`${label}\0${state}`).digest('base64url')
}

/** The browser's binding value, if it sent a well-formed one. */
function browserValue(ctx: LatchContext, cookies: CookieJar): string | undefined {
  const value = cookies[cookieName(ctx, UPSTREAM_COOKIE)]
  return value !== undefined && B64U.test(value) ? value : undefined
}

export interface StartedUpstreamLogin {
  state: string
  codeVerifier: string
  nonce: string
  redirectUri: string
  cookie: CookieChange
}

/** Records a new upstream login for this browser (a cookie set or refreshed) and returns what the authorization request needs. */
export async function startUpstreamLogin(
  ctx: LatchContext,
  cookies: CookieJar,
  login: Pick<UpstreamLoginRecord, 'connection_id' | 'purpose' | 'interaction_id' | 'user_id' | 'session_id'>,
): Promise<StartedUpstreamLogin> {
  const browser = browserValue(ctx, cookies) ?? randomHandle()
  const state = generateRandomState()
  const now = ctx.clock.now()
  const ttl = ctx.config.sessions.upstream_login_ttl
  await ctx.store.upstreamLogins.insert(
    { ...login, state_hash: hashHandle(state), browser_hash: hashHandle(browser), response_params: null, created_at: now, expires_at: now + ttl },
    UPSTREAM_LOGINS_PER_OWNER,
  )
  return {
    state,
    codeVerifier: derive(browser, 'pkce', state),
    nonce: derive(browser, 'nonce', state),
    redirectUri: connectionCallbackUrl(ctx.config.issuer, login.connection_id),
    cookie: { name: cookieName(ctx, UPSTREAM_COOKIE), value: browser, options: { ...cookieOptions(ctx), maxAge: ttl } },
  }
}

/** The upstream login `state` names, taken once, only by the browser that started it; null otherwise. */
export async function takeUpstreamLogin(
  ctx: LatchContext,
  state: string | undefined,
  cookies: CookieJar,
): Promise<{ login: UpstreamLoginRecord; codeVerifier: string; nonce: string; redirectUri: string } | null> {
  const browser = browserValue(ctx, cookies)
  if (browser === undefined || state === undefined || state.length === 0 || state.length > 512) return null
  const login = await ctx.store.upstreamLogins.take(hashHandle(state), hashHandle(browser), ctx.clock.now())
  if (login === null) return null
  return {
    login,
    codeVerifier: derive(browser, 'pkce', state),
    nonce: derive(browser, 'nonce', state),
    redirectUri: connectionCallbackUrl(ctx.config.issuer, login.connection_id),
  }
}

/** The authorization response parameters a form_post stash keeps (Apple sends `user` once, with the name). */
export const STASHED_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'user'] as const
/** Bytes (names and values, UTF-8) a stash may hold: Apple's answer is far below it. */
export const MAX_STASH_BYTES = 4096

export type StashOutcome = 'stashed' | 'too_large' | 'refused'

/**
 * form_post: the response parameters, stashed for the browser's GET (which carries the Lax cookie).
 * The POST is anonymous — cross-site, without the `latch_upstream` cookie — so what it may store is
 * narrow: only for a connection whose response mode is form_post (the caller checks), only under a
 * pending login of that same connection, only the parameters the callback reads, at most
 * `MAX_STASH_BYTES`, and once (a second POST for the state changes nothing).
 *
 * What someone who learned a victim's `state` can still do: POST first, with a code of their own.
 * The stash is still taken only by the victim's browser (state hash and `latch_upstream` hash
 * together), and the code is redeemed with the PKCE verifier derived from the victim's cookie, so a
 * code the attacker obtained through an authorization request of their own (another
 * `code_challenge`) fails at the upstream's token endpoint (RFC 7636 §4.6), and its ID token would
 * carry another nonce. What remains is an attacker who makes their own upstream session answer the
 * victim's authorization request itself (the victim's URL, with the victim's challenge, opened in
 * the attacker's browser): that is login CSRF at the upstream, beyond what Latch can tell apart, and
 * with form_post it is only possible for the form_post connections (Apple) — every other connection
 * is refused here, and its query answer must come from the browser that carries the cookie.
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 */
export async function stashUpstreamResponse(ctx: LatchContext, connectionId: string, params: Record<string, string>): Promise<StashOutcome> {
  const state = params.state
  if (state === undefined || state.length === 0 || state.length > 512) return 'refused'
  const kept: Record<string, string> = {}
  let bytes = 0
  for (const name of STASHED_PARAMS) {
    const value = params[name]
    if (value === undefined) continue
    kept[name] = value
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value)
  }
  if (bytes > MAX_STASH_BYTES) return 'too_large'
  return (await ctx.store.upstreamLogins.stash(hashHandle(state), connectionId, kept, ctx.clock.now())) ? 'stashed' : 'refused'
}

/**
 * The authorization response a taken login is finished with: its stash (form_post), or the GET's own
 * query. A GET that brings a `code` or an `error` of its own while a stash exists is refused (null):
 * one of the two answers is not the upstream's, and neither is trusted.
 */
export function callbackParamsOf(login: UpstreamLoginRecord, query: URLSearchParams): URLSearchParams | null {
  if (login.response_params === null) return query
  if (query.has('code') || query.has('error')) return null
  return new URLSearchParams(login.response_params)
}
