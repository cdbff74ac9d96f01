/**
 * Issue 13: a WebAuthn authenticator in software, with real cryptography, for the HTTP tests of
 * passkeys: a P-256 key pair (ES256, COSE alg -7), a `none` attestation, authenticator data built
 * byte by byte (WebAuthn L3 §6.1: RP ID hash, flags UP/UV/BE/BS/AT, signature counter, attested
 * credential data with the COSE key) and ECDSA signatures over `authenticatorData ‖
 * SHA-256(clientDataJSON)` (§6.3.3). It answers what the browser library would post
 * (`RegistrationResponseJSON`, `AuthenticationResponseJSON`), and each call can be bent (another
 * origin, RP ID, challenge, counter, no user verification) to test what the server refuses. Its own
 * small CBOR encoder (RFC 8949) keeps it independent of the library under test.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-authenticator-data
 * @see https://www.rfc-editor.org/rfc/rfc8949
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 256) return Buffer.from([(major << 5) | 24, n])
  if (n < 65_536) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff])
  const b = Buffer.alloc(5)
  b[0] = (major << 5) | 26
  b.writeUInt32BE(n, 1)
  return b
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value)
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([head(3, bytes.length), bytes])
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value])
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])])
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()
const b64u = (data: Uint8Array | string) => Buffer.from(data).toString('base64url')

export interface Bend {
  origin?: string
  rpId?: string
  challenge?: string
  type?: string
  /** The signature counter to report (default: one more than the last). */
  signCount?: number
  userVerified?: boolean
  userHandle?: string
}

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16)
  readonly #key: KeyObject
  readonly #cose: Buffer
  #count = 0
  #userHandle: string | undefined

  constructor(
    readonly rpId: string,
    readonly origin: string,
    readonly options: { backupEligible?: boolean } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.#key = privateKey
    const jwk = publicKey.export({ format: 'jwk' })
    this.#cose = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]))
  }

  get id(): string {
    return b64u(this.credentialId)
  }

  #authData(rpId: string, flags: { uv: boolean; at: boolean }, count: number): Buffer {
    const be = this.options.backupEligible === true
    const bits = 0x01 | (flags.uv ? 0x04 : 0) | (be ? 0x08 | 0x10 : 0) | (flags.at ? 0x40 : 0)
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(count)
    const parts: Uint8Array[] = [sha256(rpId), Buffer.from([bits]), counter]
    if (flags.at) {
      const length = Buffer.alloc(2)
      length.writeUInt16BE(this.credentialId.length)
      parts.push(Buffer.alloc(16), length, this.credentialId, this.#cose)
    }
    return Buffer.concat(parts)
  }

  #clientData(type: string, challenge: string, origin: string): string {
    return JSON.stringify({ type, challenge, origin, crossOrigin: false })
  }

  /** `navigator.credentials.create` with these options (JSON as the server sent them). */
  register(options: { challenge: string; user: { id: string } }, bend: Bend = {}): Record<string, unknown> {
    this.#userHandle = bend.userHandle ?? options.user.id
    const clientDataJSON = this.#clientData(bend.type ?? 'webauthn.create', bend.challenge ?? options.challenge, bend.origin ?? this.origin)
    const authData = this.#authData(bend.rpId ?? this.rpId, { uv: bend.userVerified ?? true, at: true }, bend.signCount ?? this.#count)
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
    return {
      id: this.id, rawId: this.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    }
  }

  /** `navigator.credentials.get` with these options: a signed assertion of this credential. */
  assert(options: { challenge: string }, bend: Bend = {}): Record<string, unknown> {
    const count = bend.signCount ?? ++this.#count
    const clientDataJSON = this.#clientData(bend.type ?? 'webauthn.get', bend.challenge ?? options.challenge, bend.origin ?? this.origin)
    const authData = this.#authData(bend.rpId ?? this.rpId, { uv: bend.userVerified ?? true, at: false }, count)
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.#key)
    return {
      id: this.id, rawId: this.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: bend.userHandle ?? this.#userHandle },
    }
  }
}
