/**
 * A fast JWS Compact Serialization signer (RFC 7515 §3.1, §7.1) for the four algorithms Latch signs
 * with (RFC 7518 §3.3 RS256, §3.5 PS256, §3.4 ES256; RFC 8037 §3.1 EdDSA).
 *
 * Why this exists: Latch uses jose for every JOSE operation, with this one measured exception.
 * jose v6 signs through WebCrypto (async, a promise and a key-usage check per call), which on
 * Node 20 is several times slower than node:crypto's synchronous `sign` for the fast algorithms.
 * Measured on Node 20.20 / OpenSSL 3.0 (2,000 access-token-sized signs, median of 5 rounds, a
 * busy 2-core box): ES256 ~30,000 vs ~5,500 ops/s (~5-6x), EdDSA ~20,000 vs ~7,000-9,500 (~2-3x),
 * RS256 ~3,000 vs ~2,300 (~1.3x, the RSA private-key operation dominates). The JWT access token is
 * the hottest thing the token endpoint makes, so its signature goes straight to node:crypto with a
 * pre-imported `KeyObject`; a standing benchmark of this belongs in bench/. Only signing is done
 * here: every token this module produces is verified with jose's `jwtVerify`/`compactVerify` in
 * the tests (jws.test.ts, access-token.test.ts, id-token.test.ts; for RS256 and EdDSA the output
 * is even byte-identical to jose's), and all verification in Latch stays on jose.
 *
 * The encodings follow the RFCs exactly: ES256 signatures are the 64-byte R || S concatenation
 * (RFC 7518 §3.4), not DER, hence `dsaEncoding: 'ieee-p1363'`; PS256 uses MGF1 with SHA-256 and a
 * salt as long as the hash, 32 bytes (RFC 7518 §3.5); Ed25519 hashes internally, so no digest.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8037#section-3.1
 */
import { constants, sign, type KeyObject } from 'node:crypto'
import type { SigningAlg } from '../config/schema.js'

export interface JwsSigningKey {
  readonly alg: SigningAlg | string
  readonly privateKey: KeyObject
}

type Signer = (data: Buffer, key: KeyObject) => Buffer

/** One entry per JWA algorithm: a table, so an unknown `alg` cannot fall through to a default. */
const SIGNERS: Readonly<Record<SigningAlg, Signer>> = {
  RS256: (data, key) => sign('sha256', data, key),
  PS256: (data, key) =>
    sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
  ES256: (data, key) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
  EdDSA: (data, key) => sign(null, data, key),
}

function b64uJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * Encoded protected headers of the usual shape `{ alg, typ, kid }`, which change only when a key
 * is rotated: encoding one per token was ~1.5% of the client credentials path. Bounded, so a
 * long-running process that sees many rotations does not grow it.
 */
const encodedHeaders = new Map<string, string>()
const MAX_ENCODED_HEADERS = 64
const HEADER_SHAPE = ['alg', 'typ', 'kid'] as const

function encodeHeader(header: { alg: string; [name: string]: unknown }): string {
  const { typ, kid } = header
  // Only the exact shape {alg, typ, kid}, in that order, with string values is remembered: the
  // cached text is then exactly what JSON.stringify would write for this header.
  let i = 0
  for (const name in header) {
    if (name !== HEADER_SHAPE[i++]) return b64uJson(header)
  }
  if (i !== 3 || typeof typ !== 'string' || typeof kid !== 'string') return b64uJson(header)
  const cacheKey = `${header.alg}\0${typ}\0${kid}`
  let encoded = encodedHeaders.get(cacheKey)
  if (encoded === undefined) {
    if (encodedHeaders.size >= MAX_ENCODED_HEADERS) encodedHeaders.clear()
    encodedHeaders.set(cacheKey, (encoded = b64uJson(header)))
  }
  return encoded
}

/**
 * Signs `payload` as a compact JWS. `header.alg` must name the key's algorithm: a mismatch would
 * produce a token no verifier accepts, so it fails here, loudly, instead.
 */
export function signJws(header: { alg: string; [name: string]: unknown }, payload: object, key: JwsSigningKey): string {
  const signer = Object.hasOwn(SIGNERS, key.alg) ? SIGNERS[key.alg as SigningAlg] : undefined
  if (signer === undefined) throw new TypeError(`signJws: unsupported alg ${JSON.stringify(key.alg)}`)
  if (header.alg !== key.alg) throw new TypeError(`signJws: header alg ${header.alg} does not match key alg ${key.alg}`)
  const signingInput = `${encodeHeader(header)}.${b64uJson(payload)}`
  return `${signingInput}.${signer(Buffer.from(signingInput), key.privateKey).toString('base64url')}`
}
