/**
 * Standard claims released by scope (OIDC Core §5.4): `profile` releases name … locale and
 * updated_at, `email` releases email and email_verified, `phone` phone_number and
 * phone_number_verified, `address` the address object (§5.1.1). `sub` is always released: it is
 * the one claim every OIDC response about a user carries (§5.3.2).
 *
 * Claims the user does not have are omitted rather than sent as null or "" (§5.3.2: "If a Claim is
 * not returned, that Claim Name SHOULD be omitted"). updated_at is epoch seconds (§5.1), taken from
 * the user row.
 *
 * Where the result goes is the caller's decision: §5.4 releases these claims from the UserInfo
 * endpoint when an access token is issued, and in the ID token only when none is.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
import { OIDC_SCOPE_CLAIMS } from '../config/schema.js'
import { isPlaceholderEmail } from '../rules/placeholder-email.js'
import type { UserClaims, UserRecord } from '../storage/store.js'

/** Claims that live on the user row itself rather than in `user.claims`. */
const FROM_RECORD: Readonly<Record<string, (user: UserRecord) => unknown>> = {
  sub: (u) => u.id,
  // Issue 12: a placeholder (an upstream account without an email) is no address: neither claim is released.
  email: (u) => (isPlaceholderEmail(u.email) ? undefined : u.email),
  email_verified: (u) => (isPlaceholderEmail(u.email) ? undefined : u.email_verified),
  updated_at: (u) => u.updated_at,
}

/** The user's value of the standard claim `name` (undefined when they have none); custom claims read it too. */
export function claimValue(user: UserRecord, name: string): unknown {
  const fromRecord = FROM_RECORD[name]
  if (fromRecord !== undefined) return fromRecord(user)
  const value = user.claims[name as keyof UserClaims]
  if (name === 'address' && value !== undefined && typeof value === 'object') {
    // The address object follows the same rule inside: members the user does not have are left out.
    const address = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== ''))
    return Object.keys(address).length > 0 ? address : undefined
  }
  return value
}

export function claimsForScope(user: UserRecord, scope: string): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id }
  for (const s of new Set(scope.split(' '))) {
    const names = Object.hasOwn(OIDC_SCOPE_CLAIMS, s) ? OIDC_SCOPE_CLAIMS[s] : undefined
    if (names === undefined) continue // API scopes (read:data…) release no user claims
    for (const name of names) {
      const value = claimValue(user, name)
      if (value !== undefined && value !== null && value !== '') claims[name] = value
    }
  }
  return claims
}
