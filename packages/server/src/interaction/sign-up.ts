/**
 * Issue 13: sign-up and the verification of a new account's email, without HTTP.
 *
 * No user enumeration (OWASP ASVS 4.0.3 V2.2, Forgot Password and Authentication cheat sheets):
 * the request path does the same for every address (the form checks, the mail throttle, argon2 of
 * the password, one random browser cookie) and answers "check your email"; what depends on the
 * address (creating the account and mailing its link or code, or mailing the owner of an existing
 * account a note instead) runs after the response (`ctx.background`). With
 * `sign_up.verify_email: none` an account signs in at once, so a new address and a taken one
 * cannot look alike: that mode is documented as revealing it.
 *
 * A link or code is bound to the browser that signed up (`latch_verify` cookie, its SHA-256 on the
 * row): opened there, it continues the interaction signed in (through `completeSignIn`); opened
 * elsewhere, the email is verified and the page says to sign in. A resend from another browser
 * keeps that binding (security review M2: whoever asks again must not get a code that signs them
 * in), and a right code guessed elsewhere only verifies. Guesses are capped per address and per
 * source over a day (`mail/mail-throttle.ts`). An address whose organization requires its own
 * sign-in (issue 12, by domain) is never signed up, with the same answer (security review M1). A
 * link's GET shows a button and only its POST verifies, so a mail scanner fetching links verifies
 * nothing.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5 (§5.1.1.2 the password, §5.1.3 the mailed secret)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#authentication-and-error-messages
 */
import { randomUUID } from 'node:crypto'
import { PATHS, type LatchContext } from '../context.js'
import { InvalidRequestError } from '../errors.js'
import { requiredConnectionForEmail, requiredConnectionForMember } from '../federation/organization-rules.js'
import { mailAvailable } from '../mail/availability.js'
import type { GuessAllowance } from '../mail/mail-throttle.js'
import type { Look } from './views/branding.js'
import type { Locale } from './views/locales.js'
import { hashHandle, randomHandle } from '../lib/random.js'
import { composeMail } from '../mail/message.js'
import { cookieName, cookieOptions, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { ClientRecord, EmailTokenRecord, UserRecord } from '../storage/store.js'
import { consumeCode, consumeLinkToken, findLinkToken, issueCode, issueLinkToken } from '../users/email-tokens.js'
import { hashPassword } from '../users/password-hash.js'
import { passwordProblem, type PasswordProblem } from '../users/password-policy.js'
import type { Outcome } from './outcome.js'
import { offersPasskey } from './passkey-offer.js'
import { completeSignIn, loadInteraction, type LoadedInteraction } from './pages.js'

/** The cookie binding a verification to the browser that signed up. */
export const VERIFY_COOKIE = 'latch_verify'
const EMAIL = /^[^\s@\u0000]+@[^\s@\u0000]+$/

/** Issue 13: sign-up is on for this client: its `sign_up`, else the tenant's `sign_up.enabled`; never without password sign-in. */
export function signUpAllowed(ctx: LatchContext, client: Pick<ClientRecord, 'sign_up'>): boolean {
  return ctx.config.sign_in.password && (client.sign_up ?? ctx.config.sign_up.enabled) && mailAvailable(ctx.config)
}

export function assertSignUpAllowed(ctx: LatchContext, client: ClientRecord): void {
  if (!signUpAllowed(ctx, client)) throw new InvalidRequestError('Creating an account is not offered here.', { status: 404 })
}

/** The address as stored (trimmed, lower-cased), or null when it is not one. */
export function normalEmail(value: string | undefined): string | null {
  const email = (value ?? '').trim().toLowerCase()
  return email.length <= 320 && EMAIL.test(email) ? email : null
}

/** How the page that asked speaks: mail goes out in its language and look. */
export interface Speaking {
  locale: Locale
  look: Look
}

export type SignUpResult =
  | { type: 'form'; status: 400; problem: 'invalid_email' | PasswordProblem; email: string }
  | { type: 'form'; status: 429; problem: 'throttled'; retryAfter: number; email: string }
  /** `sign_up.max_unverified` accounts wait for verification: none is created, for any address. */
  | { type: 'form'; status: 503; problem: 'busy'; email: string }
  | { type: 'check_email'; email: string; mode: 'link' | 'code'; tokenId?: string; cookies: CookieChange[] }
  | { type: 'signed_in'; cookies: CookieChange[]; outcome: Outcome; offerPasskey: LoadedInteraction | null }

export function browserCookie(ctx: LatchContext): { cookie: CookieChange; hash: string } {
  const value = randomHandle()
  // As long as a verification or a reset link can take, so the same browser is recognised when the link comes back.
  const maxAge = Math.max(ctx.config.sign_up.verification_ttl, ctx.config.passwords.reset_ttl)
  const cookie = { name: cookieName(ctx, VERIFY_COOKIE), value, options: { ...cookieOptions(ctx), maxAge } }
  return { cookie, hash: hashHandle(value) }
}

export function browserHashOf(ctx: LatchContext, cookies: CookieJar): string | null {
  const value = cookies[cookieName(ctx, VERIFY_COOKIE)]
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value) ? hashHandle(value) : null
}

