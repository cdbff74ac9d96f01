/**
 * Scope and resource rules shared by the authorization endpoint and the grants.
 * - A scope is a space-delimited list of tokens (RFC 6749 §3.3); anything the client is not
 *   registered for is `invalid_scope`; an omitted scope means the client's registered scope.
 * - The audience (RFC 8707 §2) is decided by `rules/resource.ts`: only resources the client is
 *   registered for; a scope belonging to another resource is `invalid_scope`.
 * - A refresh re-checks the client's current registration (`assertStillRegistered`).
 * - Issue 14: the admin scopes (`rules/admin-api.ts`) are granted with a user only at the
 *   authorization endpoint (`adminScopes: true`), where the user signs in, may be asked for a second
 *   factor and consents on a page that names the admin access; the user's admin roles decide there
 *   (`rules/admin-roles.ts` `grantAdminScopes`). The password grant (no MFA, the client sees the
 *   password, RFC 9700 §2.4) and the device flow (remote phishing, RFC 8628 §5.4) refuse them with
 *   `invalid_scope`. They are never part of a user grant's default scope.
 * Pure: no store, no clock, no HTTP; the callers pass the config and the client (structurally, so
 * this rule depends on nothing above it).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
import { InvalidScopeError } from '../errors.js'
import { isAdminScope } from './admin-api.js'
import { isOrganizationScope } from './organization.js'
import { assertResourcePermitted, scopeFitsResource, type ResourceClient, type ResourceConfig } from './resource.js'
import { isTemplate, matchTemplate, type ScopeTemplate } from './scope-template.js'

/** The scopes OpenID Connect defines (OIDC Core §5.4, §11): every server knows them. */
export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'] as const

/** What this module needs of the config: the scopes it knows, and the resources (`rules/resource.ts`). */
export interface ScopeConfig extends ResourceConfig {
  readonly known_scopes: readonly string[]
  /** The configured scope templates (`read:organization:{org_id}`); their names are not in `known_scopes`. */
  readonly scope_templates: readonly ScopeTemplate[]
}

/** What this module needs of a client: its registered scope (space-delimited) and resources. */
export interface ScopeClient extends ResourceClient {
  readonly scope: string
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

export function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined
  const parts = scope.split(' ').filter(Boolean)
  for (const p of parts) if (!SCOPE_TOKEN.test(p)) throw new InvalidScopeError('scope contains invalid characters')
  return [...new Set(parts)]
}

/** Template instances one request may ask for: each is decided per user (a membership read or a hook call). */
export const MAX_DYNAMIC_SCOPES = 20

/** The config is frozen: its scope set is built once, not per token request. */
const knownScopeSets = new WeakMap<ScopeConfig, ReadonlySet<string>>()
function knownScopes(config: ScopeConfig): ReadonlySet<string> {
  let set = knownScopeSets.get(config)
  if (!set) knownScopeSets.set(config, (set = new Set(config.known_scopes)))
  return set
}

/**
 * The scope of a request that names none: the client's registered scopes that fit the audience
 * (scopes of another resource are left out rather than failing the request), and, for grants
 * without a user (`userScopes: false`), without the OIDC user scopes.
 */
export function defaultScope(client: ScopeClient, config: ScopeConfig, resource: string | null, userScopes = true): string[] {
  return client.scope.split(' ').filter((s) => {
    // A template has no instance until a request names its parameters, and a registered instance
    // is granted per user (organizations/dynamic-scopes.ts), never by default.
    if (s === '' || (!userScopes && isStandardScope(s)) || (userScopes && isAdminScope(s)) || isTemplate(s) || matchTemplate(s, config.scope_templates) !== null) return false
    return scopeFitsResource(s, resource, config)
  })
}

