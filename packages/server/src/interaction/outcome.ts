/**
 * What a decision asks the HTTP layer to send, as plain data: the endpoints serialize it
 * (`endpoints/_pipeline/authorization-response.ts` for responses to the client, pages with the
 * security headers, 303 redirects). Nothing under `interaction/` holds a Fastify reply.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import type { OAuthError } from '../errors.js'

/** How the authorization response reaches the client (RFC 6749 §4.1.2; OAuth 2.0 Form Post Response Mode). */
export type ResponseMode = 'query' | 'form_post'

/** A verified redirect URI and what every response to it carries (`state`, RFC 9207 `iss`). */
export interface RedirectTarget {
  redirect_uri: string
  response_mode: ResponseMode
  state?: string | undefined
  issuer: string
}

export type Outcome =
  /** An authorization response (a code or an error) to the client's verified redirect URI. */
  | { type: 'authorization_response'; target: RedirectTarget; params: Record<string, string> }
  /** 303 See Other to one of Latch's own pages. */
  | { type: 'see_other'; location: string }
  /** An HTML page, rendered already. */
  | { type: 'page'; status: number; html: string }

export function authorizationResponse(target: RedirectTarget, params: Record<string, string>): Outcome {
  return { type: 'authorization_response', target, params }
}

/** RFC 6749 §4.1.2.1: the error's code and public description, never its private detail. */
export function authorizationError(target: RedirectTarget, err: OAuthError): Outcome {
  return authorizationResponse(target, { error: err.code, error_description: err.wireDescription })
}

export function seeOther(location: string): Outcome {
  return { type: 'see_other', location }
}

export function pageOutcome(status: number, html: string): Outcome {
  return { type: 'page', status, html }
}
