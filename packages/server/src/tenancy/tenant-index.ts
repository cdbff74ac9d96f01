/**
 * Which tenant a request is for (issue 11): the `Host` header and the path, matched against every
 * tenant's issuer. A tenant on its own host (`https://login.acme.example`) owns every path there
 * that no path tenant under it claims; a path tenant (`https://auth.example.com/t/acme`) owns its
 * prefix, which is stripped before routing so every tenant has the same routes. RFC 8414 §3.1's
 * form for path issuers (`/.well-known/oauth-authorization-server/t/acme`, the suffix after the
 * well-known name) is routed too.
 *
 * The `Host` header is read as the client sent it (a reverse proxy must pass it on unchanged);
 * `X-Forwarded-Host` is never read, so a client cannot pick another tenant by a header a proxy
 * does not strip. The match decides only which tenant answers: every URL a tenant emits comes from
 * its configured issuer.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */

export interface TenantRoute {
  id: string
  /** The URL as the tenant's routes see it (its path prefix stripped). */
  url: string
}

const WELL_KNOWN = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']

/** The tenants of one host, by the issuer's path without a trailing slash ('' for the host's root). */
interface HostTenants {
  byPrefix: Map<string, string>
  /** The longest prefix's length: a longer path is only looked up from there down. */
  longest: number
}

export class TenantIndex {
  /** Host (lower case, default port omitted) → its tenants. Built in one pass; a lookup costs the path's depth, not the number of tenants. */
  readonly #byHost = new Map<string, HostTenants>()

  constructor(tenants: Iterable<{ id: string; issuer: string }>) {
    for (const { id, issuer } of tenants) {
      const url = new URL(issuer)
      const host = url.host.toLowerCase()
      const prefix = url.pathname.replace(/\/+$/, '')
      let entry = this.#byHost.get(host)
      if (entry === undefined) this.#byHost.set(host, (entry = { byPrefix: new Map(), longest: 0 }))
      entry.byPrefix.set(prefix, id)
      entry.longest = Math.max(entry.longest, prefix.length)
    }
  }

  /**
   * The tenant for a request to `host` (the Host header) at `url` (the request target), or null
   * when none has it. An absolute-form target (`GET http://login.acme.example/token`) names its
   * host itself, and RFC 9112 §3.2.2 has the server ignore the Host header then: routing by the
   * header would let a request addressed to one tenant be answered by another.
   * @see https://www.rfc-editor.org/rfc/rfc9112#section-3.2.2
   */
  match(host: string | undefined, url: string): TenantRoute | null {
    if (!url.startsWith('/')) {
      const target = absoluteTarget(url)
      if (target === null) return null
      ;({ host, url } = target)
    }
    if (host === undefined) return null
    const tenants = this.#byHost.get(normalizeHost(host))
    if (tenants === undefined) return null
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const query = q === -1 ? '' : url.slice(q)
    for (const name of WELL_KNOWN) {
      if (!path.startsWith(`${name}/`)) continue
      const suffix = path.slice(name.length).replace(/\/$/, '')
      const id = suffix === '' ? undefined : tenants.byPrefix.get(suffix)
      if (id !== undefined) return { id, url: `${name}${query}` }
    }
    // The longest prefix that ends at a segment boundary, from the longest a tenant of this host has down to the root.
    let end = path.length <= tenants.longest ? path.length : path.lastIndexOf('/', tenants.longest)
    while (end >= 0) {
      const id = tenants.byPrefix.get(path.slice(0, end))
      if (id !== undefined) return { id, url: `${path.slice(end) || '/'}${query}` }
      if (end === 0) break
      end = path.lastIndexOf('/', end - 1)
    }
    return null
  }
}

/**
 * The authority and the origin-form rest of an absolute-form target, as sent (no dot-segment or
 * percent-decoding: the same path an origin-form request would have); null for anything else
 * (`*`, another scheme, userinfo in the authority).
 */
function absoluteTarget(url: string): { host: string; url: string } | null {
  const m = /^https?:\/\/([^/?#@]+)([/?][^#]*)?$/i.exec(url)
  if (m === null) return null
  const rest = m[2] ?? '/'
  return { host: m[1] as string, url: rest.startsWith('?') ? `/${rest}` : rest }
}

/** Lower case, without the default ports: `Login.Acme.example:443` and `login.acme.example` are one host. */
function normalizeHost(host: string): string {
  const lower = host.toLowerCase()
  if (lower.endsWith(':443')) return lower.slice(0, -4)
  if (lower.endsWith(':80')) return lower.slice(0, -3)
  return lower
}
