/**
 * A signing key: how one is generated (RFC 7518 §3.3, §3.4, §3.5; RFC 8037), its `kid` (the RFC 7638
 * thumbprint), its published public JWK (RFC 7517 §4, public members only), and its private key
 * imported for node:crypto. The keystore (`keystore.ts`) decides which key signs when.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import type { SigningAlg } from '../config/schema.js'
import type { SigningKeyRecord } from '../storage/store.js'
import { encryptPrivateJwk } from './encryption-at-rest.js'

/** The key `signJws` signs with; the same object is returned until the next rotation or reload. */
export interface SigningKey {
  readonly kid: string
  readonly alg: SigningAlg
  readonly privateKey: KeyObject
}

/** A published public key: RFC 7517 §4 members plus the algorithm's public parameters only. */
export interface PublicJwk extends JWK {
  kty: string
  kid: string
  alg: string
  use: 'sig'
}

/** Key generation parameters per alg. RSA: 2048 bits, the floor of RFC 7518 §3.3 and §3.5. */
const GENERATE: Readonly<Record<SigningAlg, { alg: string; options: { modulusLength?: number; crv?: string } }>> = {
  RS256: { alg: 'RS256', options: { modulusLength: 2048 } },
  PS256: { alg: 'PS256', options: { modulusLength: 2048 } },
  ES256: { alg: 'ES256', options: { crv: 'P-256' } },
  EdDSA: { alg: 'EdDSA', options: { crv: 'Ed25519' } },
}

/** The public members per `kty` (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2): everything else is dropped. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly ('n' | 'e' | 'crv' | 'x' | 'y')[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
}

export function toPublicJwk(jwk: JWK, kid: string, alg: string): PublicJwk {
  const kty = jwk.kty
  const members = kty === undefined ? undefined : PUBLIC_MEMBERS[kty]
  if (kty === undefined || members === undefined) throw new TypeError(`unsupported key type ${String(kty)}`)
  const pub: PublicJwk = { kty, kid, alg, use: 'sig' }
  for (const m of members) if (jwk[m] !== undefined) pub[m] = jwk[m]
  return pub
}

export interface GeneratedKey {
  record: SigningKeyRecord
  signing: SigningKey
}

export async function generateSigningKey(alg: SigningAlg, secret: string, now: number, activatesAt: number, generation: number, companionOf: string | null = null): Promise<GeneratedKey> {
  const spec = GENERATE[alg]
  const { privateKey } = await generateKeyPair(spec.alg, { ...spec.options, extractable: true })
  const privateJwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(privateJwk, 'sha256')
  const record: SigningKeyRecord = {
    kid,
    alg,
    public_jwk: toPublicJwk(privateJwk, kid, alg) as unknown as Record<string, unknown>,
    private_jwk_encrypted: await encryptPrivateJwk(privateJwk, secret),
    created_at: now,
    activates_at: activatesAt,
    generation,
    companion_of: companionOf,
    retired_at: null,
    expires_at: null,
  }
  return { record, signing: { kid, alg, privateKey: importPrivateJwk(privateJwk) } }
}

export function importPrivateJwk(jwk: JWK): KeyObject {
  // node:crypto's JWK import wants the JsonWebKey shape; jose's JWK is the same object.
  return createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
}

export function isSigningAlg(alg: string): alg is SigningAlg {
  return Object.hasOwn(GENERATE, alg)
}
