/**
 * What every token builder needs: the key to sign with, the issuer (`iss`, RFC 7519 §4.1.1), time
 * (injected, so tests freeze it) and the lifetime of the token being built.
 */
import type { Keystore } from '../keys/keystore.js'
import type { Clock } from '../lib/clock.js'

export interface TokenContext {
  /** Only these are used, so tests and tools may pass anything that provides them. */
  keystore: Pick<Keystore, 'signingKey' | 'idTokenSigningKey'>
  issuer: string
  clock: Clock
  /** Lifetime of the token, seconds. */
  ttl: number
}
