/**
 * Issue 14: the HTTP request an event was emitted during, as an `AsyncLocalStorage` store, so that
 * the audit log (and any subscriber of `LatchEvents`) can stamp what happened with where it came
 * from, without passing the request down through every layer. server.ts enters it in an
 * `onRequest` hook for every request (and again in `preValidation` where the body's reading lost it:
 * Node 22 reads a body in the socket's async context; Node 24's AsyncContextFrame keeps the request's).
 *
 * Cheap on the hot path: one small object per request whose `ip` and `user_agent` are read from
 * the request only when someone asks (most requests emit nothing that needs them), then kept.
 * `ip` is the request's (Fastify's `request.ip`, which honours `trust_proxy`); `user_agent` is the
 * header as `clean` makes it (server.ts passes `rules/user-agent.ts` `storedUserAgent`: control
 * characters dropped, cut to `USER_AGENT_MAX` characters; anonymous input, bounded).
 * @see https://nodejs.org/api/async_context.html#class-asynclocalstorage
 */
import { AsyncLocalStorage } from 'node:async_hooks'

/** What a request's context offers: its source address and its User-Agent (or null). */
export interface RequestContextStore {
  readonly ip: string
  readonly user_agent: string | null
}

/** The parts of a request the context reads (structural: lib/ does not import Fastify). */
export interface RequestLike {
  readonly ip: string
  readonly headers: { readonly [name: string]: string | string[] | undefined }
}

const UNSET = Symbol('unset')

/** The store of one request: reads `ip` and `user_agent` on first use, once. */
export class RequestContext implements RequestContextStore {
  #request: RequestLike | null
  readonly #clean: (header: unknown) => string | null
  #ip: string | typeof UNSET = UNSET
  #userAgent: string | null | typeof UNSET = UNSET

  constructor(request: RequestLike, clean: (header: unknown) => string | null) {
    this.#request = request
    this.#clean = clean
  }

  get ip(): string {
    if (this.#ip === UNSET) this.#ip = this.#request?.ip ?? ''
    this.#release()
    return this.#ip
  }

  get user_agent(): string | null {
    if (this.#userAgent === UNSET) this.#userAgent = this.#clean(this.#request?.headers['user-agent'])
    this.#release()
    return this.#userAgent
  }

  /** Once both are read the request is not needed (nor kept alive) any more. */
  #release(): void {
    if (this.#ip !== UNSET && this.#userAgent !== UNSET) this.#request = null
  }
}

/** The one storage: every HTTP request of this process runs inside it. */
export const requestContext = new AsyncLocalStorage<RequestContextStore>()

/** The context of the request being served, or undefined outside a request (timers, the CLI, background work started elsewhere). */
export function currentRequest(): RequestContextStore | undefined {
  return requestContext.getStore()
}
