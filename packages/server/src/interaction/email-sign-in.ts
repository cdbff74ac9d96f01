/**
 * Issue 13: passwordless sign-in by email, without HTTP: "Email me a sign-in link" and "Email me
 * a code" on the sign-in page (`passwordless.magic_link`, `passwordless.email_code`).
 *
 * - No enumeration: asking answers "check your email" at once, the same for every well-formed
 *   address. Everything that depends on the address (the mail limits, whether it has an account,
 *   the row, the mail) runs after the response (`ctx.background`), so neither the answer nor its
 *   time says whether the address has an account. An unknown address gets no mail at all (not a
 *   "no account" notice: sign-up mails its own), and neither does an account still waiting for its
 *   sign-up verification (a password chosen by whoever signed up: signing in by email would hand
 *   them an account the address's owner then uses, "pre-account hijacking").
 * - Bound to the browser that asked: the request sets `latch_email` (a random value, kept while it
 *   is valid so that two tabs can each ask), and the row holds its SHA-256 (`browser_hash`). A link
 *   opened in that browser signs in at once; in any other it only shows "Continue signing in on this
 *   device?" and the sign-in happens on that page's POST (CSRF-checked). A GET without the binding
 *   never consumes the link, so a mail scanner that fetches it spends nothing. A code is accepted
 *   only from the browser that asked.
 * - Single use, `passwordless.ttl` (10 minutes), stored hashed: a link's token is 32 random bytes
 *   and only its SHA-256 is kept; a code is 6 random digits, kept as an HMAC (key from LATCH_SECRET)
 *   over the row's id, so equal codes of two rows do not share a hash. A code dies after
 *   `CODE_MAX_ATTEMPTS` wrong guesses (counted by one conditional UPDATE before the comparison), and
 *   every failure says the same thing (wrong, expired, spent or no such request alike).
 * - Throttled: `mail.max_per_address` and `mail.max_per_source` per `mail.throttle_window` (the
 *   limits sign-up and reset mail share); past them the answer is the same and nothing is mailed.
 * - The user signs in through `completeSignIn` with `amr: ['email']` (so the MFA step applies), an
 *   organization's required connection (issue 12) is enforced as for a password, and the email
 *   becomes verified (the mail reached it).
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5 (out-of-band authenticators, §5.1.3)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
 */
import { accountOf } from '../users/login-throttle.js'
import { randomInt } from 'node:crypto'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import { keyedMac } from '../lib/keyed-mac.js'
import { hashHandle, randomHandle, randomId } from '../lib/random.js'
import { mailAvailable } from '../mail/availability.js'
import { composeMail } from '../mail/message.js'
import { browserFamilyNames, browserFamily } from '../rules/browser-family.js'
import { isPlaceholderEmail } from '../rules/placeholder-email.js'
import { cookieName, cookieOptions, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { EmailTokenRecord, UserRecord } from '../storage/store.js'
import { requiredConnectionForEmail, requiredConnectionForMember, type OrganizationConnection } from '../federation/organization-rules.js'
import type { Look } from './views/branding.js'
import type { Locale } from './views/locales.js'
import { connectionStartUrl } from './home-realm.js'
import { completeSignIn, loadInteraction, type LoadedInteraction } from './pages.js'
import { seeOther, type Outcome } from './outcome.js'
import { isDisabled } from '../users/disabled.js'

export type EmailMethod = 'magic_link' | 'email_code'

/** Wrong guesses a code survives: with `mail.max_per_address` codes an hour, 25 guesses in 10⁶ per address and hour. */
export const CODE_MAX_ATTEMPTS = 5
/** Unused rows of one purpose kept per address: a new request keeps the last two working too (a slow mail). */
const KEEP_PER_ADDRESS = 3

/** The browser-binding cookie: its value is random; the rows hold its SHA-256. */
export const EMAIL_BROWSER_COOKIE = 'latch_email'
const BROWSER_VALUE = /^[A-Za-z0-9_-]{43}$/
const TOKEN = /^[A-Za-z0-9_-]{43}$/
const ROW_ID = /^[0-9a-f-]{36}$/
const EMAIL = /^[^\s@\u0000]+@[^\s@\u0000]+$/

/** The method is on, and mail can reach people here (security review L5, `mail/availability.ts`). */
export function emailMethodOn(ctx: LatchContext, method: string | undefined): method is EmailMethod {
  if (!mailAvailable(ctx.config)) return false
  return (method === 'magic_link' && ctx.config.passwordless.magic_link) || (method === 'email_code' && ctx.config.passwordless.email_code)
}

/** The address as typed, normalised; null when it is not one. */
export function normalEmail(value: string | undefined): string | null {
  const email = (value ?? '').trim().toLowerCase()
  return EMAIL.test(email) && email.length <= 320 ? email : null
}

/** This browser's binding value (kept if it holds a valid one), and its cookie (renewed). */
function browserBinding(ctx: LatchContext, cookies: CookieJar): { value: string; cookie: CookieChange } {
  const name = cookieName(ctx, EMAIL_BROWSER_COOKIE)
  const existing = cookies[name]
  const value = existing !== undefined && BROWSER_VALUE.test(existing) ? existing : randomHandle()
  // Renewed on every request, so it outlives the newest row.
  return { value, cookie: { name, value, options: { ...cookieOptions(ctx), maxAge: ctx.config.passwordless.ttl } } }
}

/** True when this browser holds the cookie whose hash the row carries. */
export function boundToBrowser(ctx: LatchContext, row: EmailTokenRecord, cookies: CookieJar): boolean {
  const value = cookies[cookieName(ctx, EMAIL_BROWSER_COOKIE)]
  if (row.browser_hash === null || value === undefined || !BROWSER_VALUE.test(value)) return false
  return constantTimeEqual(hashHandle(value), row.browser_hash)
}

function codeHash(ctx: LatchContext, id: string, code: string): string {
  return keyedMac(ctx.config.secret, 'latch email codes', `${id}\0${code}`)
}

/** Six uniformly random digits. */
function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0')
}

