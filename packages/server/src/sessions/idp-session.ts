/**
 * The IdP session: the single sign-on cookie. The cookie holds a 256-bit random value; the store
 * keeps only its SHA-256 (a leaked table lets no one sign in). HttpOnly so scripts cannot read
 * it, SameSite=Lax so it still arrives on the top-level redirect from a client to /authorize but
 * not on cross-site POSTs, Secure whenever the issuer is https.
 * No HTTP here: functions take the browser's cookies as plain data (`CookieJar`) and return the
 * cookies to set or clear (`CookieChange`); `endpoints/_pipeline/session-cookie.ts` does the I/O.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authentication
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1.2
 */
import { DEFAULT_TENANT } from '../config/tenant.js'
import type { LatchContext } from '../context.js'
import { hashHandle, randomHandle, randomId } from '../lib/random.js'
import type { SessionRecord, UserRecord } from '../storage/store.js'
import { isDisabled } from '../users/disabled.js'

export const SESSION_COOKIE = 'latch_session'

/**
 * Cookie names get the `__Host-` prefix whenever the issuer is https at the root path: the
 * browser then refuses the cookie unless it is Secure, host-only and Path=/, so a sibling
 * subdomain cannot plant or overwrite it (RFC 6265bis §4.1.3.2). A tenant other than the default
 * (issue 11) has its id in its cookies' names too: a path tenant shares its host with others, and
 * a browser sends a cookie of Path=/ to every path, so no tenant reads a cookie another set.
 */
export function cookieName(ctx: LatchContext, base: string): string {
  const o = cookieOptions(ctx)
  const name = ctx.tenant === DEFAULT_TENANT ? base : `${base}_${ctx.tenant}`
  return o.secure && o.path === '/' ? `__Host-${name}` : name
}

export interface CookieOptions {
  httpOnly: true
  sameSite: 'lax'
  secure: boolean
  path: string
}

export function cookieOptions(ctx: LatchContext): CookieOptions {
  const issuer = new URL(ctx.config.issuer)
  return { httpOnly: true, sameSite: 'lax', secure: issuer.protocol === 'https:', path: issuer.pathname.replace(/\/?$/, '/') }
}

/** The request's cookies by name, as the browser sent them. */
export type CookieJar = Readonly<Record<string, string | undefined>>

/** A cookie the response must set (with its lifetime) or clear. */
export type CookieChange =
  | { name: string; value: string; options: CookieOptions & { maxAge: number } }
  | { name: string; clear: true; options: CookieOptions }

/** The value of this browser's session cookie, if it sent one of a plausible length. */
function sessionCookieValue(ctx: LatchContext, cookies: CookieJar): string | undefined {
  const value = cookies[cookieName(ctx, SESSION_COOKIE)]
  return value && value.length <= 200 ? value : undefined
}

export interface ActiveSession {
  session: SessionRecord
  user: UserRecord
}

/** The signed-in user of this browser, or null (no cookie, expired, or the user was deleted or disabled). */
export async function currentSession(ctx: LatchContext, cookies: CookieJar): Promise<ActiveSession | null> {
  const value = sessionCookieValue(ctx, cookies)
  if (value === undefined) return null
  const active = await ctx.store.sessions.getWithUser(hashHandle(value), ctx.clock.now())
  // Issue 14: disabling ends every session; this holds even for one a racing sign-in left behind.
  return active === null || isDisabled(active.user) ? null : active
}

/**
 * A fresh cookie value at every sign-in (a planted cookie never becomes a signed-in one). When the
 * browser already holds a live session of the same user (re-authentication: `prompt=login`,
 * `max_age`), that session is renewed and keeps its id (`sid`), so what the user's clients were
 * issued within it stays in it; a session of another user, or an expired one, ends (`endSession`'s
 * rules) and a new session with a new `sid` starts.
 *
 * `user` is the row the password was checked against: a new session is written only while its
 * `password_hash` is still the stored one (one conditional INSERT), so a password change that
 * commits while this sign-in is in flight cannot leave a session behind it (issue 8). Null then,
 * with nothing written and no cookie to set. A renewal needs no such check: a password change with
 * sign-out deletes the session first, and the renewal's UPDATE then finds nothing.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#ClaimsContents
 */
export async function startSession(
  ctx: LatchContext,
  cookies: CookieJar,
  user: UserRecord,
  amr: string[],
  /**
   * When the user authenticated, if before now: a federated sign-in's upstream `auth_time`, so a
   * later `max_age` is measured from the real authentication, not from the hop through Latch.
   */
  authTime?: number,
  /** Issue 13: the browser's User-Agent, as stored (`rules/user-agent.ts`), for "Active sessions". */
  userAgent: string | null = null,
): Promise<{ session: SessionRecord; cookie: CookieChange } | null> {
  // Issue 14: every way of signing in ends here; a disabled user gets no session (the insert re-checks it).
  if (isDisabled(user)) return null
  const previous = sessionCookieValue(ctx, cookies)
  const now = ctx.clock.now()
  const value = randomHandle()
  const next = { session_hash: hashHandle(value), user_id: user.id, auth_time: Math.min(now, authTime ?? now), amr, expires_at: now + ctx.config.sessions.ttl }
  const held = previous !== undefined ? hashHandle(previous) : null
  let session = held === null ? null : await ctx.store.sessions.renew(held, next, now)
  if (session === null) {
    if (held !== null) {
      const ended = await ctx.store.sessions.end(held, now)
      if (ended) ctx.events.emit('session.ended', { session_id: ended.id, user_id: ended.user_id })
    }
    session = { ...next, id: randomId(), created_at: now, user_agent: userAgent }
    // One statement with the write: the password is still the one checked, and nobody disabled the user meanwhile.
    const checked = { enabledUser: user.id, ...(user.password_hash !== null && { passwordHash: { userId: user.id, hash: user.password_hash } }) }
    if (!(await ctx.store.sessions.insert(session, checked))) return null
  }
  ctx.events.emit('login.succeeded', { user_id: user.id, session_id: session.id })
  return { session, cookie: { name: cookieName(ctx, SESSION_COOKIE), value, options: { ...cookieOptions(ctx), maxAge: ctx.config.sessions.ttl } } }
}

/**
 * Signs the browser out: ends its session. Ending a session also revokes what was issued within
 * it, except grants with `offline_access` (OIDC Core §11: access while the user is "not present
 * (not logged in)"); see `store.sessions.end`. The cookie is cleared whatever happens
 * (`sessionCookieCleared`), before this runs.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function endSession(ctx: LatchContext, cookies: CookieJar): Promise<SessionRecord | null> {
  const value = sessionCookieValue(ctx, cookies)
  if (value === undefined) return null
  const session = await ctx.store.sessions.end(hashHandle(value), ctx.clock.now())
  if (session) ctx.events.emit('session.ended', { session_id: session.id, user_id: session.user_id })
  return session
}

/** The change that removes the session cookie from the browser. */
export function sessionCookieCleared(ctx: LatchContext): CookieChange {
  return { name: cookieName(ctx, SESSION_COOKIE), clear: true, options: cookieOptions(ctx) }
}
