/**
 * The signing keys of Latch: generation, storage (private part encrypted at rest), selection of
 * the one active key, rotation with a grace period, the published JWK Set, and verification of
 * Latch's own tokens.
 *
 * - kid is the RFC 7638 JWK thumbprint (SHA-256) of the public key: stable, derived from the key
 *   itself, and re-checked against the decrypted private key at load, so a row whose public and
 *   private halves do not match is refused instead of publishing a key that verifies nothing.
 * - Exactly one key signs: the newest generation that is active (its `activates_at` has come)
 *   and not yet retired, whatever its alg, so every node signs with the same key. A rotation publishes the new key at once but
 *   activates it `activationDelay` seconds later, and retires the old one at that same moment:
 *   every node reloads within the delay, so JWKS everywhere lists the new key before any token
 *   names it (OIDC Core §10.1.1). The switch happens by the clock on every node, with no reload.
 * - Adding a key claims the next `generation`, which the store keeps unique: of two nodes
 *   cold-starting on an empty database (or rotating at once), one key wins and the other node
 *   adopts it, instead of each retiring the other's key.
 * - Changing `tokens.signing_alg` between starts rotates to a key of the new alg, like any
 *   rotation (published first, signing after the delay); the old key then stays published for
 *   `retiredKeyGrace` seconds so tokens it signed keep verifying (RFC 7517 §5 key sets). A new
 *   database's first key signs at once. `rotate({ immediately })` withdraws the old keys at once.
 * - RS256 companions (OIDC Core §15.1): when a client registers `id_token_signed_response_alg:
 *   RS256` while `tokens.signing_alg` is another alg (`idTokenAlgs`), every main key gets an RS256
 *   key beside it, added in the same commit, with the same generation and activation, retired and
 *   withdrawn with it; it signs only those clients' ID tokens. A main key that predates the need
 *   gets its companion at open, published at once and signing after the activation delay like
 *   any new key. A companion is published only while its main key is.
 * - Every key a reload (or this process's rotation) finds that was not there before is announced
 *   as `key.rotated` with its kid and alg, never key material.
 * - The JWK Set holds public members only (RFC 7517 §4, RFC 7518 §6.2.1 / §6.3.1, RFC 8037 §2),
 *   with `use: sig` and `alg`, and is cached both as an object and as its JSON, since /jwks is hot.
 *
 * Another node's `rotate()` is seen here after `reload()` (the server calls it every
 * `tokens.key_reload_interval`); `verify()` also reloads, at most once per RELOAD_COOLDOWN, when a
 * token names an unknown kid.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyResult,
} from 'jose'
import type { LatchConfig, SigningAlg } from '../config/schema.js'
import type { LatchEvents } from '../events.js'
import type { Clock } from '../lib/clock.js'
import type { SigningKeyRecord, Store } from '../storage/store.js'
import { decryptPrivateJwk, deriveKeyEncryptionKey } from './encryption-at-rest.js'
import { generateSigningKey, importPrivateJwk, isSigningAlg, toPublicJwk, type GeneratedKey, type PublicJwk, type SigningKey } from './signing-key.js'
import { byNewest, signingCandidates, signingRecord, withCompanions } from './signing-selection.js'

export type { PublicJwk, SigningKey } from './signing-key.js'


export interface KeystoreOptions {
  keys: Store['keys']
  /** `LATCH_SECRET`: at least 32 characters. */
  secret: string
  alg: SigningAlg
  clock: Clock
  /** Seconds a retired key stays published; must cover the longest token lifetime it signed. */
  retiredKeyGrace: number
  /** Seconds between a rotation publishing a key and that key signing. Default 0: at once. */
  activationDelay?: number
  /**
   * ID token algs clients registered besides `alg` (`id_token_signed_response_alg`). Only RS256
   * can be asked for: then every main key of another alg gets an RS256 companion.
   */
  idTokenAlgs?: readonly SigningAlg[]
  /** Where `key.rotated` goes. */
  events?: LatchEvents
}

