/**
 * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"; issue 8): a
 * successful sign-in leaves the browser a cookie that proves an earlier sign-in of that account,
 * so the login throttle can tell the account's own browsers from strangers: with it, a browser is
 * a throttling source of its own and skips the per-address and per-account rules, so an attack on
 * the account cannot keep its owner out.
 * One cookie per account, named `latch_device_<tag>` where the tag is a keyed hash of the account
 * (never the email); its value is `<device id>.<issued at>.<HMAC>` under a key derived from
 * LATCH_SECRET, so it can be neither forged nor moved to another account, and it is refused once
 * older than `DEVICE_COOKIE_TTL`. The HMAC also covers the account's stored password hash, so a
 * password change (a new salt, so a new hash, even for the same password) voids every device
 * cookie issued before it: a browser the change was meant to shut out keeps no budget of its own.
 * HttpOnly, SameSite=Lax, Secure with an https issuer, like the session cookie. It grants nothing but a throttling budget of its own: the password is still
 * checked, and a stolen cookie is still limited to `login_max_failures_per_account` failures.
 * @see https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 */
import { keyedMac } from '../lib/keyed-mac.js'
import { DEVICE_COOKIE_TTL } from '../config/defaults.js'
import type { LatchContext } from '../context.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import { randomHandle } from '../lib/random.js'
import { cookieName, cookieOptions, type CookieChange, type CookieJar } from './idp-session.js'

export const DEVICE_COOKIE = 'latch_device'

const VALUE = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/

const mac = (ctx: LatchContext, value: string) => keyedMac(ctx.config.secret, 'latch device cookies', value)

/** The cookie's name for `account`: a keyed hash, so the name says nothing about who signed in. */
export function deviceCookieName(ctx: LatchContext, account: string): string {
  return cookieName(ctx, `${DEVICE_COOKIE}_${mac(ctx, `account\0${account}`).slice(0, 22)}`)
}

/**
 * The device id of this browser's valid cookie for `account`, whose stored password hash is
 * `passwordHash`, or null (none, forged, another account's, expired, from before a password change).
 */
export function trustedDevice(ctx: LatchContext, cookies: CookieJar, account: string, passwordHash: string | null): string | null {
  if (!account || passwordHash === null) return null
  const name = deviceCookieName(ctx, account)
  const match = VALUE.exec(cookies[name] ?? '')
  if (!match) return null
  const [, id = '', issuedAt = '', signature = ''] = match
  if (!constantTimeEqual(signature, signed(ctx, name, account, id, issuedAt, passwordHash))) return null
  const age = ctx.clock.now() - Number(issuedAt)
  return age >= 0 && age < DEVICE_COOKIE_TTL ? id : null
}

/**
 * After a successful sign-in of `account` (whose password hash is `passwordHash`): its cookie to
 * (re)issue, or null for an account without a password. A browser that already held a valid one keeps its device id, so its throttling record
 * carries over.
 */
export function rememberDevice(ctx: LatchContext, account: string, device: string | null, passwordHash: string | null): CookieChange | null {
  if (passwordHash === null) return null
  const name = deviceCookieName(ctx, account)
  const id = device ?? randomHandle(16)
  const issuedAt = String(ctx.clock.now())
  const value = `${id}.${issuedAt}.${signed(ctx, name, account, id, issuedAt, passwordHash)}`
  return { name, value, options: { ...cookieOptions(ctx), maxAge: DEVICE_COOKIE_TTL } }
}

/** The cookie's signature: its name, account, device id and issue time, and the account's password hash. */
function signed(ctx: LatchContext, name: string, account: string, id: string, issuedAt: string, passwordHash: string): string {
  return mac(ctx, `${name}\0${account}\0${id}\0${issuedAt}\0${passwordHash}`)
}