export type EmailRequestResult =
  | { type: 'invalid_email'; email: string }
  /** Issue 12: the address's domain must sign in through its organization (the same for every address of it). */
  | { type: 'connection_required'; email: string; connection: { name: string; href: string } }
  /** "Check your email"; `attempt` names the code's row for the code form (a random id for every address alike). */
  | { type: 'sent'; method: EmailMethod; email: string; attempt: string; cookies: CookieChange[] }

/** "Email me a sign-in link" / "Email me a code" with `email`, for the interaction `l`. */
export async function requestEmailSignIn(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { method: string | undefined; email: string | undefined; ip: string; userAgent: string | undefined; cookies: CookieJar; locale: Locale; look: Look },
): Promise<EmailRequestResult> {
  const method = input.method
  if (!emailMethodOn(ctx, method)) throw new InvalidRequestError('This way of signing in is turned off here.')
  const email = normalEmail(input.email)
  if (email === null) return { type: 'invalid_email', email: (input.email ?? '').trim().slice(0, 320) }
  const required = await requiredConnectionForEmail(ctx, email)
  if (required !== null) return connectionRequired(ctx, l, email, required)
  const browser = browserBinding(ctx, input.cookies)
  // What asked, in a fixed vocabulary (rules/browser-family.ts), for the page of the link opened elsewhere.
  const from = browserFamily(input.userAgent)
  const id = randomId()
  const interactionId = l.interaction.id
  ctx.background.run(`${method} mail`, ctx.log, async () => {
    if (!(await ctx.mailThrottle.allow(email, input.ip)).allowed) {
      ctx.events.emit('sign_in_mail.throttled', { ...accountOf(ctx.throttle, email, ctx.config.audit.include_email), ip: input.ip })
      return
    }
    const user = await ctx.store.users.getByEmail(email)
    if (!mailable(user)) return
    const now = ctx.clock.now()
    const ttl = ctx.config.passwordless.ttl
    const secret = method === 'magic_link' ? randomHandle() : newCode()
    await ctx.store.emailTokens.insert({
      id,
      purpose: method,
      token_hash: method === 'magic_link' ? hashHandle(secret) : codeHash(ctx, id, secret),
      user_id: user.id,
      email,
      browser_hash: hashHandle(browser.value),
      interaction_id: interactionId,
      attempts: 0,
      created_at: now,
      expires_at: now + ttl,
      used_at: null,
    }, KEEP_PER_ADDRESS)
    const content = method === 'magic_link'
      ? { kind: 'magic_link' as const, link: `${ctx.urls.issuer}${EMAIL_LINK_PATH}?${new URLSearchParams({ token: secret, ...(from !== null && { from }) }).toString()}` }
      : { kind: 'email_code' as const, code: secret }
    await ctx.mailer.send(composeMail(email, content, { locale: input.locale, look: input.look, ttlSeconds: ttl }))
    ctx.events.emit(method === 'magic_link' ? 'magic_link.mailed' : 'email_code.mailed', { user_id: user.id, interaction_id: interactionId })
  })
  return { type: 'sent', method, email, attempt: id, cookies: [browser.cookie] }
}