export interface RotatedKey {
  kid: string
  alg: string
  /** Epoch seconds from which the key signs. */
  activatesAt: number
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

/** Everything derived from one load of the store, swapped in as a unit so readers never see a mix. */
interface State {
  records: readonly SigningKeyRecord[]
  /** Decrypted private keys of the signing candidates, by kid. */
  privateKeys: ReadonlyMap<string, SigningKey>
  signing: SigningKey
  /** The signing key's RS256 companion, once active. */
  companion: SigningKey | undefined
  jwks: { keys: PublicJwk[] }
  jwksJson: string
  jwkSet: ReturnType<typeof createLocalJWKSet>
  algorithms: string[]
  /** The next time a key activates, retires or expires: when the state must be derived again. */
  nextChange: number
}

/** How many times a node retries adding a key when other nodes keep claiming the generation. */
const ADD_ATTEMPTS = 5

export class Keystore {
  readonly #opts: KeystoreOptions
  #state!: State
  #lastReload = Number.NEGATIVE_INFINITY

  private constructor(opts: KeystoreOptions) {
    this.#opts = opts
  }

  /**
   * Loads the keys, generating (and storing) a key for `alg` when none signs. Fails with a clear
   * error when `secret` is not the one the active key was stored under.
   */
  /**
   * `open` with the options a tenant's config gives (`secret`, `tokens.signing_alg`,
   * `tokens.retired_key_grace`, `tokens.key_activation_delay`): the server, each tenant's context,
   * key rotation and the management services open their keystores alike.
   */
  static openFor(config: Pick<LatchConfig, 'secret' | 'tokens'>, parts: Pick<KeystoreOptions, 'keys' | 'clock' | 'idTokenAlgs' | 'events'>): Promise<Keystore> {
    return Keystore.open({
      ...parts,
      secret: config.secret,
      alg: config.tokens.signing_alg,
      retiredKeyGrace: config.tokens.retired_key_grace,
      activationDelay: config.tokens.key_activation_delay,
    })
  }

  static async open(opts: KeystoreOptions): Promise<Keystore> {
    await deriveKeyEncryptionKey(opts.secret) // fail fast on a short secret, before touching the store
    const keystore = new Keystore(opts)
    await keystore.#load()
    await keystore.#adoptConfiguredAlg()
    await keystore.#addMissingCompanions()
    return keystore
  }

  /** The key that signs now. Cached: no import, no decryption, no allocation per call. */
  signingKey(): SigningKey {
    return this.#current().signing
  }

  /** Issue 14: when the key that signs now was created (epoch seconds), for the key-age metric; null if its record is gone. */
  signingKeyCreatedAt(): number | null {
    const state = this.#current()
    return state.records.find((r) => r.kid === state.signing.kid)?.created_at ?? null
  }

  /**
   * The key for an ID token in `alg` (null: the main alg), or undefined when none can sign it now
   * (an RS256 companion added to an existing key, still inside its activation delay).
   */
  idTokenSigningKey(alg: SigningAlg | null): SigningKey | undefined {
    const state = this.#current()
    if (alg === null || alg === state.signing.alg) return state.signing
    return state.companion?.alg === alg ? state.companion : undefined
  }

