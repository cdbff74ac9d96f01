/**
 * Issue 12: Sign in with Apple has no static client secret: the client secret is an ES256 JWT the
 * relying party signs with a key made in the Apple developer account, `{ iss: team_id, sub:
 * client_id (the Services ID), aud: "https://appleid.apple.com", iat, exp }` with the key's id as
 * `kid`. Apple accepts one for up to six months; Latch signs one for an hour and reuses it for 55
 * minutes, so a key change (a new digest, a new resolved connection) is picked up within the hour.
 * @see https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
 */
import { importPKCS8, SignJWT } from 'jose'
import type { ConnectionSecrets, ResolvedConnection } from '../config/schema.js'
import { UpstreamError } from './upstream-error.js'

const LIFETIME = 3600
const REUSE = 55 * 60

const cache = new Map<string, { jwt: string; until: number }>()

/** The client-secret JWT for `connection`, signed now or reused (`now` in epoch seconds). */
export async function appleClientSecret(connection: ResolvedConnection, secrets: ConnectionSecrets, now = Math.floor(Date.now() / 1000)): Promise<string> {
  if (connection.apple === null || secrets.private_key === undefined) throw new UpstreamError('unavailable', 'the Apple connection has no signing key', 'apple_key_missing')
  const { team_id: teamId, key_id: keyId } = connection.apple
  const audience = connection.issuer ?? 'https://appleid.apple.com'
  // The key identifies the entry: another PEM under the same ids gets its own JWT.
  const key = `${teamId}\0${keyId}\0${connection.client_id}\0${audience}\0${secrets.private_key}`
  const cached = cache.get(key)
  if (cached !== undefined && cached.until > now) return cached.jwt
  let privateKey: Awaited<ReturnType<typeof importPKCS8>>
  try {
    privateKey = await importPKCS8(secrets.private_key, 'ES256')
  } catch {
    throw new UpstreamError('unavailable', 'the Apple private key is not a PKCS#8 P-256 key', 'apple_key_invalid')
  }
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: keyId })
    .setIssuer(teamId)
    .setSubject(connection.client_id)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + LIFETIME)
    .sign(privateKey)
  // Bounded: one entry per connection and key; stale ones are replaced, not accumulated.
  for (const [k, v] of cache) if (v.until <= now) cache.delete(k)
  cache.set(key, { jwt, until: now + REUSE })
  return jwt
}
