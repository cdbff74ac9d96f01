import { KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, decodeProtectedHeader, errors, SignJWT, generateKeyPair, type JWK } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { SIGNING_ALGS } from '../config/schema.js'
import { LatchEvents } from '../events.js'
import { ManualClock } from '../lib/clock.js'
import { memoryKeys } from '../../test/support/memory-keys.js'
import { decryptPrivateJwk } from './encryption-at-rest.js'
import { signJws } from './jws.js'
import { Keystore, RELOAD_COOLDOWN } from './keystore.js'

const SECRET = 'keystore-test-secret-0123456789-abcdefghij'
const ISSUER = 'https://issuer.example'
const GRACE = 3600


const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const EXPECTED_MEMBERS = {
  RS256: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  PS256: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  ES256: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
  EdDSA: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
} as const

let clock: ManualClock
let store: ReturnType<typeof memoryKeys>
beforeEach(() => {
  clock = new ManualClock(1_700_000_000)
  store = memoryKeys()
})

const open = (alg: (typeof SIGNING_ALGS)[number], secret = SECRET, activationDelay = 0) =>
  Keystore.open({ keys: store.keys, secret, alg, clock, retiredKeyGrace: GRACE, activationDelay })

function sign(ks: Keystore, claims: Record<string, unknown> = {}, typ = 'at+jwt'): string {
  const key = ks.signingKey()
  return signJws({ alg: key.alg, typ, kid: key.kid }, { iss: ISSUER, sub: 'u1', aud: 'api', iat: clock.now(), exp: clock.now() + 600, ...claims }, key)
}

