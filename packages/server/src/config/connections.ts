/**
 * Issue 12: `connections[]` resolved: each entry's preset (rules/connection-presets.ts) fills what
 * the entry leaves out, and every problem is a `ConfigError` naming `connections[i].<key>`. Secrets
 * (`client_secret`, Apple's `private_key`) are kept in `secrets`, which only the seeding encrypts
 * into the `connections` table; they never reach a tenant's stored settings (config/tenant.ts
 * `SEEDED_KEYS`) nor an error message.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#IssuerDiscovery
 */
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { isLoopbackHost } from '../lib/loopback-host.js'
import {
  MAPPABLE_CLAIMS, OAUTH2_MAPPING, OIDC_MAPPING, PRESETS, RESERVED_AUTHORIZATION_PARAMS, type ConnectionPreset, type ConnectionType, type MappableClaim,
} from '../rules/connection-presets.js'
import type { ConfigFile, ConnectionConfig, ConnectionOrganization, ConnectionSecrets, ResolvedConnection } from './schema.js'

const GENERIC: Record<'oidc' | 'oauth2', ConnectionPreset> = {
  oidc: { protocol: 'oidc', display_name: 'OpenID Connect', scope: 'openid email profile', token_endpoint_auth_method: 'client_secret_basic', mapping: OIDC_MAPPING, trust_email_verified: true },
  oauth2: { protocol: 'oauth2', display_name: 'OAuth 2.0', scope: '', token_endpoint_auth_method: 'client_secret_basic', mapping: OAUTH2_MAPPING, trust_email_verified: false },
}

export function presetOf(type: ConnectionType): ConnectionPreset {
  return type === 'oidc' || type === 'oauth2' ? GENERIC[type] : PRESETS[type]
}

const MICROSOFT_TENANT = /^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

/** https, or http on a loopback host (development and local stand-ins); no fragment, and for an issuer no query. */
function checkUrl(key: string, value: string, issuer = false): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(key, 'must be an absolute https URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(key, 'must use https (http only on a loopback host, for development)')
  }
  if (url.hash || (issuer && url.search)) throw new ConfigError(key, issuer ? 'must not have a query or fragment (OIDC Discovery §2)' : 'must not have a fragment')
  return issuer ? url.href.replace(/\/+$/, '') : url.href
}

