/**
 * Shared parts of the @latch/client tests: the server's helpers (a real Latch on an ephemeral
 * port), its no-JavaScript browser, and a `fetch` that counts requests per path. The counter is
 * a pass-through (every request reaches the real server); it only lets a test say how many token
 * requests a burst of callers caused.
 */
import { expect } from 'vitest'
import { Browser } from '../../server/test/browser.js'
import { ClientValidationError, OAuthResponseError } from '../src/index.js'

export { Browser, formOf, isConsentPage, isLoginPage } from '../../server/test/browser.js'
export { ALICE, API, BOB, WEB_REDIRECT, WEB_SECRET, SERVICE_SECRET, LOGGED_OUT, baseTestConfig, freePort, startServer, type TestServer } from '../../server/test/helpers.js'

/** A pass-through `fetch` that counts requests by pathname (`/token`, `/jwks`, …). */
export function countingFetch(): { fetch: typeof fetch; count(path: string): number; reset(): void } {
  const counts = new Map<string, number>()
  return {
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input)
      counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1)
      return fetch(input, init)
    },
    count: (path) => counts.get(path) ?? 0,
    reset: () => counts.clear(),
  }
}

/** Runs the authorization request at `url` in a fresh (or given) browser; returns the redirect. */
export async function authorize(issuer: string, url: URL, user: { email: string; password: string }, decision: 'allow' | 'deny' = 'allow', browser = new Browser(issuer)): Promise<URL> {
  const page = await browser.authorize(url, user, decision)
  if (!page.redirect) throw new Error(`expected a redirect to the client, got status ${page.status} at ${page.url}`)
  return page.redirect
}

/** Awaits a rejection and checks it is an `OAuthResponseError` with `error` (and `status`). */
export async function expectOAuthError(promise: Promise<unknown>, error: string, status?: number): Promise<OAuthResponseError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(OAuthResponseError)
  const e = err as OAuthResponseError
  expect(e.error).toBe(error)
  if (status !== undefined) expect(e.status).toBe(status)
  return e
}

/** Awaits a rejection and checks it is a `ClientValidationError` with `code`. */
export async function expectValidationError(promise: Promise<unknown>, code: string): Promise<ClientValidationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ClientValidationError)
  expect((err as ClientValidationError).code).toBe(code)
  return err as ClientValidationError
}

/** Base64url JSON payload of a JWT (for assertions only; never trust it unverified). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** One answer held back by `holdingFetch`. */
export interface HeldAnswer {
  /** Resolves with the JSON body the server answered, once it has answered (and acted). */
  arrived: Promise<Record<string, unknown>>
  /** Lets the held answer go on to the client. */
  release(): void
}

/**
 * A pass-through `fetch` that can hold back the next answer for one path: the request reaches the
 * real server, which acts on it (rotates a refresh token, say), and the answer then waits until
 * the test releases it, as a slow network would deliver it. That makes races deterministic: the
 * test does its other step while the answer is known to be in flight.
 */
export function holdingFetch(): { fetch: typeof fetch; hold(path: string): HeldAnswer } {
  let pending: { path: string; arrived: (body: Record<string, unknown>) => void; released: Promise<void> } | null = null
  return {
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input)
      const response = await fetch(input, init)
      const held = pending
      if (held === null || url.pathname !== held.path) return response
      pending = null
      held.arrived((await response.clone().json()) as Record<string, unknown>)
      await held.released
      return response
    },
    hold(path) {
      let arrived!: (body: Record<string, unknown>) => void
      let release!: () => void
      const answer = new Promise<Record<string, unknown>>((resolve) => (arrived = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      pending = { path, arrived, released }
      return { arrived: answer, release }
    },
  }
}