describe.each(SIGNING_ALGS)('Keystore with %s', (alg) => {
  it('generates and stores a key on first open', async () => {
    const ks = await open(alg)
    expect(store.rows).toHaveLength(1)
    const [row] = store.rows
    expect(row).toMatchObject({ alg, retired_at: null, expires_at: null, created_at: clock.now() })
    expect(ks.signingKey()).toMatchObject({ kid: row!.kid, alg })
  })

  it('RFC 7638 §3: kid is the SHA-256 JWK thumbprint of the public key', async () => {
    const ks = await open(alg)
    const [jwk] = ks.jwks().keys
    expect(jwk!.kid).toBe(await calculateJwkThumbprint(jwk!, 'sha256'))
    expect(jwk!.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('RFC 7517 §4: JWKS exposes public members only', async () => {
    const ks = await open(alg)
    const jwks = ks.jwks()
    expect(jwks.keys).toHaveLength(1)
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(EXPECTED_MEMBERS[alg])
    expect(jwks.keys[0]).toMatchObject({ alg, use: 'sig' })
    for (const m of PRIVATE_MEMBERS) expect(ks.jwksJson()).not.toContain(`"${m}"`)
    // And the stored public JWK is public too.
    for (const m of PRIVATE_MEMBERS) expect(store.rows[0]!.public_jwk).not.toHaveProperty(m)
  })

  it('the private key is stored only encrypted, and decrypts to the key that signs', async () => {
    const ks = await open(alg)
    const row = store.rows[0]!
    const privateJwk = await decryptPrivateJwk(row.private_jwk_encrypted, SECRET)
    expect(privateJwk.d).toBeTypeOf('string')
    expect(row.private_jwk_encrypted).not.toContain(privateJwk.d)
    expect(JSON.stringify(row.public_jwk)).not.toContain(privateJwk.d)
    expect(await calculateJwkThumbprint(privateJwk, 'sha256')).toBe(row.kid)
    const key = ks.signingKey().privateKey
    expect(key).toBeInstanceOf(KeyObject)
    expect(key.type).toBe('private')
  })

  it('a second open reuses the stored key (decrypting it) instead of generating one', async () => {
    const first = await open(alg)
    const second = await open(alg)
    expect(store.rows).toHaveLength(1)
    expect(second.signingKey().kid).toBe(first.signingKey().kid)
    // The decrypted key signs tokens the first instance verifies.
    await expect(first.verify(sign(second), { issuer: ISSUER, typ: 'at+jwt' })).resolves.toBeTruthy()
  })

  it('verify() accepts its own tokens through jose and the published keys', async () => {
    const ks = await open(alg)
    const { payload, protectedHeader } = await ks.verify(sign(ks), { issuer: ISSUER, audience: 'api', typ: 'at+jwt' })
    expect(payload.sub).toBe('u1')
    expect(protectedHeader).toMatchObject({ alg, kid: ks.signingKey().kid })
  })
})

describe('key parameters', () => {
  it('RFC 7518 §3.3, §3.5: RSA keys are 2048 bits', async () => {
    for (const alg of ['RS256', 'PS256'] as const) {
      const ks = await open(alg)
      expect(ks.signingKey().privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
      store = memoryKeys()
    }
  })
  it('RFC 7518 §3.4: ES256 keys are on P-256', async () => {
    const ks = await open('ES256')
    expect(ks.signingKey().privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect(ks.jwks().keys[0]!.crv).toBe('P-256')
  })
  it('RFC 8037 §3.1: EdDSA keys are Ed25519', async () => {
    const ks = await open('EdDSA')
    expect(ks.signingKey().privateKey.asymmetricKeyType).toBe('ed25519')
    expect(ks.jwks().keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' })
  })
})

describe('caching', () => {
  it('jwks(), jwksJson() and signingKey() return the same cached values between changes', async () => {
    const ks = await open('ES256')
    expect(ks.jwks()).toBe(ks.jwks())
    expect(ks.signingKey()).toBe(ks.signingKey())
    expect(ks.jwksJson()).toBe(JSON.stringify(ks.jwks()))
  })
  it('the cached JWKS is frozen, so a caller cannot alter what /jwks serves', async () => {
    const ks = await open('ES256')
    expect(() => {
      ;(ks.jwks().keys[0] as JWK).d = 'leak'
    }).toThrow(TypeError)
  })
})

describe('rotation (OIDC Core §10.1.1)', () => {
  it('OIDC Core §10.1.1: rotate() signs with the new kid and keeps the old public key in JWKS', async () => {
    const ks = await open('RS256')
    const oldKid = ks.signingKey().kid
    const oldToken = sign(ks)
    const rotated = await ks.rotate()
    expect(rotated).toEqual({ kid: ks.signingKey().kid, alg: 'RS256', activatesAt: clock.now() })
    expect(rotated.kid).not.toBe(oldKid)
    expect(ks.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid, oldKid])
    expect(decodeProtectedHeader(sign(ks)).kid).toBe(rotated.kid)
    // A token signed before the rotation still verifies during the grace period.
    await expect(ks.verify(oldToken, { issuer: ISSUER })).resolves.toBeTruthy()
    const old = store.rows.find((r) => r.kid === oldKid)!
    expect(old).toMatchObject({ retired_at: clock.now(), expires_at: clock.now() + GRACE })
  })

  it('RFC 7517 §5: retired keys drop from JWKS after the grace period, without a reload', async () => {
    const ks = await open('ES256')
    const oldKid = ks.signingKey().kid
    const oldToken = sign(ks, { exp: clock.now() + 2 * GRACE })
    await ks.rotate()
    clock.advance(GRACE - 1)
    expect(ks.jwks().keys.map((k) => k.kid)).toContain(oldKid)
    clock.advance(1)
    expect(ks.jwks().keys.map((k) => k.kid)).not.toContain(oldKid)
    expect(ks.jwksJson()).not.toContain(oldKid)
    await expect(ks.verify(oldToken, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
  })

  it('changing signing_alg between starts generates a key for the new alg and retires the old one', async () => {
    const before = await open('RS256')
    const rsToken = sign(before)
    const after = await open('ES256')
    expect(after.signingKey().alg).toBe('ES256')
    expect(store.rows.find((r) => r.alg === 'RS256')).toMatchObject({ retired_at: clock.now(), expires_at: clock.now() + GRACE })
    expect(after.jwks().keys.map((k) => k.alg)).toEqual(['ES256', 'RS256'])
    // Tokens of the old alg keep verifying while the old key is published.
    await expect(after.verify(rsToken, { issuer: ISSUER })).resolves.toBeTruthy()
    // Restarting with the new alg keeps the new key.
    const again = await open('ES256')
    expect(again.signingKey().kid).toBe(after.signingKey().kid)
    expect(store.rows).toHaveLength(2)
  })

  it('another node’s rotation is picked up by reload(), and by verify() on an unknown kid', async () => {
    const a = await open('EdDSA')
    const b = await open('EdDSA')
    await a.rotate()
    // b has not reloaded, yet a token from a's new key verifies: the unknown kid triggers one reload.
    clock.advance(RELOAD_COOLDOWN)
    await expect(b.verify(sign(a), { issuer: ISSUER })).resolves.toBeTruthy()
    expect(b.signingKey().kid).toBe(a.signingKey().kid)
    await a.rotate()
    await b.reload()
    expect(b.jwks()).toEqual(a.jwks())
  })

  it('OIDC Core §10.1.1: a rotation publishes the new key at once and signs with it only after the activation delay', async () => {
    const DELAY = 90
    const a = await open('ES256', SECRET, DELAY)
    const b = await open('ES256', SECRET, DELAY)
    const oldKid = a.signingKey().kid
    const rotated = await a.rotate()
    expect(rotated.activatesAt).toBe(clock.now() + DELAY)
    // Published on this node at once, and on another node at its next reload, while the old key signs.
    expect(a.jwks().keys.map((k) => k.kid)).toEqual([oldKid, rotated.kid])
    expect(a.signingKey().kid).toBe(oldKid)
    await b.reload()
    expect(b.jwks().keys.map((k) => k.kid)).toEqual([oldKid, rotated.kid])
    expect(b.signingKey().kid).toBe(oldKid)
    clock.advance(DELAY - 1)
    expect(a.signingKey().kid).toBe(oldKid)
    // Both nodes switch by the clock alone: no reload, no store read.
    clock.advance(1)
    expect(a.signingKey().kid).toBe(rotated.kid)
    expect(b.signingKey().kid).toBe(rotated.kid)
    expect(b.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid, oldKid])
    await expect(b.verify(sign(a), { issuer: ISSUER })).resolves.toBeTruthy()
    // The old key retired when the new one activated, and stays published for the grace period.
    expect(store.rows.find((r) => r.kid === oldKid)).toMatchObject({ retired_at: rotated.activatesAt, expires_at: rotated.activatesAt + GRACE })
    clock.advance(GRACE)
    expect(b.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid])
  })

  it('RFC 7517 §5: rotate({ immediately: true }) signs with the new key at once and withdraws the old one from JWKS (a compromised key)', async () => {
    const ks = await open('ES256', SECRET, 600)
    const oldKid = ks.signingKey().kid
    const oldToken = sign(ks)
    const rotated = await ks.rotate({ immediately: true })
    expect(rotated.activatesAt).toBe(clock.now())
    expect(ks.signingKey().kid).toBe(rotated.kid)
    expect(ks.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid])
    expect(store.rows.find((r) => r.kid === oldKid)).toMatchObject({ retired_at: clock.now(), expires_at: clock.now() })
    await expect(ks.verify(oldToken, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
  })

  it('OIDC Core §10.1.1: a changed signing_alg rolls out like a rotation, and nodes still on the old alg follow instead of fighting', async () => {
    const DELAY = 120
    const rsNode = await open('RS256', SECRET, DELAY)
    const rsKid = rsNode.signingKey().kid
    const esNode = await open('ES256', SECRET, DELAY)
    const esKey = store.rows.find((r) => r.alg === 'ES256')!
    expect(esKey.activates_at).toBe(clock.now() + DELAY)
    // Until activation both nodes sign with the RS256 key, and both publish the ES256 one.
    await rsNode.reload()
    for (const node of [rsNode, esNode]) {
      expect(node.signingKey().kid).toBe(rsKid)
      expect(node.jwks().keys.map((k) => k.kid)).toEqual([rsKid, esKey.kid])
    }
    // Another node with the new config, starting before activation, adopts the pending key.
    await open('ES256', SECRET, DELAY)
    expect(store.rows).toHaveLength(2)
    clock.advance(DELAY)
    for (const node of [rsNode, esNode]) expect(node.signingKey()).toMatchObject({ kid: esKey.kid, alg: 'ES256' })
    // The old-config node reloading adds no key of its own: no flip-flop between algs.
    await rsNode.reload()
    await esNode.reload()
    expect(store.rows).toHaveLength(2)
    expect(rsNode.signingKey().kid).toBe(esKey.kid)
  })

  it('issue 4: two nodes opening an empty store at once end up with one key, and sign with it', async () => {
    const nodes = await Promise.all(Array.from({ length: 4 }, () => open('ES256')))
    expect(store.rows).toHaveLength(1)
    expect(new Set(nodes.map((n) => n.signingKey().kid))).toEqual(new Set([store.rows[0]!.kid]))
    expect(store.rows[0]).toMatchObject({ generation: 1, retired_at: null })
  })

  it('concurrent rotations on two nodes both land, in generation order, and every node converges on the newest', async () => {
    const a = await open('ES256')
    const b = await open('ES256')
    const [ra, rb] = await Promise.all([a.rotate(), b.rotate()])
    expect(ra.kid).not.toBe(rb.kid)
    await a.reload()
    await b.reload()
    expect(a.signingKey().kid).toBe(b.signingKey().kid)
    expect(store.rows.map((r) => r.generation).sort()).toEqual([1, 2, 3])
    expect(store.rows.filter((r) => r.retired_at === null)).toHaveLength(1)
  })

  it('an unknown kid triggers at most one store read per cooldown', async () => {
    const ks = await open('ES256')
    let reads = 0
    const list = store.keys.list
    store.keys.list = async (now) => (reads++, list(now))
    const { privateKey } = await generateKeyPair('ES256')
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'unknown' }).setIssuer(ISSUER).sign(privateKey)
    clock.advance(RELOAD_COOLDOWN)
    for (let i = 0; i < 5; i++) await expect(ks.verify(foreign, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
    expect(reads).toBe(1)
  })
})

describe('RS256 companion keys (OIDC Core §15.1)', () => {
  const openWith = (alg: (typeof SIGNING_ALGS)[number], idTokenAlgs: ('RS256' | 'ES256')[], activationDelay = 0, events?: LatchEvents) =>
    Keystore.open({ keys: store.keys, secret: SECRET, alg, clock, retiredKeyGrace: GRACE, activationDelay, idTokenAlgs, ...(events && { events }) })

  /** @see issue 8 */
  it('OIDC Core §15.1: with a client that needs RS256 and another signing_alg, a fresh store gets an RS256 key beside the main key, both signing at once', async () => {
    const ks = await openWith('ES256', ['RS256'])
    expect(store.rows.map((r) => [r.alg, r.generation, r.companion_of])).toEqual([['ES256', 1, null], ['RS256', 1, ks.signingKey().kid]])
    expect(ks.idTokenAlgs()).toEqual(['ES256', 'RS256'])
    expect(ks.jwks().keys.map((k) => k.alg)).toEqual(['ES256', 'RS256'])
    const rs = ks.idTokenSigningKey('RS256')
    expect(rs?.alg).toBe('RS256')
    // Access tokens keep the main alg; an RS256-signed token verifies against the published set.
    expect(ks.signingKey().alg).toBe('ES256')
    const token = signJws({ alg: 'RS256', typ: 'JWT', kid: rs!.kid }, { iss: ISSUER, sub: 'u1', aud: 'c', iat: clock.now(), exp: clock.now() + 60 }, rs!)
    expect((await ks.verify(token, { issuer: ISSUER })).protectedHeader.alg).toBe('RS256')
  })

  /** @see issue 8 */
  it('OIDC Discovery §3: without a client that needs RS256, or when signing_alg is RS256, there is no companion', async () => {
    const es = await openWith('ES256', [])
    expect(es.idTokenAlgs()).toEqual(['ES256'])
    expect(es.idTokenSigningKey('RS256')).toBeUndefined()
    store = memoryKeys()
    const rs = await openWith('RS256', ['RS256'])
    expect(store.rows).toHaveLength(1)
    expect(rs.idTokenAlgs()).toEqual(['RS256'])
    expect(rs.idTokenSigningKey('RS256')).toBe(rs.signingKey())
  })

  /** @see issue 8 */
  it('OIDC Core §10.1.1: the companion rotates with its main key: a new pair is published first, and the old companion retires and leaves JWKS with the old main key', async () => {
    const ks = await openWith('ES256', ['RS256'], 60)
    const oldRs = ks.idTokenSigningKey('RS256')!
    const rotated = await ks.rotate()
    expect(ks.jwks().keys).toHaveLength(4)
    expect(ks.idTokenSigningKey('RS256')).toBe(oldRs)
    clock.advance(60)
    expect(ks.signingKey().kid).toBe(rotated.kid)
    const newRs = ks.idTokenSigningKey('RS256')!
    expect(newRs.kid).not.toBe(oldRs.kid)
    expect(store.rows.find((r) => r.kid === newRs.kid)?.companion_of).toBe(rotated.kid)
    clock.advance(GRACE)
    expect(ks.jwks().keys.map((k) => k.kid).sort()).toEqual([rotated.kid, newRs.kid].sort())
  })

  /** @see issue 8 */
  it('OIDC Core §10.1.1: an existing key gets its companion when a client first needs RS256: published at once, signing after the activation delay, announced as key.rotated', async () => {
    await openWith('ES256', [])
    const events = new LatchEvents()
    const rotated: unknown[] = []
    events.on('key.rotated', (e) => rotated.push(e))
    const ks = await openWith('ES256', ['RS256'], 60, events)
    const companion = store.rows.find((r) => r.companion_of !== null)!
    expect(ks.jwks().keys.map((k) => k.kid)).toContain(companion.kid)
    expect(ks.idTokenAlgs()).toEqual(['ES256'])
    expect(ks.idTokenSigningKey('RS256')).toBeUndefined()
    clock.advance(60)
    expect(ks.idTokenAlgs()).toEqual(['ES256', 'RS256'])
    expect(ks.idTokenSigningKey('RS256')?.kid).toBe(companion.kid)
    // kid and alg only: nothing of the key itself.
    expect(rotated).toEqual([{ kid: companion.kid, alg: 'RS256' }])
    // Another node opening later adds no second companion.
    await openWith('ES256', ['RS256'], 60)
    expect(store.rows.filter((r) => r.companion_of !== null)).toHaveLength(1)
  })

  /** @see issue 8 */
  it('OIDC Core §15.1: switching signing_alg from RS256 to ES256 with an RS256 client gives the new key its companion, and the old RS256 key none', async () => {
    const before = await openWith('RS256', ['RS256'], 60)
    const ks = await openWith('ES256', ['RS256'], 60)
    const [main] = store.rows.filter((r) => r.alg === 'ES256')
    expect(store.rows.filter((r) => r.companion_of !== null).map((r) => r.companion_of)).toEqual([main!.kid])
    // Until the switch, the RS256 main key signs RS256 ID tokens itself.
    expect(ks.idTokenSigningKey('RS256')?.kid).toBe(before.signingKey().kid)
    clock.advance(60)
    expect(ks.signingKey().alg).toBe('ES256')
    expect(ks.idTokenSigningKey('RS256')?.kid).toBe(store.rows.find((r) => r.companion_of === main!.kid)?.kid)
  })
})

describe('key.rotated', () => {
  /** @see issue 8 */
  it('OIDC Core §10.1.1: a rotation, in this process or seen at reload on another node, is announced with kid and alg only', async () => {
    const eventsA = new LatchEvents()
    const eventsB = new LatchEvents()
    const seenA: Record<string, unknown>[] = []
    const seenB: Record<string, unknown>[] = []
    eventsA.on('key.rotated', (e) => seenA.push(e))
    eventsB.on('key.rotated', (e) => seenB.push(e))
    const a = await Keystore.open({ keys: store.keys, secret: SECRET, alg: 'ES256', clock, retiredKeyGrace: GRACE, events: eventsA })
    const b = await Keystore.open({ keys: store.keys, secret: SECRET, alg: 'ES256', clock, retiredKeyGrace: GRACE, events: eventsB })
    expect(seenA).toEqual([]) // the first key of a store is no rotation
    const fresh = await a.rotate()
    expect(seenA).toEqual([{ kid: fresh.kid, alg: 'ES256' }])
    await b.reload()
    expect(seenB).toEqual([{ kid: fresh.kid, alg: 'ES256' }])
    await b.reload()
    expect(seenB).toHaveLength(1)
  })
})

describe('verify() (RFC 7519 §7.2, RFC 8725)', () => {
  it('RFC 8725 §3.1: only the algorithms of published keys are accepted', async () => {
    const ks = await open('ES256')
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: ks.signingKey().kid }).setIssuer(ISSUER).sign(new Uint8Array(32))
    await expect(ks.verify(hs, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed)
  })

  it('RFC 7515 §5.2: a token signed by another key under our kid is rejected', async () => {
    const ks = await open('ES256')
    const { privateKey } = await generateKeyPair('ES256')
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: ks.signingKey().kid }).setIssuer(ISSUER).sign(privateKey)
    await expect(ks.verify(forged, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed)
  })

  it('RFC 9068 §4: typ is checked when asked for', async () => {
    const ks = await open('ES256')
    await expect(ks.verify(sign(ks, {}, 'JWT'), { issuer: ISSUER, typ: 'at+jwt' })).rejects.toThrow(/unexpected "typ"/)
  })

  it('RFC 7519 §4.1.1, §4.1.3: issuer and audience are checked', async () => {
    const ks = await open('ES256')
    await expect(ks.verify(sign(ks), { issuer: 'https://evil.example' })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed)
    await expect(ks.verify(sign(ks), { issuer: ISSUER, audience: 'other' })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed)
  })

  it('RFC 7519 §4.1.4: expiry follows the injected clock', async () => {
    const ks = await open('ES256')
    const token = sign(ks, { exp: clock.now() + 60 })
    await expect(ks.verify(token, { issuer: ISSUER })).resolves.toBeTruthy()
    clock.advance(60)
    await expect(ks.verify(token, { issuer: ISSUER })).rejects.toBeInstanceOf(errors.JWTExpired)
  })
})

describe('encryption at rest', () => {
  it('a wrong LATCH_SECRET fails open() with the clear error', async () => {
    await open('RS256')
    await expect(open('RS256', 'a-different-secret-0123456789-abcdefghijk')).rejects.toThrow(
      'cannot decrypt signing key: LATCH_SECRET differs from the one the key was stored with',
    )
  })

  it('a LATCH_SECRET under 32 characters stops open() before the store is touched', async () => {
    await expect(open('RS256', 'too-short')).rejects.toThrow('config: LATCH_SECRET must be at least 32 characters')
    expect(store.rows).toHaveLength(0)
  })

  it('RFC 7638: a row whose private key does not match its kid is refused', async () => {
    await open('ES256')
    const other = memoryKeys()
    await Keystore.open({ keys: other.keys, secret: SECRET, alg: 'ES256', clock, retiredKeyGrace: GRACE })
    store.rows[0]!.private_jwk_encrypted = other.rows[0]!.private_jwk_encrypted
    await expect(open('ES256')).rejects.toThrow(/does not match its kid/)
  })
})
