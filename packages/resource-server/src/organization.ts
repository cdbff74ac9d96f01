/**
 * Organization requirements of a route: the token must speak for the organization the route names
 * (`org_id` equal to a route parameter) and/or carry one of a list of organization roles
 * (`org_roles`, "any of"). Latch puts `org_id` and `org_roles` in the access tokens of a grant made
 * for an organization (and `org_id` alone in a client-credentials token for one); a token without
 * them is not for any organization.
 *
 * A failure is 403 `insufficient_scope` (RFC 6750 §3.1): the token is valid (so not `invalid_token`,
 * which would make a client throw a good token away and sign in again) but does not grant access
 * to this resource, which is what §3.1 says the code is for. The challenge's `scope` names what a
 * token for this route needs: `organization:<id>` (the scope that asks Latch for a token of that
 * organization, at /authorize or in a token exchange) followed by the route's own scopes; for a
 * role failure only the route's scopes, since no scope value stands for a role. A route parameter
 * reaches the header only when it is a scope-token (RFC 6749 §3.3); otherwise the template
 * `organization:{orgId}` is named, as scopes.ts does.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
import { InsufficientScopeError } from './errors.js'
import type { RouteParams } from './scopes.js'

/** RFC 6749 §3.3 `scope-token = 1*NQCHAR`, for what may reach the challenge. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** A route parameter name, as in scopes.ts placeholders. */
const PARAM_NAME = /^[A-Za-z_$][\w$]*$/

/** The public descriptions: they say what is wrong, never the token's own values. */
export const WRONG_ORGANIZATION = 'the access token is not for this organization'
export const MISSING_ORG_ROLE = 'the access token does not have an organization role this request requires'

/** The organization claims of a token, as this check reads them. */
export interface OrganizationClaims {
  org_id?: unknown
  org_roles?: unknown
}

/** What a route requires of the token's organization. */
export interface OrganizationOptions {
  /** Name of the route parameter whose value the token's `org_id` must equal. */
  organization?: string
  /** Organization roles, any one of which the token's `org_roles` must contain. */
  orgRoles?: readonly string[]
}

/** A route's precompiled organization requirement. */
export interface OrganizationRequirement {
  /** The route parameter `org_id` is compared with, or `null`. */
  readonly param: string | null
  /** The roles of which one is required, or `null`. */
  readonly roles: readonly string[] | null
  /**
   * Throws {@link InsufficientScopeError} unless the token is for the route's organization and
   * has one of the roles. `scopes(params)` gives the route's own required scopes for the challenge.
   */
  check(claims: OrganizationClaims, params: RouteParams | undefined, scopes: (params: RouteParams | undefined) => string): void
}

/**
 * Compiles a route's organization requirement once, at route definition; `null` when the options
 * ask for none. Throws a `TypeError` for a bad parameter name or role list (fail at boot).
 *
 * @example
 * ```ts
 * import { compileOrganization, type AccessTokenClaims } from '@latch/resource-server'
 *
 * declare const claims: AccessTokenClaims // a verified token's claims
 * const required = compileOrganization({ organization: 'orgId', orgRoles: ['admin'] })
 * required?.check(claims, { orgId: 'acme' }, () => '') // throws InsufficientScopeError unless an acme admin
 * ```
 */
export function compileOrganization(options: OrganizationOptions): OrganizationRequirement | null {
  const { organization, orgRoles } = options
  if (organization !== undefined && (typeof organization !== 'string' || !PARAM_NAME.test(organization))) {
    throw new TypeError(`organization: expected the name of a route parameter, got ${JSON.stringify(organization)}`)
  }
  if (orgRoles !== undefined && (!Array.isArray(orgRoles) || orgRoles.length === 0 || orgRoles.some((r) => typeof r !== 'string' || r === ''))) {
    throw new TypeError('orgRoles: expected a non-empty array of role names')
  }
  if (organization === undefined && orgRoles === undefined) return null
  const param = organization ?? null
  const roles = orgRoles === undefined ? null : Object.freeze([...orgRoles])

  /** `organization:<value>` for the challenge, or its template when the value may not be echoed. */
  const selector = (params: RouteParams | undefined): string => {
    const value = params?.[param as string]
    return typeof value === 'string' && SCOPE_TOKEN.test(value) ? `organization:${value}` : `organization:{${param as string}}`
  }

  return Object.freeze({
    param,
    roles,
    check(claims: OrganizationClaims, params: RouteParams | undefined, scopes: (params: RouteParams | undefined) => string): void {
      if (param !== null) {
        const wanted = params?.[param]
        // A missing org_id (a token for no organization) never equals a route's organization.
        if (typeof wanted !== 'string' || wanted === '' || claims.org_id !== wanted) {
          throw new InsufficientScopeError(WRONG_ORGANIZATION, [selector(params), scopes(params)].filter((s) => s !== '').join(' '))
        }
      }
      if (roles !== null) {
        const held = claims.org_roles
        if (!Array.isArray(held) || !roles.some((role) => held.includes(role))) {
          throw new InsufficientScopeError(MISSING_ORG_ROLE, scopes(params))
        }
      }
    },
  })
}