/** Mails `user` a fresh link or code (under `tokenId`, which the code form shows). */
async function mailVerification(
  ctx: LatchContext,
  user: UserRecord,
  l: LoadedInteraction | null,
  browserHash: string | null,
  tokenId: string | undefined,
  speaking: Speaking,
  interactionId: string | null = l?.interaction.id ?? null,
): Promise<void> {
  const now = ctx.clock.now()
  const ttl = ctx.config.sign_up.verification_ttl
  const request = { purpose: 'verify_email' as const, email: user.email, userId: user.id, ttl, interactionId, browserHash, ...(tokenId && { id: tokenId }) }
  if (ctx.config.sign_up.verify_email === 'code') {
    const { code } = await issueCode(ctx.store, ctx.config.secret, now, request)
    await ctx.mailer.send(composeMail(user.email, { kind: 'verify_code', code }, { ...speaking, ttlSeconds: ttl }))
  } else {
    const token = await issueLinkToken(ctx.store, now, request)
    const link = `${ctx.urls.issuer}${PATHS.verify_email}?${new URLSearchParams({ token, ui_locales: speaking.locale }).toString()}`
    await ctx.mailer.send(composeMail(user.email, { kind: 'verify_link', link }, { ...speaking, ttlSeconds: ttl }))
  }
}

/** NIST SP 800-63B §5.1.1.2: the new account's email and password, on the interaction's sign-up page. */
export async function signUp(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { email: string | undefined; password: string | undefined; ip: string; cookies: CookieJar } & Speaking,
): Promise<SignUpResult> {
  assertSignUpAllowed(ctx, l.client)
  const email = normalEmail(input.email)
  if (email === null) return { type: 'form', status: 400, problem: 'invalid_email', email: (input.email ?? '').trim().slice(0, 320) }
  const password = input.password ?? ''
  const problem = passwordProblem(password, { minLength: ctx.config.passwords.min_length, email })
  if (problem !== null) return { type: 'form', status: 400, problem, email }
  const allowed = await ctx.mailThrottle.allow(email, input.ip)
  if (!allowed.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'mail', ip: input.ip })
    return { type: 'form', status: 429, problem: 'throttled', retryAfter: allowed.retryAfter, email }
  }
  const cap = ctx.config.sign_up.max_unverified
  if (ctx.config.sign_up.verify_email !== 'none' && (await ctx.store.signUps.countPending(cap)) >= cap) return { type: 'form', status: 503, problem: 'busy', email }
  // Hashed for every address alike (argon2 is the slow part), whether or not it is used.
  const passwordHash = await hashPassword(password)
  const mode = ctx.config.sign_up.verify_email
  const speaking = { locale: input.locale, look: input.look }
  const now = ctx.clock.now()
  // Issue 12 (security review M1): such an address signs in only through its organization's connection.
  const required = (await requiredConnectionForEmail(ctx, email)) !== null
  if (mode === 'none') {
    if (required) return { type: 'check_email', email, mode: 'link', cookies: [] }
    const user = await ctx.store.signUps.create({ email, email_verified: false, claims: {}, password_hash: passwordHash, verification_pending: false }, now)
    if (user !== null) {
      ctx.events.emit('user.registered', { user_id: user.id, verification: 'none' })
      const done = await completeSignIn(ctx, l, user, ['pwd'], input.cookies)
      if (done) return { type: 'signed_in', cookies: done.cookies, outcome: done.outcome, offerPasskey: offersPasskey(ctx, done.session) ? l : null }
    } else {
      ctx.background.run('sign-up note', ctx.log, () => ctx.mailer.send(composeMail(email, { kind: 'sign_up_exists' }, speaking)))
    }
    return { type: 'check_email', email, mode: 'link', cookies: [] }
  }
  const browser = browserCookie(ctx)
  const tokenId = mode === 'code' ? randomUUID() : undefined
  ctx.background.run('sign-up', ctx.log, async () => {
    if (required) return
    const user = await ctx.store.signUps.create({ email, email_verified: false, claims: {}, password_hash: passwordHash, verification_pending: true }, ctx.clock.now())
    if (user === null) {
      await ctx.mailer.send(composeMail(email, { kind: 'sign_up_exists' }, speaking))
      return
    }
    ctx.events.emit('user.registered', { user_id: user.id, verification: mode })
    await mailVerification(ctx, user, l, browser.hash, tokenId, speaking)
  })
  return { type: 'check_email', email, mode, ...(tokenId && { tokenId }), cookies: [browser.cookie] }
}

