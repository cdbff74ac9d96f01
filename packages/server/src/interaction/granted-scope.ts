/**
 * The concrete scope an authorization grants once the user and the organization are known
 * (issue 10): the static scopes the request was checked for (`checkScope`), then
 * `organization:<id>` of the organization the grant acts for, then each requested template
 * instance that `organizations/dynamic-scopes.ts` grants this user (`read:organization:acme`).
 * Instances not granted are dropped (RFC 6749 §3.3: the server may grant less than asked, and the
 * token response's `scope` then says what was granted); the consent page names them.
 * Remembered consent is kept on this concrete scope, so a new instance asks again.
 * Issue 14: the admin scopes are granted as far as the user's admin roles go
 * (`rules/admin-roles.ts` `grantAdminScopes`), dropped or narrowed otherwise and named on the
 * consent page. A request that asked for nothing but admin scopes and is left with nothing is
 * `invalid_scope` instead (`invalid`): a token without any scope for the admin API would only
 * fail later, at each call, with a less telling 403.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
import type { LatchContext } from '../context.js'
import { grantDynamicScopes } from '../organizations/dynamic-scopes.js'
import { grantAdminScopes } from '../rules/admin-roles.js'
import { isOrganizationScope, withOrganizationScope } from '../rules/organization.js'
import type { ClientRecord, OrganizationRecord, UserRecord } from '../storage/store.js'

export interface GrantedScope {
  /** Static scopes, `organization:<id>`, granted instances: what the code carries. */
  scope: string[]
  /** The organization the grant acts for; null: none. */
  organization: OrganizationRecord | null
  /** Each granted instance's text for the consent page ("Read Acme Corp data"). */
  descriptions: Record<string, string>
  /** Template-shaped values and admin scopes asked and not granted, in request order. */
  refused: string[]
  /** Issue 14: why the request is `invalid_scope` (only admin scopes asked, none granted); null: it is not. */
  invalid: string | null
}

/** A grant of exactly `scope` (the device flow, and requests with neither organization nor templates). */
export function plainGrant(scope: string[]): GrantedScope {
  return { scope, organization: null, descriptions: {}, refused: [], invalid: null }
}

export async function grantedScope(
  ctx: LatchContext,
  /** The stored request's parts (structural: authorization-request.ts imports this module's types). */
  request: { readonly scope: string; readonly dynamic_scope?: readonly string[] | undefined; readonly resource: string | null },
  client: ClientRecord,
  user: UserRecord,
  organization: OrganizationRecord | null,
): Promise<GrantedScope> {
  const admin = grantAdminScopes(request.scope.split(' ').filter(Boolean), user.roles)
  const scope = withOrganizationScope([...admin.scope], organization?.id ?? null)
  const dynamic = await grantDynamicScopes(ctx, { requested: request.dynamic_scope ?? [], client, user, resource: request.resource, organization })
  for (const granted of dynamic.granted) if (!scope.includes(granted)) scope.push(granted)
  const invalid = admin.refused.length > 0 && scope.every(isOrganizationScope)
    ? `scope ${admin.refused.join(' ')} needs an administrator of this tenant (role latch:admin or latch:viewer)`
    : null
  return { scope, organization, descriptions: dynamic.descriptions, refused: [...admin.refused, ...dynamic.refused], invalid }
}
