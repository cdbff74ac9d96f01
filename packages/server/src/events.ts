/**
 * The typed event map of Latch: what happened, named `<artefact>.<past-tense verb>`
 * (oidc-provider's docs/events.md). pino and metrics subscribe here instead of handlers logging
 * ad hoc. Payloads never carry a secret, code or token: only ids and hashes' prefixes.
 */
import { EventEmitter } from 'node:events'

export interface LatchEventMap {
  'token.issued': { grant_type: string; client_id: string; sub: string | null; jti: string }
  'authorization_code.reused': { client_id: string; grant_id: string }
  'refresh_token.rotated': { client_id: string; grant_id: string }
  'refresh_token.family_revoked': { client_id: string; grant_id: string; reason: string }
  'grant.revoked': { grant_id: string; reason: string }
  'token.revoked': { client_id: string; token_type: 'access_token' | 'refresh_token' }
  'login.succeeded': { user_id: string; session_id: string }
  /** `account_hash`: the account as typed, as a keyed hash (HMAC under LATCH_SECRET), to correlate failures per account without an email in the log. */
  'login.failed': { reason: 'bad_credentials' | 'throttled'; ip: string; account_hash: string }
  'consent.granted': { user_id: string; client_id: string; scope: string }
  'consent.denied': { user_id: string; client_id: string }
  'session.ended': { session_id: string; user_id: string }
  'device_code.approved': { client_id: string; user_id: string }
  'device_code.denied': { client_id: string; user_id: string }
  'key.rotated': { kid: string; alg: string }
  'client_assertion.replayed': { client_id: string }
}

export type LatchEventName = keyof LatchEventMap

export class LatchEvents {
  readonly #emitter = new EventEmitter()
  emit<K extends LatchEventName>(name: K, payload: LatchEventMap[K]): void {
    this.#emitter.emit(name, payload)
  }
  on<K extends LatchEventName>(name: K, listener: (payload: LatchEventMap[K]) => void): this {
    this.#emitter.on(name, listener)
    return this
  }
  onAny(listener: (name: LatchEventName, payload: unknown) => void): this {
    for (const name of EVENT_NAMES) this.#emitter.on(name, (p: unknown) => listener(name, p))
    return this
  }
}

export const EVENT_NAMES: readonly LatchEventName[] = [
  'token.issued', 'authorization_code.reused', 'refresh_token.rotated', 'refresh_token.family_revoked',
  'grant.revoked', 'token.revoked', 'login.succeeded', 'login.failed', 'consent.granted', 'consent.denied',
  'session.ended', 'device_code.approved', 'device_code.denied', 'key.rotated', 'client_assertion.replayed',
]
