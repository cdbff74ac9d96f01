/**
 * The tenants scenarios (issue 11): Latch with 1 or 10,000 stored tenants, each on its own host
 * `t<N>.bench.test:<port>` with the demo config's clients, user and settings. The host names are
 * never resolved: every request connects to 127.0.0.1 and names its tenant in the `Host` header
 * (lib/http.mjs), as a load balancer in front of a node would, so all tenants share one pool of
 * keep-alive connections.
 */
import { RESOURCE, RESOURCE_SCOPES } from './fixtures.mjs'
import { benchLifetimes } from './latch-config.mjs'

/** Names under this domain are this machine (RFC 2606 reserves `.test`). */
export const TENANT_DOMAIN = '.bench.test'

/** How many of the stored tenants the load reaches: all of them up to 1,000. */
export const TENANTS_IN_USE = 1000

export const tenantId = (n) => `t${n}`
export const tenantHost = (n, port) => `${tenantId(n)}${TENANT_DOMAIN}:${port}`

/**
 * The hosts the load is spread over, uniformly: every stored tenant when there are at most
 * 1,000, else 1,000 of them evenly spaced over the ids (t0, t10, … t9990 of 10,000).
 */
export function tenantHostsInUse(count, port) {
  const used = Math.min(count, TENANTS_IN_USE)
  const step = count / used
  return Array.from({ length: used }, (_, i) => tenantHost(Math.floor(i * step), port))
}

/** A tenant's own settings: the demo config's lifetimes, alg, resource and scopes (a key it omits would take its default). */
export function tenantSettings(alg) {
  return {
    ...benchLifetimes(alg),
    resources: [{ identifier: RESOURCE, scopes: RESOURCE_SCOPES }],
    default_resource: RESOURCE,
    scopes: RESOURCE_SCOPES.map((name) => ({ name, description: name })),
  }
}
