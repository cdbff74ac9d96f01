/**
 * What the BFF's route plugins share: the resolved options, the core authorization code client
 * (the one protocol layer: the BFF never speaks OAuth itself), the sessions and the cookie names.
 */
import type { FastifyRequest } from 'fastify'
import type { AuthorizationCodeClient } from '../authorization-code.js'
import type { BffCookies } from './cookies.js'
import { RequestSession } from './latch-session.js'
import type { ResolvedBffOptions } from './options.js'
import type { BffSessions } from './sessions.js'

export interface BffContext {
  options: ResolvedBffOptions
  client: AuthorizationCodeClient
  sessions: BffSessions
  cookies: BffCookies
}

/** Options every route plugin of the BFF receives. */
export interface BffRouteOptions {
  ctx: BffContext
}

/** The request's session with its id and record (what the routes need beyond `LatchSession`). */
export function sessionOf(request: FastifyRequest): RequestSession | null {
  return request.latchSession instanceof RequestSession ? request.latchSession : null
}

/** A relative URL on the app: `path` with `auth_error=<code>` added (the callback's failure target). */
export function errorLocation(ctx: BffContext, code: string): string {
  const url = new URL(ctx.options.errorPath, ctx.options.appOrigin)
  // Only a plain error code goes into the URL: the OP's value is attacker-influenced text.
  url.searchParams.set('auth_error', /^[a-z0-9_]{1,64}$/.test(code) ? code : 'invalid_request')
  return url.pathname + url.search
}
