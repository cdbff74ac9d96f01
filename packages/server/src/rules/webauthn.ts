/**
 * Issue 13: the pure WebAuthn rules Latch applies around `@simplewebauthn/server`.
 *
 * - The relying party is the issuer: its RP ID is the issuer's host (WebAuthn L3 §5.1.2: a
 *   registrable domain suffix of, or equal to, the origin's effective domain; Latch takes the host
 *   itself, so a passkey is never usable by a sibling subdomain) and the only origin accepted in
 *   `clientDataJSON` is the issuer's origin. Per tenant: each tenant's issuer. Path tenants on one
 *   host share the RP ID, so a browser may offer another tenant's passkey; the store finds
 *   credentials only in the request's tenant, so such an assertion is refused as unknown.
 * - `amr` of a passkey sign-in (RFC 8176): `swk` for a backup-eligible (synced) credential, `hwk`
 *   for a device-bound one, with `user` (the authenticator verified the user, which Latch requires)
 *   and `mfa` (possession of the key plus the user's PIN or biometric: two factors).
 * - The challenge is read out of `clientDataJSON` only to find the stored ceremony it names; it is
 *   trusted only once that row is taken (bound to this browser, unexpired, single use).
 * @see https://www.w3.org/TR/webauthn-3/#relying-party-identifier
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */

export interface RelyingParty {
  /** The RP ID: the issuer's host name. */
  id: string
  /** The one origin `clientDataJSON.origin` may have: the issuer's. */
  origin: string
}

export function relyingPartyOf(issuer: string): RelyingParty {
  const url = new URL(issuer)
  return { id: url.hostname, origin: url.origin }
}

/** RFC 8176 `amr` of a passkey sign-in with user verification. */
export function passkeyAmr(backupEligible: boolean): string[] {
  return [backupEligible ? 'swk' : 'hwk', 'user', 'mfa']
}

/** Longest WebAuthn response JSON Latch reads (a `none` attestation of a large RSA key is ~1.5 KB). */
export const MAX_RESPONSE_LENGTH = 16_384

/** The credential id's longest base64url form: WebAuthn L3 §5.8.3 caps credential ids at 1023 bytes. */
const MAX_CREDENTIAL_ID = 1364

export interface ParsedResponse {
  /** The JSON as `@simplewebauthn/server` takes it. */
  json: Record<string, unknown> & { id: string; response: Record<string, unknown> }
  /** `clientDataJSON.challenge`, not yet trusted. */
  challenge: string
}

/**
 * The posted `PublicKeyCredential` JSON (`@simplewebauthn/browser`'s output) read far enough to find
 * its ceremony: null for anything malformed, oversized or without a base64url challenge.
 */
export function parseCredentialResponse(text: string | undefined): ParsedResponse | null {
  if (text === undefined || text.length === 0 || text.length > MAX_RESPONSE_LENGTH) return null
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null
  const o = json as Record<string, unknown>
  if (typeof o.id !== 'string' || !/^[A-Za-z0-9_-]{1,1364}$/.test(o.id) || o.id.length > MAX_CREDENTIAL_ID) return null
  const response = o.response
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return null
  const clientData = (response as Record<string, unknown>).clientDataJSON
  if (typeof clientData !== 'string' || !/^[A-Za-z0-9_-]+$/.test(clientData)) return null
  let challenge: unknown
  try {
    challenge = (JSON.parse(Buffer.from(clientData, 'base64url').toString('utf8')) as Record<string, unknown>).challenge
  } catch {
    return null
  }
  if (typeof challenge !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(challenge)) return null
  return { json: o as ParsedResponse['json'], challenge }
}

/** A passkey's name as the user typed it: trimmed, control characters dropped, at most 64 characters; empty → null. */
export function passkeyName(input: string | undefined): string | null {
  const name = (input ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 64).trim()
  return name === '' ? null : name
}
