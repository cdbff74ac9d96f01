/**
 * Issue 12: an upstream's claims (ID token and userinfo, or an OAuth 2.0 profile endpoint's JSON)
 * mapped into what Latch keeps of a user, by the connection's `mapping` (dot paths). The email is
 * believed verified only when the connection trusts the upstream's flag and that flag is exactly
 * `true`: linking to an existing account rests on it.
 */
import type { ResolvedConnection } from '../config/schema.js'
import type { UserClaims } from '../storage/store.js'

export interface UpstreamProfile {
  /** The upstream's stable subject. */
  subject: string
  /** Lower-cased; null when the upstream gave none (or none that looks like one). */
  email: string | null
  email_verified: boolean
  claims: UserClaims
  /**
   * RFC 8176 values of the upstream's signed ID token (`amr`), unfiltered, and only for a connection
   * with `trust_amr` (connections/upstream.ts); never userinfo's or a profile JSON's.
   */
  amr: string[]
  /** The signed ID token's `auth_time`: when the user authenticated at the upstream (seconds). */
  auth_time?: number
  /** Issue 12: the upstream's ID token, only for a connection with `federated_logout` (stored encrypted, never sent on). */
  id_token?: string
}

/** The value at a dot path (`data.id`) of a JSON object. */
export function valueAt(source: unknown, path: string): unknown {
  let node: unknown = source
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

const text = (value: unknown, max = 512): string | undefined => (typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined)
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/

/** Null when the source has no usable subject: such a profile cannot be signed in with. */
export function mapProfile(connection: Pick<ResolvedConnection, 'mapping' | 'trust_email_verified'>, source: Record<string, unknown>): UpstreamProfile | null {
  const m = connection.mapping
  const rawSubject = valueAt(source, m.sub)
  const subject = typeof rawSubject === 'number' && Number.isSafeInteger(rawSubject) ? String(rawSubject) : text(rawSubject, 255)
  if (subject === undefined) return null
  const email = text(valueAt(source, m.email), 320)?.toLowerCase()
  const claims: UserClaims = {}
  for (const claim of ['name', 'given_name', 'family_name', 'picture', 'locale', 'preferred_username'] as const) {
    const value = text(valueAt(source, m[claim]))
    if (value !== undefined) claims[claim] = value
  }
  const usable = email !== undefined && EMAIL.test(email)
  return {
    subject,
    email: usable ? email : null,
    email_verified: usable && connection.trust_email_verified && valueAt(source, m.email_verified) === true,
    claims,
    amr: [],
  }
}