export type ResendResult =
  | { type: 'sent'; email: string; tokenId?: string; cookies: CookieChange[] }
  | { type: 'throttled'; retryAfter: number; email: string }

/**
 * "Send again": the same answer for every address; a message goes (after the response) only to
 * an account whose email still needs verifying. Counted by the mail throttle like a sign-up.
 */
export async function resendVerification(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { email: string | undefined; ip: string; cookies: CookieJar } & Speaking,
): Promise<ResendResult> {
  // Security review L5: no mail that would reach only the console.
  if (!mailAvailable(ctx.config)) throw new InvalidRequestError('Sending email is not offered here.', { status: 404 })
  const email = normalEmail(input.email)
  if (email === null) throw new InvalidRequestError('Enter a valid email address.')
  const allowed = await ctx.mailThrottle.allow(email, input.ip)
  if (!allowed.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'mail', ip: input.ip })
    return { type: 'throttled', retryAfter: allowed.retryAfter, email }
  }
  // Every browser that asks gets a cookie, so the answer is the same; only the sign-up's browser stays bound.
  const held = browserHashOf(ctx, input.cookies)
  const fresh = held === null ? browserCookie(ctx) : null
  const tokenId = ctx.config.sign_up.verify_email === 'code' ? randomUUID() : undefined
  const speaking = { locale: input.locale, look: input.look }
  ctx.background.run('verification resend', ctx.log, async () => {
    const user = await ctx.store.users.getByEmail(email)
    if (user?.verification_pending !== true) return
    // Security review M2: the new link or code keeps the binding of the sign-up (the newest row's):
    // the browser that signed up continues this interaction; any other gets none, and its mail
    // only verifies. No row left (all swept): nobody is bound.
    const last = await ctx.store.emailTokens.newest('verify_email', email)
    const same = last !== null && held !== null && last.browser_hash === held
    await mailVerification(ctx, user, same ? l : null, same ? held : (last?.browser_hash ?? null), tokenId, speaking, same ? undefined : (last?.interaction_id ?? null))
  })
  return { type: 'sent', email, ...(tokenId && { tokenId }), cookies: fresh ? [fresh.cookie] : [] }
}

/** The verified account, once its link or code was used. */
async function verified(ctx: LatchContext, row: EmailTokenRecord, method: 'link' | 'code'): Promise<UserRecord | null> {
  if (row.user_id === null || !(await ctx.store.signUps.verify(row.user_id, ctx.clock.now()))) return null
  ctx.events.emit('email.verified', { user_id: row.user_id, method })
  return ctx.store.users.getById(row.user_id)
}

