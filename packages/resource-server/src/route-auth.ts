/**
 * What every adapter does for one protected route, in one framework-free function built once
 * per route: extract the bearer token (RFC 6750 §2), verify it (RFC 9068 §4), optionally
 * introspect it (RFC 7662), then check that it speaks for the route's organization and has one of
 * its organization roles (organization.ts), then the route's scopes, resolving `{param}` templates
 * from the route parameters (scopes.ts). The organization comes first: a token of another
 * organization is refused for that reason, with a challenge naming `organization:<id>`, rather
 * than for the scope it lacks as a consequence. Building it once means the scope templates and
 * options are validated at route definition (a bad one fails at boot) and the per-request path
 * allocates nothing it does not need.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import { compileOrganization, type OrganizationRequirement } from './organization.js'
import { compileScopes, type RouteParams, type ScopeRequirement } from './scopes.js'
import { compileUserAuthentication, type UserAuthenticationRequirement } from './user-authentication.js'
import { createVerifier, type Verifier, type VerifierOptions } from './verifier.js'
import type { AccessTokenClaims } from './verify-access-token.js'

/** Per-route options of `requireAuth`. */
export interface RequireAuthOptions {
  /** Scopes that are ALL required; `{name}` is replaced by the route parameter `name`. */
  scopes?: readonly string[]
  /** Ask the issuer whether the token is still active (RFC 7662): for revocation-sensitive routes. */
  introspect?: boolean
  /**
   * Name of the route parameter that holds the organization id: the token's `org_id` must equal
   * its value (a token for no organization, or another one, is 403 `insufficient_scope`).
   */
  organization?: string
  /** Organization roles of which the token's `org_roles` must contain at least one ("any of"). */
  orgRoles?: readonly string[]
  /**
   * RFC 9470: the `acr` values this route accepts (one of them; a stronger Latch value satisfies a
   * weaker one): a token short of it is 401 `insufficient_user_authentication` with `acr_values`.
   */
  acr?: string | readonly string[]
  /** RFC 9470: the most seconds since the user authenticated (`auth_time`); else 401 with `max_age`. */
  maxAge?: number
}

/** The request facts an adapter hands over. */
export interface RouteRequest {
  /** The `Authorization` header value, or every value when it was sent more than once. */
  authorization: string | readonly string[] | null | undefined
  /** Route parameters, for scope templates. */
  params?: RouteParams
  /** Whether the request also has an `access_token` query or form parameter. */
  otherMethod?: boolean
}

export type RouteAuth = (request: RouteRequest) => Promise<AccessTokenClaims>

/** A verifier as given, or one created from options. */
export function toVerifier(verifierOrOptions: Verifier | VerifierOptions): Verifier {
  return typeof (verifierOrOptions as Verifier).verify === 'function' ? (verifierOrOptions as Verifier) : createVerifier(verifierOrOptions as VerifierOptions)
}

/**
 * Builds the check of one route. Throws a `TypeError` at definition for a malformed scope, a bad
 * `organization` parameter name or `orgRoles` list, or `introspect` without introspection
 * credentials.
 *
 * @example
 * ```ts
 * import { createRouteAuth, createVerifier } from '@latch/resource-server'
 *
 * declare const request: Request
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * const auth = createRouteAuth(verifier, { scopes: ['read:organization:{orgId}'], organization: 'orgId', orgRoles: ['admin', 'member'] })
 * const claims = await auth({ authorization: request.headers.get('authorization'), params: { orgId: 'acme' } })
 * ```
 */
export function createRouteAuth(verifier: Verifier, options: RequireAuthOptions = {}): RouteAuth {
  const required: ScopeRequirement | null = options.scopes && options.scopes.length > 0 ? compileScopes(options.scopes) : null
  const organization: OrganizationRequirement | null = compileOrganization(options)
  const authentication: UserAuthenticationRequirement | null = compileUserAuthentication(options)
  const now = verifier.now ?? Date.now
  const scopeChallenge = (params: RouteParams | undefined): string => (required === null ? '' : required.challenge(params))
  if (options.introspect === true && !verifier.canIntrospect) {
    throw new TypeError('requireAuth: { introspect: true } needs the verifier\'s "introspection" option (client credentials)')
  }
  const verifyOptions = Object.freeze({ introspect: options.introspect === true, otherMethod: false })
  const verifyOptionsOtherMethod = Object.freeze({ ...verifyOptions, otherMethod: true })
  return async function routeAuth(request) {
    const claims = await verifier.verify(request.authorization, request.otherMethod === true ? verifyOptionsOtherMethod : verifyOptions)
    // RFC 9470 §3: how the user authenticated first: a step-up may also bring what else is missing.
    if (authentication !== null) authentication.check(claims, Math.floor(now() / 1000))
    if (organization !== null) organization.check(claims, request.params, scopeChallenge)
    if (required !== null) required.check(claims.scope, request.params)
    return claims
  }
}
