/**
 * The BFF's sessions on top of a `SessionStore`: create (with a fresh random id, so signing in
 * always rotates the id and a planted cookie can never become a signed-in session: session
 * fixation), load, destroy, and keep the access token fresh.
 *
 * Refreshing is the delicate part. Latch rotates refresh tokens, and presenting a rotated one
 * again is treated as theft: the whole grant is revoked (RFC 9700 §4.14.2). A page that fires
 * five API calls at the moment the access token expires must therefore cause exactly one refresh.
 * So refreshes are single-flight per session (concurrent callers share one promise), and a
 * refresh first re-reads the session: when another request has already replaced the stale access
 * token, its result is used instead of spending the refresh token again. Single-flight is per
 * process; several nodes sharing a store may still race, which the OP answers by revoking the
 * grant (the user signs in again), never by letting a token be used twice.
 *
 * A refresh the OP refuses (refusal.ts: a 400/401 OAuth error such as `invalid_grant`, or a
 * response that fails validation, including a refreshed ID token about another user, OIDC Core
 * §12.2) or that is impossible (no refresh token) ends the session: `login_required`. A refresh
 * that fails because the OP is unreachable, times out, or answers 408, 429 or 5xx (a gateway's
 * HTML page included) keeps the session: `temporarily_unavailable`.
 *
 * Ending a session races refreshing it: a refresh that lands after the session was deleted would
 * write it back, with a new refresh token that logout never revoked. So `destroy` waits for this
 * process's refresh of the session and then deletes (and returns) what it wrote, and a refresh
 * re-reads the session before saving: if it is gone (another node's logout), the new refresh
 * token is revoked instead of saved.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse (§12.2)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#renew-the-session-id-after-any-privilege-level-change
 */
import { randomBytes } from 'node:crypto'
import type { AuthorizationCodeClient } from '../authorization-code.js'
import { isRefusal } from './refusal.js'
import { isSessionRecord, refreshedRecord, type SessionRecord } from './session.js'
import type { SessionStore } from './session-store.js'

/** Why a session cannot give an access token: the user must sign in again, or the OP is down for now. */
export type SessionErrorCode = 'login_required' | 'temporarily_unavailable'

/**
 * Thrown by `request.latchSession.getAccessToken()`, `.fetch()` and `.refresh()` when no usable
 * access token can be had: `login_required` (the session is gone; sign in again) or
 * `temporarily_unavailable` (the authorization server could not be reached; the session is kept).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { BffSessionError, latchBff, type LatchBffOptions } from '@latch/client/bff'
 *
 * declare const options: LatchBffOptions // issuer, clientId, clientSecret, redirectUri, …
 * const app = Fastify()
 * await app.register(latchBff, options)
 *
 * app.get('/report', async (request, reply) => {
 *   try {
 *     const token = await request.latchSession!.getAccessToken()
 *     const res = await fetch('https://api.example.com/report', { headers: { authorization: `Bearer ${token}` } })
 *     return await res.json()
 *   } catch (err) {
 *     if (err instanceof BffSessionError && err.code === 'login_required') return reply.redirect('/auth/login')
 *     throw err
 *   }
 * })
 * ```
 */
export class BffSessionError extends Error {
  readonly code: SessionErrorCode
  constructor(code: SessionErrorCode, message: string) {
    super(message)
    this.name = 'BffSessionError'
    this.code = code
  }
}

/** 256 random bits, base64url: the session and transaction ids. */
export function randomId(): string {
  return randomBytes(32).toString('base64url')
}

/** What a cookie must look like to be looked up at all (43 base64url characters). */
export function isRandomId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value)
}

const now = (): number => Math.floor(Date.now() / 1000)

/** Session ids kept per `sid` or `sub` list: a user with more sessions at once loses the oldest from the list (not the sessions). */
const MAX_INDEXED = 16

/** The session ids of a back-channel logout list as read back from the store (anything else: none). */
function idsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter(isRandomId) : []
}

export interface BffSessionsOptions {
  store: SessionStore
  client: AuthorizationCodeClient
  /** Seconds before `expiresAt` at which the access token counts as expired. */
  refreshSkew: number
  /** Called with a short, token-free description when a refresh fails. */
  onRefreshError?: (code: SessionErrorCode, err: unknown) => void
}

export class BffSessions {
  readonly #store: SessionStore
  readonly #client: AuthorizationCodeClient
  readonly #skew: number
  readonly #onRefreshError: BffSessionsOptions['onRefreshError']
  readonly #inflight = new Map<string, Promise<SessionRecord>>()

  constructor(options: BffSessionsOptions) {
    this.#store = options.store
    this.#client = options.client
    this.#skew = options.refreshSkew
    this.#onRefreshError = options.onRefreshError
  }

  /** The session `id` names, or `null` when there is none, it ended, or the store holds something else. */
  async load(id: string): Promise<SessionRecord | null> {
    if (!isRandomId(id)) return null
    const value = await this.#store.get(`session:${id}`)
    if (!isSessionRecord(value)) return null
    if (value.endsAt <= now()) {
      await this.#store.delete(`session:${id}`)
      return null
    }
    return value
  }

