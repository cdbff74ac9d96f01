/**
 * A real `SessionStore` (the plugin's own MemorySessionStore underneath) that also remembers every
 * secret the BFF stores in it, so browser tests can look for those values where they must never
 * be: web storage, script-readable cookies, the page, the logs.
 */
import { MemorySessionStore, type SessionStore } from '@latch/client/bff'

/** The session and transaction fields that hold secrets. */
export const SECRET_FIELDS = ['accessToken', 'refreshToken', 'idToken', 'codeVerifier', 'nonce'] as const

/** A compact JWS (header.payload.signature), as access and ID tokens are. */
export const JWT_SHAPED = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/

export class RecordingSessionStore implements SessionStore {
  readonly inner = new MemorySessionStore()
  readonly secrets = new Set<string>()
  /** `fields`: which keys hold secrets (`state` too, where a test checks that the front channel never shows it after the callback). */
  constructor(private readonly fields: readonly string[] = SECRET_FIELDS) {}
  get(key: string): unknown {
    return this.inner.get(key)
  }
  set(key: string, value: unknown, ttlSeconds: number): void {
    this.#collect(value)
    this.inner.set(key, value, ttlSeconds)
  }
  delete(key: string): void {
    this.inner.delete(key)
  }
  #collect(value: unknown): void {
    if (value === null || typeof value !== 'object') return
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string' && this.fields.includes(key)) this.secrets.add(v)
      else this.#collect(v)
    }
  }
}
