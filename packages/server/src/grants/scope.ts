/**
 * Scope and resource rules shared by the authorization endpoint and the grants.
 * - A scope is a space-delimited list of tokens (RFC 6749 §3.3); anything the client is not
 *   registered for is `invalid_scope`; an omitted scope means the client's registered scope.
 * - The audience of an access token is the `resource` (RFC 8707 §2) or `audience` parameter,
 *   else `default_resource`, else the issuer itself (tokens for UserInfo only). Only configured
 *   resources are valid targets; a scope belonging to another resource is `invalid_scope`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
import type { LatchConfig } from '../config/schema.js'
import { STANDARD_SCOPES } from '../config/schema.js'
import { InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../errors.js'
import type { ClientRecord } from '../storage/store.js'

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

export function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined
  const parts = scope.split(' ').filter(Boolean)
  for (const p of parts) if (!SCOPE_TOKEN.test(p)) throw new InvalidScopeError('scope contains invalid characters')
  return [...new Set(parts)]
}

/** The config is frozen: its scope set is built once, not per token request. */
const knownScopeSets = new WeakMap<LatchConfig, ReadonlySet<string>>()
function knownScopes(config: LatchConfig): ReadonlySet<string> {
  let set = knownScopeSets.get(config)
  if (!set) knownScopeSets.set(config, (set = new Set(config.known_scopes)))
  return set
}

/**
 * The scope of a request that names none: the client's registered scopes that fit the audience
 * (scopes of another resource are left out rather than failing the request), and, for grants
 * without a user (`userScopes: false`), without the OIDC user scopes.
 */
export function defaultScope(client: ClientRecord, config: LatchConfig, resource: string | null, userScopes = true): string[] {
  return client.scope.split(' ').filter((s) => {
    if (s === '' || (!userScopes && isStandardScope(s))) return false
    const owners = config.resources.filter((r) => r.scopes.includes(s))
    return owners.length === 0 || owners.some((r) => r.identifier === resource)
  })
}

/**
 * The scopes granted for a request. Scope values this server does not know at all are ignored
 * (OIDC Core §3.1.2.1: "Scope values used that are not understood by an implementation SHOULD be
 * ignored"); known ones the client is not registered for are `invalid_scope`.
 */
export function resolveScope(
  requested: string | undefined,
  client: ClientRecord,
  config: LatchConfig,
  resource: string | null,
  options: { userScopes?: boolean } = {},
): string[] {
  const allowed = new Set(client.scope.split(' ').filter(Boolean))
  const parsed = parseScope(requested)
  const known = knownScopes(config)
  const asked = parsed === undefined ? defaultScope(client, config, resource, options.userScopes ?? true) : parsed.filter((s) => known.has(s))
  if (parsed !== undefined && parsed.length > 0 && asked.length === 0) throw new InvalidScopeError('none of the requested scopes is known to this server')
  const unknown = asked.filter((s) => !allowed.has(s))
  if (unknown.length > 0) {
    throw new InvalidScopeError(`scope ${unknown.map((s) => JSON.stringify(s)).join(', ')} is not allowed for this client`)
  }
  // A scope that belongs to a configured resource may only be granted for that resource.
  for (const s of asked) {
    const owners = config.resources.filter((r) => r.scopes.includes(s)).map((r) => r.identifier)
    if (owners.length > 0 && (resource === null || !owners.includes(resource))) {
      throw new InvalidScopeError(`scope "${s}" is not offered by the requested resource`)
    }
  }
  return asked
}

/** RFC 8707 `resource` or the `audience` parameter; returns the single target identifier or null. */
export function resolveResource(params: Readonly<Record<string, string>>, config: LatchConfig): string | null {
  const resource = params.resource
  const audience = params.audience
  if (resource !== undefined && audience !== undefined && resource !== audience) {
    throw new InvalidRequestError('resource and audience name different targets')
  }
  const target = resource ?? audience
  if (target === undefined) return config.default_resource ?? null
  let url: URL
  try {
    url = new URL(target)
  } catch {
    throw new InvalidTargetError('resource must be an absolute URI (RFC 8707 §2)')
  }
  if (url.hash) throw new InvalidTargetError('resource must not contain a fragment (RFC 8707 §2)')
  if (!config.resources.some((r) => r.identifier === target)) {
    throw new InvalidTargetError('the requested resource is unknown to this server')
  }
  return target
}

export function isStandardScope(scope: string): boolean {
  return (STANDARD_SCOPES as readonly string[]).includes(scope)
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
