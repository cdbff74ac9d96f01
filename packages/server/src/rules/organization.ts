/**
 * Selecting an organization (issue 10): an authorization or token request asks for a token in the
 * context of one organization by the scope value `organization:<id>` or the parameter
 * `organization=<id>`. The selector is not a permission: membership decides (organizations/).
 * Pure syntax here: one organization per request, ids as configured (`[a-z0-9-]{1,64}`).
 */
import { InvalidRequestError } from '../errors.js'

export const ORGANIZATION_ID = /^[a-z0-9-]{1,64}$/
export const ORGANIZATION_SCOPE_PREFIX = 'organization:'

export function isOrganizationScope(scope: string): boolean {
  return scope.startsWith(ORGANIZATION_SCOPE_PREFIX)
}

export function organizationScope(id: string): string {
  return `${ORGANIZATION_SCOPE_PREFIX}${id}`
}

/**
 * A token for an organization names it in its scope, `organization:<id>`, however it was asked (the
 * scope value or the `organization` parameter), so the token response tells the client which
 * organization it got (RFC 6749 §5.1 `scope`); a token for none names none.
 */
export function withOrganizationScope(scope: readonly string[], organizationId: string | null): string[] {
  const selector = organizationId === null ? null : organizationScope(organizationId)
  // In the place of the one already there (a re-bound scope keeps its order), else last.
  const at = scope.findIndex(isOrganizationScope)
  const rest = scope.filter((s) => !isOrganizationScope(s))
  if (selector === null) return rest
  rest.splice(at === -1 ? rest.length : at, 0, selector)
  return rest
}

/**
 * The organization a request selects, or null. Two different selectors, two `organization:`
 * scopes, or an id outside the syntax are `invalid_request`: a request must not be read two ways.
 */
export function selectedOrganization(scope: readonly string[] | undefined, parameter: string | undefined): string | null {
  const fromScope = (scope ?? []).filter(isOrganizationScope).map((s) => s.slice(ORGANIZATION_SCOPE_PREFIX.length))
  if (fromScope.length > 1) throw new InvalidRequestError('only one organization may be requested at a time')
  const [scoped] = fromScope
  if (scoped !== undefined && parameter !== undefined && scoped !== parameter) {
    throw new InvalidRequestError('the organization parameter and the organization: scope name different organizations')
  }
  const id = scoped ?? parameter
  if (id === undefined) return null
  if (!ORGANIZATION_ID.test(id)) throw new InvalidRequestError('organization must be an organization id ([a-z0-9-], at most 64 characters)')
  return id
}