/** A user email sign-in may reach: a real address, not waiting for its sign-up verification, not disabled (issue 14). */
function mailable(user: UserRecord | null): user is UserRecord {
  return user !== null && !isPlaceholderEmail(user.email) && user.verification_pending !== true && !isDisabled(user)
}

function connectionRequired(ctx: LatchContext, l: LoadedInteraction, email: string, c: OrganizationConnection) {
  return { type: 'connection_required' as const, email, connection: { name: c.display_name, href: connectionStartUrl(ctx, c.id, l.interaction.id, email) } }
}

/** Where a sign-in link points: `GET` shows or signs in, `POST` confirms in another browser. */
export const EMAIL_LINK_PATH = PATHS.email_link

export type EmailSignInResult =
  /** Signed in (the cookies to set, then the interaction page), or (issue 12) back to it to use the organization's required connection. */
  | { type: 'continue'; cookies: CookieChange[]; outcome: Outcome }
  /** The code form again, with the one message every failure gets. */
  | { type: 'wrong_code' }

/** The code typed on the "check your email" page of the browser that asked. */
export async function verifyEmailCode(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { attempt: string | undefined; code: string | undefined; ip: string; cookies: CookieJar },
): Promise<EmailSignInResult> {
  if (!emailMethodOn(ctx, 'email_code')) throw new InvalidRequestError('This way of signing in is turned off here.')
  const wrong = (): EmailSignInResult => {
    ctx.events.emit('email_code.rejected', { interaction_id: l.interaction.id, ip: input.ip })
    return { type: 'wrong_code' }
  }
  const attempt = input.attempt ?? ''
  const code = (input.code ?? '').replace(/[\s-]/g, '')
  if (!ROW_ID.test(attempt) || !/^\d{6}$/.test(code)) return wrong()
  const now = ctx.clock.now()
  // Counted before the comparison: parallel guesses get at most CODE_MAX_ATTEMPTS between them.
  const row = await ctx.store.emailTokens.countAttempt(attempt, 'email_code', CODE_MAX_ATTEMPTS, now)
  if (row === null || row.interaction_id !== l.interaction.id || !boundToBrowser(ctx, row, input.cookies)) return wrong()
  if (!constantTimeEqual(codeHash(ctx, row.id, code), row.token_hash)) return wrong()
  if (!(await ctx.store.emailTokens.use(row.id, now))) return wrong()
  return (await finishEmailSignIn(ctx, l, row, input.cookies, false)) ?? wrong()
}

/** The user the row was mailed to, if they still have that address. */
async function userOf(ctx: LatchContext, row: EmailTokenRecord): Promise<UserRecord | null> {
  const user = row.user_id === null ? null : await ctx.store.users.getById(row.user_id)
  return user !== null && user.email === row.email && mailable(user) ? user : null
}

/** A used row's sign-in: required SSO, the email verified, then `completeSignIn` with `amr: ['email']`. Null: nobody to sign in. */
async function finishEmailSignIn(ctx: LatchContext, l: LoadedInteraction, row: EmailTokenRecord, cookies: CookieJar, otherBrowser: boolean): Promise<EmailSignInResult | null> {
  const user = await userOf(ctx, row)
  if (user === null) return null
  const required = (await requiredConnectionForEmail(ctx, user.email)) ?? (await requiredConnectionForMember(ctx, user.id))
  if (required !== null) {
    const notice = new URLSearchParams({ notice: 'connection_required', connection: required.id })
    return { type: 'continue', cookies: [], outcome: seeOther(`${ctx.urls.interaction}/${l.interaction.id}?${notice.toString()}`) }
  }
  // The mail reached the address: it is verified (before the session, so its claims say so).
  if (!user.email_verified && (await ctx.store.emailAddresses.verify(user.id, user.email, ctx.clock.now()))) {
    ctx.events.emit('email.verified', { user_id: user.id, method: row.purpose === 'magic_link' ? 'link' : 'code' })
  }
  const verified = { ...user, email_verified: true }
  const done = await completeSignIn(ctx, l, verified, ['email'], cookies)
  if (done === null) return null
  ctx.events.emit('email_sign_in.succeeded', { user_id: user.id, method: row.purpose as EmailMethod, other_browser: otherBrowser })
  return { type: 'continue', cookies: done.cookies, outcome: done.outcome }
}