function resolveOne(c: ConnectionConfig, i: number, baseDir: string): ResolvedConnection {
  const key = (k: string) => `connections[${i}].${k}`
  const preset = presetOf(c.type)
  const method = c.token_endpoint_auth_method ?? preset.token_endpoint_auth_method
  const secrets: ConnectionSecrets = {}
  if (c.type === 'apple') {
    if (c.team_id === undefined) throw new ConfigError(key('team_id'), 'is required for Apple (the client secret is a JWT it signs)')
    if (c.key_id === undefined) throw new ConfigError(key('key_id'), 'is required for Apple')
    if ((c.private_key === undefined) === (c.private_key_file === undefined)) throw new ConfigError(key('private_key'), 'or private_key_file: exactly one is required for Apple')
    let pem = c.private_key
    if (c.private_key_file !== undefined) {
      try {
        pem = readFileSync(resolve(baseDir, c.private_key_file), 'utf8')
      } catch (error) {
        throw new ConfigError(key('private_key_file'), `cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
      }
    }
    try {
      createPrivateKey({ key: pem!, format: 'pem' })
    } catch {
      // Never the PEM itself.
      throw new ConfigError(key(c.private_key_file !== undefined ? 'private_key_file' : 'private_key'), 'must be a PKCS#8 PEM private key (value hidden)')
    }
    secrets.private_key = pem!
  } else {
    for (const k of ['team_id', 'key_id', 'private_key', 'private_key_file'] as const) if (c[k] !== undefined) throw new ConfigError(key(k), 'applies to type apple only')
  }
  if (c.type !== 'microsoft') {
    for (const k of ['tenant', 'allowed_tenants'] as const) if (c[k] !== undefined) throw new ConfigError(key(k), 'applies to type microsoft only')
  }
  if (c.type !== 'google' && c.hosted_domain !== undefined) throw new ConfigError(key('hosted_domain'), 'applies to type google only')
  if (method === 'none' || method === 'apple_jwt') {
    if (c.client_secret !== undefined) throw new ConfigError(key('client_secret'), `must not be set with token_endpoint_auth_method ${method}`)
  } else {
    if (c.client_secret === undefined) throw new ConfigError(key('client_secret'), `is required for token_endpoint_auth_method ${method} (write \${VAR} to keep it out of the file)`)
    secrets.client_secret = c.client_secret
  }
  const microsoftTenant = c.tenant ?? 'common'
  if (c.type === 'microsoft' && !MICROSOFT_TENANT.test(microsoftTenant)) throw new ConfigError(key('tenant'), 'must be common, organizations, consumers or a tenant GUID')
  let issuer = c.issuer ?? preset.issuer?.replace('{tenant}', microsoftTenant) ?? null
  if (preset.protocol === 'oidc') {
    if (issuer === null) throw new ConfigError(key('issuer'), 'is required for type oidc (discovery starts at <issuer>/.well-known/openid-configuration)')
    issuer = checkUrl(key('issuer'), issuer, true)
  } else if (c.issuer !== undefined) {
    throw new ConfigError(key('issuer'), 'applies to OpenID Connect connections; give the endpoints of an OAuth 2.0 one')
  }
  const endpoint = (k: 'authorization_endpoint' | 'token_endpoint' | 'userinfo_endpoint') => {
    const value = c[k] ?? preset[k]
    if (value === undefined) {
      if (preset.protocol === 'oauth2') throw new ConfigError(key(k), 'is required for type oauth2')
      return null
    }
    return checkUrl(key(k), value)
  }
  const authorizationEndpoint = endpoint('authorization_endpoint')
  const tokenEndpoint = endpoint('token_endpoint')
  const userinfoEndpoint = endpoint('userinfo_endpoint')
  const params = c.authorization_params ?? {}
  for (const name of Object.keys(params)) {
    if ((RESERVED_AUTHORIZATION_PARAMS as readonly string[]).includes(name)) throw new ConfigError(key(`authorization_params.${name}`), 'is set by Latch itself and may not be overridden')
  }
  const baseMapping = { ...(preset.protocol === 'oidc' ? OIDC_MAPPING : OAUTH2_MAPPING), ...preset.mapping }
  for (const [claim, path] of Object.entries(c.mapping ?? {})) {
    if (!(MAPPABLE_CLAIMS as readonly string[]).includes(claim)) throw new ConfigError(key(`mapping.${claim}`), `is not a claim a connection maps (one of ${MAPPABLE_CLAIMS.join(', ')})`)
    if (!/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/.test(path)) throw new ConfigError(key(`mapping.${claim}`), 'must be a dot path such as data.id')
  }
  const mapping = { ...baseMapping, ...c.mapping } as Record<MappableClaim, string>
  const scope = (c.scope ?? preset.scope).split(' ').filter(Boolean)
  if (preset.protocol === 'oidc' && !scope.includes('openid')) throw new ConfigError(key('scope'), 'must include openid for an OpenID Connect connection')
  return {
    id: c.id,
    type: c.type,
    protocol: preset.protocol,
    display_name: c.display_name ?? preset.display_name,
    enabled: c.enabled ?? true,
    issuer,
    authorization_endpoint: authorizationEndpoint,
    token_endpoint: tokenEndpoint,
    userinfo_endpoint: userinfoEndpoint,
    emails_endpoint: preset.emails_endpoint ?? null,
    client_id: c.client_id,
    scope: scope.join(' '),
    token_endpoint_auth_method: method,
    response_mode: preset.response_mode ?? 'query',
    pkce: preset.pkce ?? true,
    authorization_params: { ...params },
    mapping,
    // Generic oauth2: its email is believed verified only when a mapping names where it says so.
    trust_email_verified: c.type === 'oauth2' ? c.mapping?.email_verified !== undefined : (preset.trust_email_verified ?? true),
    link_by_email: c.link_by_email ?? true,
    jit: c.jit ?? true,
    federated_logout: c.federated_logout ?? false,
    trust_amr: c.trust_amr ?? false,
    private_network: c.private_network ?? false,
    microsoft: c.type === 'microsoft' ? { tenant: microsoftTenant, allowed_tenants: c.allowed_tenants ?? [] } : null,
    apple: c.type === 'apple' ? { team_id: c.team_id!, key_id: c.key_id! } : null,
    hosted_domain: c.hosted_domain?.toLowerCase() ?? null,
    secrets,
  }
}

/**
 * Enterprise SSO: whose identity provider the connection is. Whether the organization exists is
 * checked when seeding (seed.ts), as members' emails are: it may have been made with the CLI.
 */
function organizationOf(c: ConnectionConfig, i: number): ConnectionOrganization {
  if (c.required === true && c.organization === undefined) {
    throw new ConfigError(`connections[${i}].required`, 'needs organization: only an organization\'s own identity provider can be required')
  }
  return { organization: c.organization ?? null, required: c.required ?? false }
}

/** The file's connections, resolved; `warnings` gets what is allowed but probably a mistake. */
export function resolveConnections(file: Pick<ConfigFile, 'connections' | 'sign_in'>, baseDir: string, warnings: string[]): (ResolvedConnection & ConnectionOrganization)[] {
  const ids = new Set<string>()
  const resolved = file.connections.map((c, i) => {
    if (ids.has(c.id)) throw new ConfigError(`connections[${i}].id`, `duplicates ${c.id}`)
    ids.add(c.id)
    return { ...resolveOne(c, i, baseDir), ...organizationOf(c, i) }
  })
  if (!file.sign_in.password && !resolved.some((c) => c.enabled)) {
    warnings.push('sign_in.password is false and no enabled connection is configured: nobody can sign in, unless connections are created with the CLI.')
  }
  return resolved
}
