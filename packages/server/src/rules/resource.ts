/**
 * Resource indicators (RFC 8707): which API an access token may be for, and who may have one.
 * - The target is the `resource` parameter (or `audience`, its common alias; both must agree): an
 *   absolute URI without a fragment, naming one of the configured `resources` (RFC 8707 §2);
 *   anything else is `invalid_target`.
 * - A client gets tokens only for the resources it is registered for (client metadata
 *   `resources`); a client registered for none gets them only for `default_resource`, when one
 *   is configured. Asking for another is `invalid_target` (RFC 8707 §2: "the client is not
 *   authorized to request a token for the indicated resource"), so a token for an API the client
 *   may not use is never minted and that API's introspection never sees one (RFC 9068 §3).
 * - An omitted target means `default_resource` when the client may have it, else no resource at
 *   all: the token's audience is then the issuer itself (UserInfo only).
 * - Later requests on the same grant (the code redemption, a refresh) may repeat the authorized
 *   target but never name another (RFC 8707 §2.2).
 * - A scope that a resource lists (`resources[].scopes`) belongs to that resource: it is granted
 *   only in tokens for it.
 * Pure: no store, no clock, no HTTP; the callers pass the config and the client.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-3
 */
import { InvalidRequestError, InvalidTargetError } from '../errors.js'

/** What this module needs of the config (`resources`, `default_resource`). */
export interface ResourceConfig {
  readonly resources: readonly { readonly identifier: string; readonly scopes: readonly string[]; readonly name?: string | undefined }[]
  readonly default_resource?: string | undefined
}

/** What this module needs of a client: its registered `resources`, or null when it names none. */
export interface ResourceClient {
  readonly resources: readonly string[] | null
}

/** The resources `client` may get access tokens for. */
export function permittedResources(client: ResourceClient, config: ResourceConfig): readonly string[] {
  if (client.resources !== null) return client.resources
  return config.default_resource !== undefined ? [config.default_resource] : []
}

/**
 * The target a request names through `resource` or `audience`, syntax-checked and known to this
 * server, or undefined when it names none. Does not check the client (see `resolveResource`).
 */
export function requestedResource(params: Readonly<Record<string, string | undefined>>, config: ResourceConfig): string | undefined {
  const { resource, audience } = params
  if (resource !== undefined && audience !== undefined && resource !== audience) {
    throw new InvalidRequestError('resource and audience name different targets')
  }
  const target = resource ?? audience
  if (target === undefined) return undefined
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

/** `invalid_target` unless `client` may get tokens for `resource` (null, the issuer itself, always). */
export function assertResourcePermitted(resource: string | null, client: ResourceClient, config: ResourceConfig): void {
  if (resource !== null && !permittedResources(client, config).includes(resource)) {
    throw new InvalidTargetError('this client is not registered for the requested resource')
  }
}

/**
 * The audience of a new grant: the requested target if the client may have it, else (nothing
 * requested) `default_resource` if the client may have it, else null (a token for the issuer).
 */
export function resolveResource(params: Readonly<Record<string, string | undefined>>, client: ResourceClient, config: ResourceConfig): string | null {
  const requested = requestedResource(params, config)
  if (requested !== undefined) {
    assertResourcePermitted(requested, client, config)
    return requested
  }
  const fallback = config.default_resource
  return fallback !== undefined && permittedResources(client, config).includes(fallback) ? fallback : null
}

/**
 * RFC 8707 §2.2: a request on an existing grant (code redemption, refresh) may repeat the target
 * the grant was authorized for, or omit it, but not name another: there is nothing to narrow to
 * when each token has a single audience.
 */
export function assertSameResource(params: Readonly<Record<string, string | undefined>>, authorized: string | null): void {
  for (const name of ['resource', 'audience'] as const) {
    const target = params[name]
    if (target !== undefined && target !== authorized) {
      throw new InvalidTargetError(`${name} must be the one that was authorized for this grant`)
    }
  }
}

const NO_OWNERS: readonly string[] = Object.freeze([])

/**
 * scope → the resources that list it, built once per config: the config is frozen after loading,
 * and this is asked for every scope of every token request.
 */
const ownersByConfig = new WeakMap<ResourceConfig, ReadonlyMap<string, readonly string[]>>()
function ownersOf(config: ResourceConfig): ReadonlyMap<string, readonly string[]> {
  let map = ownersByConfig.get(config)
  if (map === undefined) {
    const built = new Map<string, string[]>()
    for (const r of config.resources) {
      for (const scope of r.scopes) {
        const owners = built.get(scope)
        if (owners === undefined) built.set(scope, [r.identifier])
        else owners.push(r.identifier)
      }
    }
    ownersByConfig.set(config, (map = built))
  }
  return map
}

/** The resources that list `scope`; empty for a scope that belongs to no resource (OIDC ones, say). */
export function scopeOwners(scope: string, config: ResourceConfig): string[] {
  return [...(ownersOf(config).get(scope) ?? NO_OWNERS)]
}

/** A scope may go into a token for `resource` unless it belongs to other resources only. */
export function scopeFitsResource(scope: string, resource: string | null, config: ResourceConfig): boolean {
  const owners = ownersOf(config).get(scope)
  return owners === undefined || (resource !== null && owners.includes(resource))
}

/** The name the consent page shows for a resource: its configured `name`, else its identifier. */
export function resourceDisplayName(resource: string, config: ResourceConfig): string {
  return config.resources.find((r) => r.identifier === resource)?.name ?? resource
}