  /**
   * Stores a new session under a new random id and returns the id. The id is also listed under
   * the OP's `sid` and the user's `sub` (`logout:sid:<sid>`, `logout:sub:<sub>`), so a back-channel
   * logout can find it. The lists are read-modify-write: two sign-ins of one user on two nodes at
   * the same instant may drop one entry, whose session then lives until its next refresh fails
   * (the OP revoked its grant with the session). At most `MAX_INDEXED` ids per list.
   */
  async create(record: SessionRecord): Promise<string> {
    const id = randomId()
    await this.#save(id, record)
    const ttl = Math.max(1, record.endsAt - now())
    if (record.sid !== undefined) await this.#index(`logout:sid:${record.sid}`, id, ttl)
    await this.#index(`logout:sub:${record.user.sub}`, id, ttl)
    return id
  }

  async #index(key: string, id: string, ttl: number): Promise<void> {
    const ids = idsOf(await this.#store.get(key))
    await this.#store.set(key, [...ids.filter((known) => known !== id), id].slice(-MAX_INDEXED), ttl)
  }

  /**
   * OIDC Back-Channel Logout §2.7: ends this app's sessions of the OP session `sid`, or, when the
   * logout token names only `sub`, every session of that user. Returns how many ended. The
   * sessions' tokens are not revoked: the OP ended the session and revoked its grants itself.
   */
  async endByLogout(target: { sid?: string; sub?: string }): Promise<number> {
    const key = target.sid !== undefined ? `logout:sid:${target.sid}` : target.sub !== undefined ? `logout:sub:${target.sub}` : null
    if (key === null) return 0
    let ended = 0
    for (const id of idsOf(await this.#store.get(key))) {
      const record = await this.#store.get(`session:${id}`)
      if (!isSessionRecord(record)) continue
      // The lists are hints: a session is ended only when it is the one the token names.
      if (target.sid !== undefined ? record.sid !== target.sid : record.user.sub !== target.sub) continue
      if (target.sid !== undefined && target.sub !== undefined && record.user.sub !== target.sub) continue
      if ((await this.destroy(id)) !== null) ended++
    }
    await this.#store.delete(key)
    return ended
  }

  /**
   * Ends the session `id` names and returns its last record (`null` when there was none), so the
   * caller revokes the tokens it really held. A refresh of it in flight in this process finishes
   * first: otherwise it would write the session back after the delete.
   */
  async destroy(id: string): Promise<SessionRecord | null> {
    if (!isRandomId(id)) return null
    await this.#inflight.get(id)?.catch(() => {})
    return this.#delete(id)
  }

  /** Deletes the session and returns what it held (no waiting: used inside a refresh). */
  async #delete(id: string): Promise<SessionRecord | null> {
    const key = `session:${id}`
    const value = await this.#store.get(key)
    await this.#store.delete(key)
    return isSessionRecord(value) ? value : null
  }

  /** Whether the access token expires within the refresh skew (unknown expiry counts as fresh). */
  isExpiring(record: SessionRecord): boolean {
    return record.expiresAt !== null && record.expiresAt - this.#skew <= now()
  }

  /** `record`, or the refreshed session when its access token is about to expire. */
  async fresh(id: string, record: SessionRecord): Promise<SessionRecord> {
    return this.isExpiring(record) ? this.refresh(id, record) : record
  }

  /**
   * Replaces the access token `stale` holds with a new one from the refresh token (one refresh
   * per session at a time; see the module comment). Throws `BffSessionError`.
   */
  async refresh(id: string, stale: SessionRecord): Promise<SessionRecord> {
    let pending = this.#inflight.get(id)
    if (!pending) {
      pending = this.#refresh(id, stale).finally(() => this.#inflight.delete(id))
      this.#inflight.set(id, pending)
    }
    return pending
  }

  async #refresh(id: string, stale: SessionRecord): Promise<SessionRecord> {
    const current = await this.load(id)
    if (!current) throw new BffSessionError('login_required', 'the session has ended')
    // Another request refreshed since `stale` was read: use its token, keep the refresh token unspent.
    if (current.accessToken !== stale.accessToken && !this.isExpiring(current)) return current
    if (current.refreshToken === null) {
      await this.#delete(id)
      this.#onRefreshError?.('login_required', new Error('no refresh token'))
      throw new BffSessionError('login_required', 'the access token expired and the session has no refresh token')
    }
    let tokens
    try {
      tokens = await this.#client.refresh(current.refreshToken, { expectedSubject: current.user.sub })
    } catch (err) {
      if (isRefusal(err)) {
        await this.#delete(id)
        this.#onRefreshError?.('login_required', err)
        throw new BffSessionError('login_required', 'the authorization server refused to refresh the session')
      }
      this.#onRefreshError?.('temporarily_unavailable', err)
      throw new BffSessionError('temporarily_unavailable', 'the authorization server could not be reached to refresh the session')
    }
    // Ended meanwhile (a logout on another node, or a store that evicted it): do not bring it back.
    if ((await this.load(id)) === null) {
      await this.#client.revoke(tokens.refreshToken ?? tokens.accessToken, tokens.refreshToken !== undefined ? 'refresh_token' : 'access_token').catch(() => {})
      throw new BffSessionError('login_required', 'the session ended while it was being refreshed')
    }
    const next = refreshedRecord(current, tokens)
    await this.#save(id, next)
    return next
  }

  async #save(id: string, record: SessionRecord): Promise<void> {
    await this.#store.set(`session:${id}`, record, Math.max(1, record.endsAt - now()))
  }
}
