/**
 * Issue 13: "remember this device" (`mfa.remember_device` seconds; 0, the default: off). After a
 * second factor, a browser whose user ticked the box gets a cookie that skips the second factor
 * for the same user while it is younger than `mfa.remember_device` and their factors are
 * unchanged: its value is `<issued at>.<HMAC>` under a key of its own derived from LATCH_SECRET,
 * over the cookie's name, the user id, the issue time, the TOTP authenticator (when it was
 * created and confirmed) and the password hash. A new authenticator, TOTP turned off, or a new
 * password void it. One cookie per user, named by a keyed hash of the user id (never the email).
 * HttpOnly, SameSite=Lax, Secure with an https issuer.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec7 (reauthentication)
 */
import type { LatchContext } from '../context.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import { keyedMac } from '../lib/keyed-mac.js'
import type { TotpRecord, UserRecord } from '../storage/store.js'
import { cookieName, cookieOptions, type CookieChange, type CookieJar } from './idp-session.js'

export const MFA_DEVICE_COOKIE = 'latch_mfa_device'

const LABEL = 'latch remembered mfa device'
const VALUE = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/

function name(ctx: LatchContext, userId: string): string {
  return cookieName(ctx, `${MFA_DEVICE_COOKIE}_${keyedMac(ctx.config.secret, LABEL, `user\0${userId}`).slice(0, 22)}`)
}

function signature(ctx: LatchContext, cookie: string, user: Pick<UserRecord, 'id' | 'password_hash'>, totp: TotpRecord | null, issuedAt: string): string {
  const factors = totp === null ? 'none' : `${totp.created_at}.${totp.confirmed_at ?? ''}`
  return keyedMac(ctx.config.secret, LABEL, `${cookie}\0${user.id}\0${issuedAt}\0${factors}\0${user.password_hash ?? ''}`)
}

/** Whether this browser holds a valid remembered-device cookie of this user (always false while the feature is off). */
export function rememberedDevice(ctx: LatchContext, cookies: CookieJar, user: Pick<UserRecord, 'id' | 'password_hash'>, totp: TotpRecord | null): boolean {
  const ttl = ctx.config.mfa.remember_device
  if (ttl === 0) return false
  const cookie = name(ctx, user.id)
  const match = VALUE.exec(cookies[cookie] ?? '')
  if (!match) return false
  const [, issuedAt = '', mac = ''] = match
  if (!constantTimeEqual(mac, signature(ctx, cookie, user, totp, issuedAt))) return false
  const age = ctx.clock.now() - Number(issuedAt)
  return age >= 0 && age < ttl
}

/** The cookie to set after a second factor when the user asked to be remembered; null while the feature is off. */
export function rememberThisDevice(ctx: LatchContext, user: Pick<UserRecord, 'id' | 'password_hash'>, totp: TotpRecord | null): CookieChange | null {
  const ttl = ctx.config.mfa.remember_device
  if (ttl === 0) return null
  const cookie = name(ctx, user.id)
  const issuedAt = String(ctx.clock.now())
  return { name: cookie, value: `${issuedAt}.${signature(ctx, cookie, user, totp, issuedAt)}`, options: { ...cookieOptions(ctx), maxAge: ttl } }
}
