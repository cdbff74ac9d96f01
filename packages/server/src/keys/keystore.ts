/**
 * The signing keys of Latch: generation, storage (private part encrypted at rest), selection of
 * the one active key, rotation with a grace period, the published JWK Set, and verification of
 * Latch's own tokens.
 *
 * - kid is the RFC 7638 JWK thumbprint (SHA-256) of the public key: stable, derived from the key
 *   itself, and re-checked against the decrypted private key at load, so a row whose public and
 *   private halves do not match is refused instead of publishing a key that verifies nothing.
 * - Exactly one key signs: the newest unretired key of the configured `alg`. Changing
 *   `tokens.signing_alg` between starts generates a key for the new alg and retires the old one,
 *   which stays published for `retiredKeyGrace` seconds so tokens it signed keep verifying
 *   (RFC 7517 §5 key sets; OIDC Core §10.1.1 rotation of asymmetric signing keys).
 * - The JWK Set holds public members only (RFC 7517 §4, RFC 7518 §6.2.1 / §6.3.1, RFC 8037 §2),
 *   with `use: sig` and `alg`, and is cached both as an object and as its JSON, since /jwks is hot.
 *
 * Another node's `rotate()` is seen here after `reload()` (the server calls it periodically);
 * `verify()` also reloads, at most once per RELOAD_COOLDOWN, when a token names an unknown kid.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyResult,
} from 'jose'
import type { SigningAlg } from '../config/schema.js'
import type { Clock } from '../lib/clock.js'
import type { SigningKeyRecord, Store } from '../storage/store.js'
import { decryptPrivateJwk, deriveKeyEncryptionKey, encryptPrivateJwk } from './encryption-at-rest.js'

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

export interface KeystoreOptions {
  keys: Store['keys']
  /** `LATCH_SECRET`: at least 32 characters. */
  secret: string
  alg: SigningAlg
  clock: Clock
  /** Seconds a retired key stays published; must cover the longest token lifetime it signed. */
  retiredKeyGrace: number
}

export interface VerifyOptions {
  /** Expected `typ` header, e.g. `at+jwt` (RFC 9068 §4 requires checking it). */
  typ?: string
  audience?: string | string[]
  issuer: string
  maxTokenAge?: string | number
  /** Accepted clock skew, seconds. */
  clockTolerance?: number
}

/** How often an unknown `kid` may trigger a store read: a bound on work an attacker can cause. */
export const RELOAD_COOLDOWN = 30

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

function toPublicJwk(jwk: JWK, kid: string, alg: string): PublicJwk {
  const kty = jwk.kty
  const members = kty === undefined ? undefined : PUBLIC_MEMBERS[kty]
  if (kty === undefined || members === undefined) throw new TypeError(`unsupported key type ${String(kty)}`)
  const pub: PublicJwk = { kty, kid, alg, use: 'sig' }
  for (const m of members) if (jwk[m] !== undefined) pub[m] = jwk[m]
  return pub
}

interface GeneratedKey {
  record: SigningKeyRecord
  signing: SigningKey
}

async function generateSigningKey(alg: SigningAlg, secret: string, now: number): Promise<GeneratedKey> {
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
    retired_at: null,
    expires_at: null,
  }
  return { record, signing: { kid, alg, privateKey: importPrivateJwk(privateJwk) } }
}

function importPrivateJwk(jwk: JWK): KeyObject {
  // node:crypto's JWK import wants the JsonWebKey shape; jose's JWK is the same object.
  return createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
}

function isSigningAlg(alg: string): alg is SigningAlg {
  return Object.hasOwn(GENERATE, alg)
}

/** Newest first, as `store.keys.list` returns them; ties broken by kid so every node picks the same. */
function byNewest(a: SigningKeyRecord, b: SigningKeyRecord): number {
  return b.created_at - a.created_at || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0)
}

function pickActive(records: readonly SigningKeyRecord[], alg: SigningAlg): SigningKeyRecord | undefined {
  return records.filter((r) => r.retired_at === null && r.alg === alg).sort(byNewest)[0]
}

/** Everything derived from one load of the store, swapped in as a unit so readers never see a mix. */
interface State {
  records: readonly SigningKeyRecord[]
  signing: SigningKey
  jwks: { keys: PublicJwk[] }
  jwksJson: string
  jwkSet: ReturnType<typeof createLocalJWKSet>
  algorithms: string[]
  /** Earliest `expires_at` among published keys: when the cached JWKS must be rebuilt. */
  nextExpiry: number
}

export class Keystore {
  readonly #opts: KeystoreOptions
  #state!: State
  #lastReload = Number.NEGATIVE_INFINITY

  private constructor(opts: KeystoreOptions) {
    this.#opts = opts
  }

  /**
   * Loads the keys, generating (and storing) a key for `alg` when none is active. Fails with a
   * clear error when `secret` is not the one the active key was stored under.
   */
  static async open(opts: KeystoreOptions): Promise<Keystore> {
    await deriveKeyEncryptionKey(opts.secret) // fail fast on a short secret, before touching the store
    const keystore = new Keystore(opts)
    await keystore.reload()
    return keystore
  }

  /** The active key. Cached: no import, no decryption, no allocation per call. */
  signingKey(): SigningKey {
    return this.#state.signing
  }

  /** The public JWK Set (RFC 7517 §5). The same object until the key set changes. */
  jwks(): { keys: PublicJwk[] } {
    return this.#current().jwks
  }

  /** `jwks()` serialized once, for the /jwks endpoint. */
  jwksJson(): string {
    return this.#current().jwksJson
  }

