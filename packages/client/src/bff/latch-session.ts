/**
 * `request.latchSession`: the signed-in user's session as the app's own routes see it (a
 * server-rendered page, an API route of the BFF itself). It exposes the profile and hands out an
 * access token on demand (refreshed first when it is about to expire) or makes the API call
 * itself, with the Bearer header, the refresh before, and one retry after a 401, over the core's
 * HTTPS-except-loopback transport and with a timeout. Tokens are read from here and never written
 * into a response by the plugin.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3
 */
import { secureFetch } from '../transport.js'
import type { BffSessions } from './sessions.js'
import type { BffUser, SessionRecord } from './session.js'

// The typed decorator, declared where `LatchSession` is, so importing the BFF's types brings it along.
declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user's session (see `LatchSession`), or `null` when nobody is; set by `latchBff`. */
    latchSession: LatchSession | null
  }
}

/**
 * The session of the signed-in user, on `request.latchSession` (or `null` when nobody is signed
 * in). Methods throw `BffSessionError` (`login_required`, `temporarily_unavailable`) when no
 * access token can be had.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { latchBff, type LatchBffOptions } from '@latch/client/bff'
 *
 * declare const options: LatchBffOptions // issuer, clientId, clientSecret, redirectUri, …
 * const app = Fastify()
 * await app.register(latchBff, options)
 *
 * app.get('/orders', async (request, reply) => {
 *   const session = request.latchSession
 *   if (!session) return reply.redirect('/auth/login?returnTo=/orders')
 *   const res = await session.fetch('https://api.example.com/orders') // Bearer, refreshed as needed
 *   return { user: session.user, orders: await res.json() }
 * })
 * ```
 */
export interface LatchSession {
  /** The user's OpenID Connect claims (ID token and UserInfo). */
  readonly user: BffUser
  /** Epoch seconds when the current access token expires, or `null` when unknown. */
  readonly expiresAt: number | null
  /** The session's CSRF token: put it in a `csrf` field of the app's own POST forms to `/auth/*`. */
  readonly csrfToken: string
  /** The scope granted to the access token, when the OP said. */
  readonly scope: string | null
  /** A valid access token, refreshed first when it expires within the refresh skew. */
  getAccessToken(): Promise<string>
  /**
   * `fetch` with `Authorization: Bearer <access token>`; refreshes before when the token is about
   * to expire and once more, retrying once, when the answer is 401. A streamed body cannot be
   * sent twice, so with one the 401 is returned as is. HTTPS only, except to loopback and to the
   * configured `api.upstream` (`ClientValidationError` `insecure_request` otherwise, before any
   * token is sent); a network failure is `request_failed`; without its own `signal` the call is
   * abandoned after `api.timeout` ms (default 30 000) with a `TimeoutError`.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>
  /** Refreshes the access token now (e.g. after the user's permissions changed). */
  refresh(): Promise<void>
}

/** How a session's requests reach the network (see `sessionTransport`). */
export type SessionTransport = (url: URL, init: RequestInit) => Promise<Response>

/**
 * The transport of `LatchSession.fetch`: the core's rule (transport.ts) of HTTPS except to
 * loopback, so a bearer token never crosses the network in clear text (RFC 6750 §5.3), with the
 * one exception the operator made explicitly: the configured `api.upstream` origin (the plugin
 * warns at start when that is plain http). Network failures become `request_failed`. A call
 * without its own `signal` is abandoned after `timeout` ms, so a hung API cannot hold the request
 * (and the Node socket) forever.
 */
export function sessionTransport(fetchImpl: typeof fetch, timeout: number, configuredUpstream: URL | null): SessionTransport {
  const secure = secureFetch({ fetch: fetchImpl })
  const configured = secureFetch({ fetch: fetchImpl, allowInsecureRequests: true })
  return (url, init) => {
    const send = configuredUpstream !== null && url.origin === configuredUpstream.origin ? configured : secure
    return send(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeout) })
  }
}

/** A body that can be sent again for the retry after a 401. */
function replayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof URLSearchParams || body instanceof Blob
}

/** The `LatchSession` of one request: a session id and the record read for this request. */
export class RequestSession implements LatchSession {
  readonly id: string
  #record: SessionRecord
  readonly #sessions: BffSessions
  readonly #send: SessionTransport

  constructor(id: string, record: SessionRecord, sessions: BffSessions, send: SessionTransport) {
    this.id = id
    this.#record = record
    this.#sessions = sessions
    this.#send = send
  }

  /** The record as last read or refreshed in this request. */
  get record(): SessionRecord {
    return this.#record
  }

  get user(): BffUser {
    return this.#record.user
  }

  get expiresAt(): number | null {
    return this.#record.expiresAt
  }

  get csrfToken(): string {
    return this.#record.csrfToken
  }

  get scope(): string | null {
    return this.#record.scope
  }

  async getAccessToken(): Promise<string> {
    this.#record = await this.#sessions.fresh(this.id, this.#record)
    return this.#record.accessToken
  }

  async refresh(): Promise<void> {
    this.#record = await this.#sessions.refresh(this.id, this.#record)
  }

  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    // Checked before a token is even fetched: `insecure_request` for http:// off loopback.
    const url = new URL(input)
    const send = (token: string): Promise<Response> => {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${token}`)
      return this.#send(url, { ...init, headers })
    }
    const response = await send(await this.getAccessToken())
    // RFC 6750 §3.1: 401 means the token was not accepted (expired early, revoked): refresh once, retry once.
    if (response.status !== 401 || this.#record.refreshToken === null || !replayable(init.body)) return response
    await response.body?.cancel().catch(() => {})
    await this.refresh()
    return send(this.#record.accessToken)
  }
}
