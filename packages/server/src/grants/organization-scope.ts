/**
 * The scope of a token for an organization, as the grants that re-issue one see it (issue 10):
 * - the selector `organization:<id>` and the instances of templates with `{org_id}` belong to one
 *   organization: leaving it (a removed member's refresh) drops them, switching (token exchange)
 *   re-binds them to the new one;
 * - template instances are granted by membership, roles and attributes that can change between
 *   issuances, so every re-issuance re-checks them (`grantDynamicScopes`) and drops the ones no
 *   longer granted (RFC 6749 §3.3: the server may grant less than asked).
 * Everything else in the scope is left as it is. No store read unless the scope holds an instance.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
import type { LatchContext } from '../context.js'
import { grantDynamicScopes } from '../organizations/dynamic-scopes.js'
import { isOrganizationScope, organizationScope } from '../rules/organization.js'
import { instantiate, matchTemplate, type ScopeTemplate } from '../rules/scope-template.js'
import type { ClientRecord, Membership, UserRecord } from '../storage/store.js'

/** Whether `scope` is the selector of `orgId` or an instance of a template naming `orgId` as `{org_id}`. */
export function belongsToOrganization(scope: string, orgId: string, templates: readonly ScopeTemplate[]): boolean {
  if (isOrganizationScope(scope)) return scope === organizationScope(orgId)
  return matchTemplate(scope, templates)?.values?.org_id === orgId
}

/** The scope without what belongs to `orgId` (a member who left it). */
export function withoutOrganization(scope: readonly string[], orgId: string, templates: readonly ScopeTemplate[]): string[] {
  return scope.filter((s) => !belongsToOrganization(s, orgId, templates))
}

/**
 * The scope moved from organization `from` (null: none) to `to`: `organization:<from>` becomes
 * `organization:<to>`, and each `{org_id}` instance of `from` the same instance for `to`.
 */
export function rebindOrganization(scope: readonly string[], from: string | null, to: string, templates: readonly ScopeTemplate[]): string[] {
  if (from === null || from === to) return [...scope]
  const moved = scope.map((s) => {
    if (s === organizationScope(from)) return organizationScope(to)
    const match = matchTemplate(s, templates)
    return match?.values?.org_id === from ? instantiate(match.template, { ...match.values, org_id: to }) : s
  })
  return [...new Set(moved)]
}

/** The scope with its template-shaped values re-decided for this user (or client) now; refused ones dropped. */
export async function recheckDynamicScopes(
  ctx: LatchContext,
  scope: readonly string[],
  subject: { client: ClientRecord; user: UserRecord | null; resource: string | null; membership: Membership | null },
): Promise<string[]> {
  const templates = ctx.config.scope_templates
  const known = new Set(ctx.config.known_scopes)
  const dynamic = templates.length === 0 ? [] : scope.filter((s) => !known.has(s) && !isOrganizationScope(s) && matchTemplate(s, templates) !== null)
  if (dynamic.length === 0) return [...scope]
  const { refused } = await grantDynamicScopes(ctx, {
    requested: dynamic,
    client: subject.client,
    user: subject.user,
    resource: subject.resource,
    organization: subject.membership?.organization ?? null,
    // Read by the grant for org_roles already: the instances of its organization cost no second read.
    membership: subject.membership,
  })
  if (refused.length === 0) return [...scope]
  const dropped = new Set(refused)
  return scope.filter((s) => !dropped.has(s))
}