/** Continues the interaction the verification came from, signed in, when this is the browser that signed up. */
async function continueSignIn(ctx: LatchContext, row: EmailTokenRecord, user: UserRecord, cookies: CookieJar, l?: LoadedInteraction): Promise<{ cookies: CookieChange[]; outcome: Outcome; offerPasskey: LoadedInteraction | null } | null> {
  const browser = browserHashOf(ctx, cookies)
  if (row.browser_hash === null || browser !== row.browser_hash || row.interaction_id === null) return null
  const interaction = l ?? (await loadInteraction(ctx, row.interaction_id).catch(() => null))
  if (interaction === null || interaction.interaction.id !== row.interaction_id) return null
  // Issue 12 (security review M1): the email is verified, but such an account signs in through its organization.
  if ((await requiredConnectionForEmail(ctx, user.email)) !== null || (await requiredConnectionForMember(ctx, user.id)) !== null) return null
  const done = await completeSignIn(ctx, interaction, user, ['pwd'], cookies)
  if (done === null) return null
  // The binding has done its work.
  return {
    cookies: [...done.cookies, { name: cookieName(ctx, VERIFY_COOKIE), clear: true, options: cookieOptions(ctx) }],
    outcome: done.outcome,
    // Issue 13: the page offering a passkey, once, instead of the redirect (interaction/passkey-offer.ts), for this interaction.
    offerPasskey: offersPasskey(ctx, done.session) ? interaction : null,
  }
}

export type EmailLinkResult =
  | { type: 'signed_in'; cookies: CookieChange[]; outcome: Outcome; offerPasskey: LoadedInteraction | null }
  | { type: 'done' }
  | { type: 'expired' }

/** `GET /verify-email`: the address the link would verify, or null (unknown, used or expired). Reads only. */
export async function emailLinkTarget(ctx: LatchContext, token: string): Promise<{ email: string; interactionId: string | null } | null> {
  const row = await findLinkToken(ctx.store, 'verify_email', token, ctx.clock.now())
  return row === null ? null : { email: row.email, interactionId: row.interaction_id }
}

/** `POST /verify-email`: uses the link once and verifies the account. */
export async function confirmEmailLink(ctx: LatchContext, token: string, cookies: CookieJar): Promise<EmailLinkResult> {
  const row = await consumeLinkToken(ctx.store, 'verify_email', token, ctx.clock.now())
  const user = row === null ? null : await verified(ctx, row, 'link')
  if (row === null || user === null) return { type: 'expired' }
  const continued = await continueSignIn(ctx, row, user, cookies)
  return continued === null ? { type: 'done' } : { type: 'signed_in', ...continued }
}

export type CodeResult =
  | { type: 'signed_in'; cookies: CookieChange[]; outcome: Outcome; offerPasskey: LoadedInteraction | null }
  | { type: 'done' }
  | { type: 'wrong' }
  /** Security review M2: past the guesses allowed per source or per address in a day. */
  | { type: 'throttled'; retryAfter: number }

/**
 * The code form of the check-your-email page: NIST SP 800-63B §5.1.3.2, a code is single use and
 * its guesses are limited (users/email-tokens.ts `CODE_MAX_ATTEMPTS` per code, and per address and
 * per source over a day, security review M2); a right code verifies the email, and signs in only
 * the browser that signed up.
 */
export async function confirmSignUpCode(ctx: LatchContext, l: LoadedInteraction, input: { tokenId: string | undefined; code: string | undefined; ip: string; cookies: CookieJar }): Promise<CodeResult> {
  assertSignUpAllowed(ctx, l.client)
  const source = await ctx.mailThrottle.codeGuessFrom(input.ip)
  if (!source.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'verification_code', ip: input.ip })
    return { type: 'throttled', retryAfter: source.retryAfter }
  }
  let address: GuessAllowance | null = null
  const row = await consumeCode(ctx.store, ctx.config.secret, ctx.clock.now(), input.tokenId ?? '', 'verify_email', input.code ?? '', undefined, async (r) => {
    address = await ctx.mailThrottle.codeGuessFor(r.email)
    return address.allowed
  })
  // Set by the gate (TypeScript does not follow the assignment in the callback).
  const counted = address as GuessAllowance | null
  if (counted !== null && !counted.allowed) {
    ctx.events.emit('throttle.engaged', { throttle: 'verification_code', ip: input.ip })
    return { type: 'throttled', retryAfter: counted.retryAfter }
  }
  if (row === null) return { type: 'wrong' }
  // Only wrong guesses use the budgets.
  await source.forgive()
  if (counted?.allowed) await counted.forgive()
  const user = await verified(ctx, row, 'code')
  if (user === null) return { type: 'wrong' }
  const continued = await continueSignIn(ctx, row, user, input.cookies, l)
  return continued === null ? { type: 'done' } : { type: 'signed_in', ...continued }
}
