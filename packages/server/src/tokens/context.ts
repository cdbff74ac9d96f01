/**
 * What every token builder needs: the key to sign with, the issuer (`iss`, RFC 7519 §4.1.1), time
 * (injected, so tests freeze it) and the lifetime of the token being built.
 */
import type { Keystore } from '../keys/keystore.js'
import type { Clock } from '../lib/clock.js'

export interface TokenContext {
  /** Only `signingKey()` is used, so tests and tools may pass anything that provides it. */
  keystore: Pick<Keystore, 'signingKey'> & Partial<Pick<Keystore, 'idTokenSigningKey'>>
  issuer: string
  clock: Clock
  /** Lifetime of the token, seconds. */
  ttl: number
}