  /**
   * Generates a new active key for the configured alg and retires every other key, which stays
   * published until now + retiredKeyGrace. Returns the new key's kid.
   */
  async rotate(): Promise<{ kid: string; alg: string }> {
    const now = this.#opts.clock.now()
    const fresh = await generateSigningKey(this.#opts.alg, this.#opts.secret, now)
    await this.#opts.keys.insert(fresh.record)
    await this.#opts.keys.retireOthers(fresh.record.kid, now, now + this.#opts.retiredKeyGrace)
    await this.#load(fresh)
    return { kid: fresh.record.kid, alg: fresh.record.alg }
  }

  /** Re-reads the store (another node may have rotated), generating a key if none is active. */
  async reload(): Promise<void> {
    await this.#load()
  }

  /**
   * Verifies a JWT Latch issued (access token, ID token hint, logout token…) with jose against the
   * published keys, accepting only the algorithms of those keys. Throws jose's coded errors
   * (`ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, …): the caller decides whether
   * that means `invalid_token` (userinfo) or `active: false` (introspection).
   */
  async verify(jwt: string, options: VerifyOptions): Promise<JWTVerifyResult<JWTPayload>> {
    try {
      return await this.#verifyOnce(jwt, options)
    } catch (err) {
      // A kid we do not know may be a key another node just rotated in: look once, then retry.
      const now = this.#opts.clock.now()
      if (!(err instanceof errors.JWKSNoMatchingKey) || now - this.#lastReload < RELOAD_COOLDOWN) throw err
      await this.#load()
      return await this.#verifyOnce(jwt, options)
    }
  }

  #verifyOnce(jwt: string, options: VerifyOptions): Promise<JWTVerifyResult<JWTPayload>> {
    const state = this.#current()
    return jwtVerify(jwt, state.jwkSet, {
      issuer: options.issuer,
      algorithms: state.algorithms,
      // Time comes from the injected clock, so expiry behaves the same in tests and in production.
      currentDate: new Date(this.#opts.clock.now() * 1000),
      ...(options.typ !== undefined && { typ: options.typ }),
      ...(options.audience !== undefined && { audience: options.audience }),
      ...(options.maxTokenAge !== undefined && { maxTokenAge: options.maxTokenAge }),
      ...(options.clockTolerance !== undefined && { clockTolerance: options.clockTolerance }),
    })
  }

  /** The state, with keys past their grace dropped: expiry happens with time, not only on reload. */
  #current(): State {
    const state = this.#state
    if (this.#opts.clock.now() < state.nextExpiry) return state
    this.#state = this.#derive(state.records, state.signing)
    return this.#state
  }

  async #load(justGenerated?: GeneratedKey): Promise<void> {
    const { keys, alg, secret, clock, retiredKeyGrace } = this.#opts
    const now = clock.now()
    this.#lastReload = now
    let records = await keys.list(now)
    let active = pickActive(records, alg)
    let generated = justGenerated
    if (active === undefined) {
      // First start, or `signing_alg` changed: a key for the configured alg takes over signing.
      generated = await generateSigningKey(alg, secret, now)
      await keys.insert(generated.record)
      await keys.retireOthers(generated.record.kid, now, now + retiredKeyGrace)
      records = await keys.list(now)
      // Two nodes starting at once may each retire the other's fresh key; then sign with ours,
      // which is still published for the grace period, and converge at the next reload.
      active = pickActive(records, alg) ?? generated.record
    }
    if (!records.some((r) => r.kid === active.kid)) records = [active, ...records]
    const signing =
      generated?.record.kid === active.kid
        ? generated.signing
        : this.#state?.signing.kid === active.kid
          ? this.#state.signing // unchanged key: skip decrypting it again
          : await this.#decrypt(active)
    this.#state = this.#derive(records, signing)
  }

  async #decrypt(record: SigningKeyRecord): Promise<SigningKey> {
    if (!isSigningAlg(record.alg)) throw new Error(`signing key ${record.kid}: unsupported alg ${record.alg}`)
    const privateJwk = await decryptPrivateJwk(record.private_jwk_encrypted, this.#opts.secret)
    // The kid is the thumbprint of the public key: a private key that does not match it would
    // sign tokens that nothing in our JWKS verifies.
    if ((await calculateJwkThumbprint(privateJwk, 'sha256')) !== record.kid) {
      throw new Error(`signing key ${record.kid}: the stored private key does not match its kid`)
    }
    return { kid: record.kid, alg: record.alg, privateKey: importPrivateJwk(privateJwk) }
  }

  #derive(all: readonly SigningKeyRecord[], signing: SigningKey): State {
    const now = this.#opts.clock.now()
    // Published: unexpired keys. The store filters too; this also drops keys that expire between
    // loads, since the cached set is rebuilt at `nextExpiry`.
    const records = all.filter((r) => r.expires_at === null || r.expires_at > now)
    const ordered = [...records].sort((a, b) => (a.kid === signing.kid ? -1 : b.kid === signing.kid ? 1 : byNewest(a, b)))
    // Frozen: the same object is handed to every caller, so a stray mutation must not leak into /jwks.
    const keys = ordered.map((r) => Object.freeze(toPublicJwk(r.public_jwk as unknown as JWK, r.kid, r.alg)))
    const jwks = Object.freeze({ keys: Object.freeze(keys) as PublicJwk[] })
    let nextExpiry = Number.POSITIVE_INFINITY
    for (const r of records) if (r.expires_at !== null && r.expires_at < nextExpiry) nextExpiry = r.expires_at
    return {
      records,
      signing,
      jwks,
      jwksJson: JSON.stringify(jwks),
      jwkSet: createLocalJWKSet(jwks),
      algorithms: [...new Set(keys.map((k) => k.alg))],
      nextExpiry,
    }
  }
}
