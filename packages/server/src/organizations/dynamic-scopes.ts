/**
 * Granting dynamic scopes (issue 10): a requested instance of a scope template
 * (`read:organization:acme` of `read:organization:{org_id}`) is granted only when every one of
 * its parameters checks out for this user (or, for client credentials, this client):
 * - the client registers the template (or that very instance), and the template fits the
 *   requested resource (RFC 8707 §2, as any scope);
 * - `{org_id}` names an organization the user is a member of, with one of the template's `roles`
 *   (any role when it lists none); for client credentials, one of the client's `organizations`
 *   (roles are a member's, so they restrict users only);
 * - any other parameter passes its declared check (`scopes[].parameters.<name>.attribute`: the
 *   value is the user's attribute, or one of its elements) or, undeclared, the hooks module's
 *   `scopeParameter` answers exactly `true` within 1 s (a hook that throws or overruns refuses, logged);
 * - anything else, including a template-shaped value outside the parameter syntax
 *   (`read:organization:*`), is refused. Refused instances are dropped from the granted scope
 *   (RFC 6749 §3.3: the server may grant less than asked), never an error.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
import type { LatchConfig } from '../config/schema.js'
import type { Logger } from 'pino'
import { callHook, hookClient, hookUser, HookTimeoutError, type LatchHooks } from '../hooks/hooks.js'
import { ORGANIZATION_ID } from '../rules/organization.js'
import { scopeFitsResource } from '../rules/resource.js'
import { instantiate, matchTemplate, type ScopeTemplate } from '../rules/scope-template.js'
import type { ClientRecord, Membership, OrganizationRecord, Store, UserRecord } from '../storage/store.js'

/** What the decision needs of the context (structural: this room sits below `context.ts`). */
export interface DynamicScopeContext {
  /** Issue 11: told to the hook with the issuer. */
  readonly tenant: string
  readonly config: Pick<LatchConfig, 'issuer' | 'scopes' | 'scope_templates' | 'resources' | 'default_resource'>
  readonly store: Pick<Store, 'organizations'>
  readonly hooks: LatchHooks
  /** Where a failing `scopeParameter` hook is reported. */
  readonly log: Pick<Logger, 'error'>
}

export interface DynamicScopeRequest {
  /** Requested values with a template's shape (`resolveScopeRequest(...).dynamic`). */
  readonly requested: readonly string[]
  readonly client: ClientRecord
  /** The user; null for client credentials (the client is the subject). */
  readonly user: UserRecord | null
  readonly resource: string | null
  /** The organization the grant is for, if any (passed to the hook). */
  readonly organization: OrganizationRecord | null
  /** The user's membership of `organization` when the caller read it already: not read again. */
  readonly membership?: Membership | null
}

export interface DynamicScopeGrant {
  granted: string[]
  refused: string[]
  /** The consent page's text of each granted instance ("Read Acme Corp data"). */
  descriptions: Record<string, string>
}

export async function grantDynamicScopes(ctx: DynamicScopeContext, request: DynamicScopeRequest): Promise<DynamicScopeGrant> {
  const result: DynamicScopeGrant = { granted: [], refused: [], descriptions: {} }
  if (request.requested.length === 0) return result
  const registered = new Set(request.client.scope.split(' ').filter(Boolean))
  // One read per organization, however many of its instances are asked.
  const memberships = new Map<string, Promise<Membership | null>>()
  if (request.membership) memberships.set(request.membership.organization.id, Promise.resolve(request.membership))
  const membership = (orgId: string) => {
    let found = memberships.get(orgId)
    if (found === undefined && request.user !== null) memberships.set(orgId, (found = ctx.store.organizations.membership(orgId, request.user.id)))
    return found ?? Promise.resolve(null)
  }
  for (const scope of new Set(request.requested)) {
    const match = matchTemplate(scope, ctx.config.scope_templates)
    const values = match?.values ?? null
    if (match === null || values === null || !(registered.has(match.template.name) || registered.has(scope)) || !scopeFitsResource(match.template.name, request.resource, ctx.config)) {
      result.refused.push(scope)
      continue
    }
    const orgName = await checkParameters(ctx, request, match.template, values, membership)
    if (orgName === false) {
      result.refused.push(scope)
      continue
    }
    result.granted.push(scope)
    result.descriptions[scope] = describe(ctx, match.template, values, orgName)
  }
  return result
}

/** The organization's name when `{org_id}` was checked (for the description), null without one; false: refused. */
async function checkParameters(
  ctx: DynamicScopeContext,
  request: DynamicScopeRequest,
  template: ScopeTemplate,
  values: Readonly<Record<string, string>>,
  membership: (orgId: string) => Promise<Membership | null>,
): Promise<string | null | false> {
  const declared = ctx.config.scopes.find((s) => s.name === template.name)
  let orgName: string | null = null
  for (const name of template.parameters) {
    const value = values[name] as string
    if (name === 'org_id') {
      if (!ORGANIZATION_ID.test(value)) return false
      if (request.user === null) {
        if (!(request.client.organizations ?? []).includes(value)) return false
        const organization = await ctx.store.organizations.get(value)
        if (organization === null) return false
        orgName = organization.name
        continue
      }
      const member = await membership(value)
      if (member === null) return false
      const roles = declared?.roles
      if (roles !== undefined && !roles.some((r) => member.roles.includes(r))) return false
      orgName = member.organization.name
      continue
    }
    const check = declared?.parameters?.[name]
    if (check !== undefined) {
      const attribute = request.user?.attributes[check.attribute]
      const ok = typeof attribute === 'string' ? attribute === value : Array.isArray(attribute) && attribute.includes(value)
      if (!ok) return false
      continue
    }
    const hook = ctx.hooks.scopeParameter
    if (hook === undefined) return false
    // Bounded, with copies without the hashes; a hook that fails refuses (fails closed): dropping a
    // scope is an answer the client can live with, a 500 for a scope it may not even need is not.
    let answer: unknown
    try {
      const organization = request.organization === null ? null : Object.freeze({ ...request.organization, domains: Object.freeze([...request.organization.domains]) })
      const input = Object.freeze({ tenant: Object.freeze({ id: ctx.tenant, issuer: ctx.config.issuer }), name, value, template: template.name, user: hookUser(request.user), client: hookClient(request.client), organization })
      answer = await callHook(() => hook(input))
    } catch (err) {
      const reason = err instanceof HookTimeoutError ? `no answer within ${err.ms} ms` : err instanceof Error ? err.message : String(err)
      ctx.log.error({ hook: 'scopeParameter', template: template.name, parameter: name, client_id: request.client.client_id, reason }, 'the scopeParameter hook failed: the scope is not granted')
      return false
    }
    if (answer !== true) return false
  }
  return orgName
}

function describe(ctx: DynamicScopeContext, template: ScopeTemplate, values: Readonly<Record<string, string>>, orgName: string | null): string {
  const description = ctx.config.scopes.find((s) => s.name === template.name)?.description ?? template.name
  return instantiate(description, { ...values, ...(orgName !== null && { org_name: orgName }) })
}