export type EmailLinkPage =
  /** Unknown, used or expired (or its request is gone): one page for all. */
  | { type: 'link_invalid' }
  /** Another browser: "Continue signing in on this device?", with who signs in, when it was asked for and from what (if the link says). */
  | { type: 'confirm'; token: string; email: string; requestedAt: number; requestedWith: { browser: string; system: string } | null; interaction: LoadedInteraction }
  /** A device-flow sign-in's link opened in another browser: it works only where it was asked for. */
  | { type: 'other_browser_refused'; interaction: LoadedInteraction }
  | (EmailSignInResult & { interaction: LoadedInteraction })

/** The row of a link's token, unused and unexpired, with its interaction still pending; else null. */
async function linkRow(ctx: LatchContext, token: string | undefined): Promise<{ row: EmailTokenRecord; l: LoadedInteraction } | null> {
  if (!ctx.config.passwordless.magic_link || token === undefined || !TOKEN.test(token)) return null
  const row = await ctx.store.emailTokens.find('magic_link', hashHandle(token), ctx.clock.now())
  if (row === null || row.interaction_id === null) return null
  const l = await loadInteraction(ctx, row.interaction_id).catch((error: unknown) => {
    if (error instanceof InvalidRequestError) return null
    throw error
  })
  return l === null ? null : { row, l }
}

/**
 * `GET /email-link?token=…`: in the browser that asked, the sign-in (the link is used); in any
 * other, the confirmation page, and nothing is used (a scanner's prefetch spends nothing).
 */
export async function openEmailLink(ctx: LatchContext, token: string | undefined, cookies: CookieJar, from?: string): Promise<EmailLinkPage> {
  const found = await linkRow(ctx, token)
  if (found === null) return { type: 'link_invalid' }
  const { row, l } = found
  if (!boundToBrowser(ctx, row, cookies)) {
    // A device's sign-in (RFC 8628) approves another device: only the browser that asked may continue it.
    if (l.interaction.kind !== 'authorization') return { type: 'other_browser_refused', interaction: l }
    // The account is named: someone who sends their own link to be opened here (to sign this browser in as them) shows their address.
    return { type: 'confirm', token: token!, email: row.email, requestedAt: row.created_at, requestedWith: browserFamilyNames(from), interaction: l }
  }
  return useLink(ctx, token!, l, cookies, false)
}

/** `POST /email-link` (CSRF checked by the endpoint): "Continue signing in here" in another browser. */
export async function confirmEmailLink(ctx: LatchContext, token: string | undefined, cookies: CookieJar): Promise<EmailLinkPage> {
  const found = await linkRow(ctx, token)
  if (found === null) return { type: 'link_invalid' }
  const bound = boundToBrowser(ctx, found.row, cookies)
  if (!bound && found.l.interaction.kind !== 'authorization') return { type: 'other_browser_refused', interaction: found.l }
  return useLink(ctx, token!, found.l, cookies, !bound)
}

async function useLink(ctx: LatchContext, token: string, l: LoadedInteraction, cookies: CookieJar, otherBrowser: boolean): Promise<EmailLinkPage> {
  // Single use: one conditional UPDATE; a second request (or node) with the same link gets nothing.
  const row = await ctx.store.emailTokens.consume('magic_link', hashHandle(token), ctx.clock.now())
  if (row === null) return { type: 'link_invalid' }
  const result = await finishEmailSignIn(ctx, l, row, cookies, otherBrowser)
  return result === null ? { type: 'link_invalid' } : { ...result, interaction: l }
}