/** A client record's registered scopes as a set, built once per record (the registry caches records). */
const registeredByClient = new WeakMap<ScopeClient, ReadonlySet<string>>()
/** The client's registered scope as a set, made once per client record. */
export function registeredScopes(client: ScopeClient): ReadonlySet<string> {
  let set = registeredByClient.get(client)
  if (set === undefined) registeredByClient.set(client, (set = new Set(client.scope.split(' ').filter(Boolean))))
  return set
}

/**
 * Granted scopes already worked out, per client record: the answer depends only on the record,
 * the frozen config, the resource and the request's `scope`, and a token endpoint sees the same
 * few combinations over and over. The registry hands out one record per client for its cache
 * lifetime, so entries go with the record; refusals are not remembered, and a client that sends
 * many different scope strings only clears its own bounded map.
 */
const grantedByClient = new WeakMap<ScopeClient, Map<string, Readonly<ScopeRequest>>>()
const MAX_REMEMBERED_PER_CLIENT = 64

/**
 * The scopes granted for a request. Scope values this server does not know at all are ignored
 * (OIDC Core §3.1.2.1: "Scope values used that are not understood by an implementation SHOULD be
 * ignored"); known ones the client is not registered for are `invalid_scope`.
 */
export function resolveScope(
  requested: string | undefined,
  client: ScopeClient,
  config: ScopeConfig,
  resource: string | null,
  options: ScopeOptions = {},
): string[] {
  return [...resolveScopeRequest(requested, client, config, resource, options).scope]
}

/**
 * A request's scope in three parts (issue 10): `scope`, the static scopes granted as
 * `resolveScope` decides them; `organizations`, the `organization:<id>` selectors asked (kept
 * apart: membership decides, not registration); `dynamic`, the requested values that have a
 * scope template's shape, which only a decision that knows the user can grant
 * (organizations/dynamic-scopes.ts). Grants that know nothing of organizations use `resolveScope`
 * and so never grant either.
 */
/**
 * `userScopes: false`: a grant without a user (client credentials). `adminScopes: true`: the
 * authorization endpoint, where a user's roles may grant the admin scopes (issue 14).
 */
export interface ScopeOptions {
  readonly userScopes?: boolean
  readonly adminScopes?: boolean
}

export interface ScopeRequest {
  readonly scope: readonly string[]
  /** The `organization:<id>` values asked (`rules/organization.ts` `selectedOrganization` reads them). */
  readonly organizations: readonly string[]
  readonly dynamic: readonly string[]
}

export function resolveScopeRequest(
  requested: string | undefined,
  client: ScopeClient,
  config: ScopeConfig,
  resource: string | null,
  options: ScopeOptions = {},
): ScopeRequest {
  const userScopes = options.userScopes ?? true
  const adminScopes = options.adminScopes ?? false
  // Unambiguous: the resource is a configured URI (no NUL), and `requested` comes last.
  const key = `${userScopes ? (adminScopes ? 'a' : 'u') : 'c'}${resource ?? ''}\0${requested === undefined ? '-' : `=${requested}`}`
  let remembered = grantedByClient.get(client)
  const hit = remembered?.get(key)
  if (hit !== undefined) return hit
  const granted = computeScope(requested, client, config, resource, userScopes, adminScopes)
  if (remembered === undefined) grantedByClient.set(client, (remembered = new Map()))
  if (remembered.size >= MAX_REMEMBERED_PER_CLIENT) remembered.clear()
  remembered.set(key, granted)
  return granted
}