  /** The algs ID tokens can be signed with now: the main alg, and RS256 when a companion is active. */
  idTokenAlgs(): SigningAlg[] {
    const state = this.#current()
    return state.companion ? [state.signing.alg, state.companion.alg] : [state.signing.alg]
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
   * Generates a new key for the configured alg, published now and signing after the activation
   * delay; every other key retires when it activates and stays published for retiredKeyGrace
   * after that. `immediately` is for a compromised key: the new key signs at once and every other
   * key leaves the JWK Set at once, so nothing signed with the old key verifies any more.
   */
  async rotate(options: { immediately?: boolean } = {}): Promise<RotatedKey> {
    for (let attempt = 0; attempt < ADD_ATTEMPTS; attempt++) {
      const now = this.#opts.clock.now()
      const generation = (await this.#opts.keys.latestGeneration()) + 1
      const activatesAt = options.immediately ? now : now + (this.#opts.activationDelay ?? 0)
      const fresh = await this.#add(generation, now, activatesAt, options.immediately ? now : activatesAt + this.#opts.retiredKeyGrace)
      if (fresh === undefined) continue // another node rotated this instant: rotate after it
      await this.#load(fresh)
      const main = fresh[0] as GeneratedKey
      return { kid: main.record.kid, alg: main.record.alg, activatesAt: main.record.activates_at }
    }
    throw new Error(`could not add a signing key: ${ADD_ATTEMPTS} attempts lost to keys added concurrently`)
  }

  /**
   * A scheduled rotation (`tokens.rotation_interval`): adds the key after `generation`, the newest
   * main key's when the schedule found it due, published now and signing after the activation
   * delay, like `rotate()`. When another node has added that generation meanwhile (it found the
   * same key due), its key is adopted instead and null returned: nodes that check at once add
   * one key between them, not one each.
   */
  async rotateAfter(generation: number): Promise<RotatedKey | null> {
    const now = this.#opts.clock.now()
    const activatesAt = now + (this.#opts.activationDelay ?? 0)
    const fresh = await this.#add(generation + 1, now, activatesAt, activatesAt + this.#opts.retiredKeyGrace)
    await this.#load(fresh)
    const main = fresh?.[0]
    return main ? { kid: main.record.kid, alg: main.record.alg, activatesAt: main.record.activates_at } : null
  }

  /** Re-reads the store (another node may have rotated), generating a key if none signs. */
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

  /** The state as of now: a key activating, retiring or expiring takes effect by the clock. */
  #current(): State {
    const state = this.#state
    if (this.#opts.clock.now() < state.nextChange) return state
    this.#state = this.#derive(state.records, state.privateKeys, state.signing)
    return this.#state
  }

  /**
   * Generates a key and tries to add it as `generation`, the others retiring when it activates and
   * published until `retiredExpiresAt`; undefined when another node took the generation.
   */
  async #add(generation: number, now: number, activatesAt: number, retiredExpiresAt: number): Promise<GeneratedKey[] | undefined> {
    const { keys, alg, secret } = this.#opts
    const generated = await generateSigningKey(alg, secret, now, activatesAt, generation)
    const companion = this.#companionWanted(alg) ? await generateSigningKey('RS256', secret, now, activatesAt, generation, generated.record.kid) : undefined
    if (!(await keys.add(generated.record, retiredExpiresAt, companion?.record))) return undefined
    return companion ? [generated, companion] : [generated]
  }

  #companionWanted(mainAlg: string): boolean {
    return mainAlg !== 'RS256' && (this.#opts.idTokenAlgs ?? []).includes('RS256')
  }

  /**
   * At open: a main key that signs now or will, of another alg than RS256, without the RS256
   * companion that clients now ask for, gets one. It is published at once and signs after the
   * activation delay (never before its main key), like a rotated-in key: every node and every
   * verifier's cache has it before an ID token names it.
   */
  async #addMissingCompanions(): Promise<void> {
    const { keys, secret, clock } = this.#opts
    const now = clock.now()
    const records = this.#state.records
    const activatesAt = (main: SigningKeyRecord) => Math.max(main.activates_at, now + (this.#opts.activationDelay ?? 0))
    const missing = signingCandidates(records, now).filter(
      (m) =>
        this.#companionWanted(m.alg) &&
        !records.some((r) => r.companion_of === m.kid) &&
        // A key retiring before its companion could activate needs none.
        (m.retired_at === null || m.retired_at > activatesAt(m)),
    )
    if (missing.length === 0) return
    const added: GeneratedKey[] = []
    for (const main of missing) {
      const companion = await generateSigningKey('RS256', secret, now, activatesAt(main), main.generation, main.kid)
      // It leaves with its main key (the keystore also publishes a companion only beside its main key).
      companion.record.retired_at = main.retired_at
      companion.record.expires_at = main.expires_at
      if (await keys.addCompanion(companion.record)) added.push(companion)
    }
    await this.#load(added)
  }

  /**
   * At start: when `tokens.signing_alg` changed, a key of the new alg is added like a rotation
   * (published now, signing after the activation delay), unless one is there already (another
   * node with the new config added it). Only at start: a node still on the old config must not
   * answer with a key of its own at every reload.
   */
  async #adoptConfiguredAlg(): Promise<void> {
    const { alg, clock } = this.#opts
    const now = clock.now()
    const upcoming = signingCandidates(this.#state.records, now).filter((r) => r.alg === alg)
    const current = signingRecord(this.#state.records, now)
    if (current?.alg === alg || upcoming.some((r) => r.activates_at > now)) return
    await this.rotate()
  }

  async #load(justGenerated: GeneratedKey[] = []): Promise<void> {
    const { keys, clock } = this.#opts
    const generated = [...justGenerated]
    let now = clock.now()
    this.#lastReload = now
    // The generation is read BEFORE the list: a key another node adds in between claims the
    // generation after it, so our add conflicts and we adopt that key, instead of adding a
    // second one on a stale "no key yet".
    let generation = await keys.latestGeneration()
    let records = await keys.list(now)
    for (let attempt = 0; signingRecord(records, now) === undefined; attempt++) {
      // No key signs (a new database): one for the configured alg signs at once, as nothing could
      // have published another. When another node adds one first, its key wins the generation
      // and is adopted here.
      if (attempt === ADD_ATTEMPTS) throw new Error(`no signing key after ${ADD_ATTEMPTS} attempts: other nodes keep adding keys`)
      now = clock.now()
      const fresh = await this.#add(generation + 1, now, now, now + this.#opts.retiredKeyGrace)
      if (fresh) generated.push(...fresh)
      // A fresh clock reading: the key another node won with activates at its own start, which can
      // be a second after ours (key generation is slow under load); judged by our older `now` it
      // would not sign yet, and this node would add a second first key.
      now = clock.now()
      generation = await keys.latestGeneration()
      records = await keys.list(now)
    }
    const privateKeys = new Map<string, SigningKey>()
    for (const record of withCompanions(records, signingCandidates(records, now))) {
      privateKeys.set(
        record.kid,
        generated.find((g) => g.record.kid === record.kid)?.signing ??
          this.#state?.privateKeys.get(record.kid) ?? // unchanged key: skip decrypting it again
          (await this.#decrypt(record)),
      )
    }
    const before = this.#state?.records
    this.#state = this.#derive(records, privateKeys, undefined)
    if (before !== undefined) {
      const known = new Set(before.map((r) => r.kid))
      for (const r of this.#state.records) if (!known.has(r.kid)) this.#opts.events?.emit('key.rotated', { kid: r.kid, alg: r.alg })
    }
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

  /**
   * The state at the clock's now. `previous` keeps signing in the one case no loaded key qualifies
   * (the signing key retired for a successor of another alg, before this node reloads).
   */
  #derive(all: readonly SigningKeyRecord[], privateKeys: ReadonlyMap<string, SigningKey>, previous: SigningKey | undefined): State {
    const now = this.#opts.clock.now()
    // Published: unexpired keys. The store filters too; this also drops keys that expire between
    // loads, since the cached set is rebuilt at `nextChange`.
    const unexpired = all.filter((r) => r.expires_at === null || r.expires_at > now)
    // A companion is published only beside its main key.
    const records = withCompanions(unexpired, unexpired.filter((r) => r.companion_of === null))
    const active = signingRecord(records, now)
    const signing = (active && privateKeys.get(active.kid)) ?? previous
    if (signing === undefined) throw new Error('no signing key is active')
    const companionRecord = records.find((r) => r.companion_of !== null && r.companion_of === active?.kid && r.activates_at <= now)
    const companion = companionRecord && privateKeys.get(companionRecord.kid)
    const ordered = [...records].sort((a, b) => (a.kid === signing.kid ? -1 : b.kid === signing.kid ? 1 : byNewest(a, b)))
    // Frozen: the same object is handed to every caller, so a stray mutation must not leak into /jwks.
    const keys = ordered.map((r) => Object.freeze(toPublicJwk(r.public_jwk as unknown as JWK, r.kid, r.alg)))
    const jwks = Object.freeze({ keys: Object.freeze(keys) as PublicJwk[] })
    let nextChange = Number.POSITIVE_INFINITY
    for (const r of records) {
      for (const t of [r.activates_at, r.retired_at, r.expires_at]) if (t !== null && t > now && t < nextChange) nextChange = t
    }
    return {
      records,
      privateKeys,
      signing,
      companion,
      jwks,
      jwksJson: JSON.stringify(jwks),
      jwkSet: createLocalJWKSet(jwks),
      algorithms: [...new Set(keys.map((k) => k.alg))],
      nextChange,
    }
  }
}