function computeScope(requested: string | undefined, client: ScopeClient, config: ScopeConfig, resource: string | null, userScopes: boolean, adminScopes: boolean): Readonly<ScopeRequest> {
  const allowed = registeredScopes(client)
  const parsed = parseScope(requested)
  const known = knownScopes(config)
  const organizations = parsed?.filter(isOrganizationScope) ?? []
  const dynamic = parsed?.filter((s) => !known.has(s) && !isOrganizationScope(s) && matchTemplate(s, config.scope_templates) !== null) ?? []
  // Each instance costs a membership read or a hook call, on every page of the interaction.
  if (dynamic.length > MAX_DYNAMIC_SCOPES) throw new InvalidScopeError(`at most ${MAX_DYNAMIC_SCOPES} scope template instances may be requested at a time`)
  const asked = parsed === undefined ? defaultScope(client, config, resource, userScopes) : parsed.filter((s) => known.has(s))
  if (parsed !== undefined && parsed.length > 0 && asked.length === 0 && organizations.length === 0 && dynamic.length === 0) {
    throw new InvalidScopeError('none of the requested scopes is known to this server')
  }
  // Issue 14: with a user, only the authorization endpoint's consent (and the user's roles) grants admin access.
  const admin = userScopes && !adminScopes ? asked.filter(isAdminScope) : []
  if (admin.length > 0) throw new InvalidScopeError(`scope ${admin.join(' ')} is granted with a user only through the authorization code flow`)
  const unknown = asked.filter((s) => !allowed.has(s))
  if (unknown.length > 0) {
    throw new InvalidScopeError(`scope ${unknown.map((s) => JSON.stringify(s)).join(', ')} is not allowed for this client`)
  }
  // A scope that belongs to a configured resource may only be granted for that resource.
  for (const s of asked) {
    if (!scopeFitsResource(s, resource, config)) throw new InvalidScopeError(`scope "${s}" is not offered by the requested resource`)
  }
  // Two selectors are refused by rules/organization.ts, which reads them from here.
  return Object.freeze({ scope: Object.freeze(asked), organizations: Object.freeze(organizations), dynamic: Object.freeze(dynamic) })
}

const STANDARD_SCOPE_SET: ReadonlySet<string> = new Set(STANDARD_SCOPES)

export function isStandardScope(scope: string): boolean {
  return STANDARD_SCOPE_SET.has(scope)
}

/** Narrowing on refresh (RFC 6749 §6): the new scope must be a subset of the original. */
export function narrowScope(requested: string | undefined, original: string): string[] {
  const granted = original.split(' ').filter(Boolean)
  const asked = parseScope(requested)
  if (asked === undefined) return granted
  const wider = asked.filter((s) => !granted.includes(s))
  if (wider.length > 0) throw new InvalidScopeError(`scope may only narrow on refresh; not originally granted: ${wider.join(' ')}`)
  return asked
}

/**
 * A refresh mints from the client's registration as it is now, not as it was when the grant was
 * made: a resource the client lost is `invalid_target` (RFC 8707 §2), a scope it lost, or one its
 * resource no longer offers, is `invalid_scope` (RFC 6749 §5.2: the client may retry with a
 * narrower `scope`, and the refresh token stays good for what remains).
 */
export function assertStillRegistered(scope: readonly string[], resource: string | null, client: ScopeClient, config: ScopeConfig): void {
  assertResourcePermitted(resource, client, config)
  const lost = unregisteredScopes(scope, resource, client, config)
  if (lost.length > 0) {
    throw new InvalidScopeError(`this client is no longer registered for scope ${lost.map((s) => JSON.stringify(s)).join(', ')}; ask for a narrower scope`)
  }
}

/**
 * The values of `scope` the client's registration does not cover for `resource`. The organization
 * selector needs no registration; a template instance needs its template (or itself) registered,
 * and membership is re-checked by the grant that re-issues it.
 */
export function unregisteredScopes(scope: readonly string[], resource: string | null, client: ScopeClient, config: ScopeConfig): string[] {
  const registered = registeredScopes(client)
  const known = knownScopes(config)
  return scope.filter((s) => {
    if (isOrganizationScope(s)) return false
    // Only a value that is not a configured scope may be an instance: a static scope that happens
    // to have a template's shape (`read:organization:all`) needs its own registration.
    const match = registered.has(s) || known.has(s) ? null : matchTemplate(s, config.scope_templates)
    if (match !== null) return !registered.has(match.template.name) || !scopeFitsResource(match.template.name, resource, config)
    return !registered.has(s) || !scopeFitsResource(s, resource, config)
  })
}
