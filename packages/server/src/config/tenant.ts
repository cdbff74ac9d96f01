/**
 * Tenants in config (issue 11): the `tenants` entries and the files of `tenants_dir`, and the
 * effective config of one tenant. A tenant's config is the deployment's keys (port, database,
 * secret, hooks, trust_proxy, the deployment-wide `security` bounds…) plus its own keys
 * (`TENANT_KEYS`), resolved by the same `resolveConfig` as the top level: a tenant's key means what
 * the same key means there, and is checked the same way.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../errors.js'
import { deepFreeze, resolveConfig, substitute } from './resolve.js'
import { DEPLOYMENT_AUDIT_KEYS, DEPLOYMENT_SECURITY_KEYS, TENANT_ID_PATTERN, TENANT_KEYS, type LatchConfig, type TenantDefinition } from './schema.js'

/** The tenant of the top-level config: never stored, never deleted. */
export const DEFAULT_TENANT = 'default'

const TENANT_ID = new RegExp(TENANT_ID_PATTERN)
const TENANT_FILE = /\.(ya?ml|json)$/i
/** Keys seeded into the tenant's tables rather than kept with its settings (secrets and passwords stay out of the `tenants` row). */
const SEEDED_KEYS = new Set(['clients', 'users', 'organizations', 'connections'])

/**
 * The first segments of Latch's own routes (context.ts `PATHS`, discovery's `.well-known`; a test
 * checks the list against them). A tenant's issuer path holds none of them: a tenant at
 * `https://auth.example.com/token` (or `/t/token`) would win the longest-prefix match for another
 * tenant's routes on that host (issue 11 review).
 */
export const ROUTE_SEGMENTS = ['authorize', 'token', 'userinfo', 'jwks', 'introspect', 'revoke', 'device', 'logout', 'interaction', 'healthz', 'branding.css', 'connections', 'account', 'verify-email', 'reset-password', 'assets', 'email-link', '.well-known',
  // Issue 14: the Prometheus metrics and the readiness probe.
  'metrics',
  'readyz',
  // Issue 14: the admin API (`/admin/api/v1`).
  'admin',
] as const

/** Largest custom stylesheet, as for `branding.css_file`. */
const MAX_CSS_BYTES = 64 * 1024

/**
 * A tenant's settings as stored: its own keys minus what is seeded into its tables, with its
 * stylesheet's text (`branding.css`) instead of a file path only this machine can read.
 */
export function storedSettings(raw: Record<string, unknown>, resolved: LatchConfig): Record<string, unknown> {
  const settings = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'id' && key !== 'issuer' && !SEEDED_KEYS.has(key)))
  if (settings.branding !== undefined) {
    const { css_file: _file, ...branding } = settings.branding as Record<string, unknown>
    settings.branding = { ...branding, ...(resolved.branding.css !== undefined && { css: resolved.branding.css }) }
  }
  return settings
}

/** The segments of an issuer URL's path (none when it does not parse: the loader says why). */
function issuerPathSegments(issuer: string): string[] {
  try {
    return new URL(issuer).pathname.split('/').filter(Boolean)
  } catch {
    return []
  }
}

/**
 * The effective config of tenant `tenant` of the deployment `base`. `settings` holds the tenant's
 * own keys (anything else is a ConfigError naming `where`). Throws ConfigError; warnings (an http
 * issuer off loopback, the password grant…) are returned for the caller to log.
 */
export function tenantConfig(
  base: LatchConfig,
  tenant: { id: string; issuer: string; settings: Record<string, unknown> },
  where = `tenant ${tenant.id}`,
  configDir = '/',
): { config: LatchConfig; warnings: string[] } {
  try {
    // A stored tenant's stylesheet is its text (storedSettings); config names a file instead.
    const { css, ...branding } = (tenant.settings.branding ?? {}) as Record<string, unknown>
    if (css !== undefined && (typeof css !== 'string' || Buffer.byteLength(css) > MAX_CSS_BYTES)) {
      throw new ConfigError('branding.css', `must be a stylesheet of at most ${MAX_CSS_BYTES} bytes`)
    }
    const settings = tenant.settings.branding === undefined ? tenant.settings : { ...tenant.settings, branding }
    if (!TENANT_ID.test(tenant.id)) throw new ConfigError('id', `must match [a-z0-9-]{1,64}, got ${JSON.stringify(tenant.id)}`)
    const route = issuerPathSegments(tenant.issuer).find((segment) => (ROUTE_SEGMENTS as readonly string[]).includes(segment))
    if (route !== undefined) throw new ConfigError('issuer', `has "${route}" in its path, a route of every tenant: pick a path such as /t/${tenant.id}`)
    for (const key of Object.keys(settings)) {
      if (!(TENANT_KEYS as readonly string[]).includes(key)) throw new ConfigError(key, `is not a key a tenant sets (a tenant sets ${TENANT_KEYS.join(', ')}); the others are the deployment's`)
    }
    const security = (settings.security ?? {}) as Record<string, unknown>
    for (const key of DEPLOYMENT_SECURITY_KEYS) {
      if (key in security) throw new ConfigError(`security.${key}`, 'bounds the whole deployment: set it at the top level, not per tenant')
    }
    // Issue 14: a tenant sets `audit.include_email`; the log itself, its retention and stream are the deployment's.
    const audit = (settings.audit ?? {}) as Record<string, unknown>
    for (const key of DEPLOYMENT_AUDIT_KEYS) {
      if (key in audit) throw new ConfigError(`audit.${key}`, 'is the deployment\'s (one log, one retention): set it at the top level, not per tenant')
    }
    const deploymentSecurity = Object.fromEntries(DEPLOYMENT_SECURITY_KEYS.map((key) => [key, base.security[key]]))
    const raw: Record<string, unknown> = {
      port: base.port,
      host: base.host,
      database: base.database,
      redis_url: base.redis_url,
      redis_key_prefix: base.redis_key_prefix,
      log_level: base.log_level,
      trust_proxy: base.trust_proxy,
      hooks: base.hooks,
      tenancy: base.tenancy,
      ...structuredClone(settings),
      issuer: tenant.issuer,
      security: { ...security, ...deploymentSecurity },
      audit: { ...audit, ...Object.fromEntries(DEPLOYMENT_AUDIT_KEYS.map((key) => [key, base.audit[key]])) },
    }
    const { config, warnings } = resolveConfig(raw, {
      env: {},
      cwd: '/',
      configDir,
      createSecret: false,
      secret: { secret: base.secret, source: base.secret_source },
    })
    if (typeof css === 'string') config.branding = { ...config.branding, css }
    // A path tenant shares its host: a root-relative URL outside its path reaches another tenant's routes.
    const prefix = new URL(config.issuer).pathname.replace(/\/+$/, '')
    for (const key of ['logo_url', 'favicon_url', 'support_url', 'terms_url', 'privacy_url'] as const) {
      const value = config.branding[key]
      if (prefix !== '' && value?.startsWith('/') && !value.startsWith(`${prefix}/`)) {
        throw new ConfigError(`branding.${key}`, `is root-relative outside this tenant's path (${prefix}/): on a shared host it would name another tenant's routes`)
      }
    }
    return { config: deepFreeze(config), warnings: warnings.map((w) => `${where}: ${w}`) }
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${where}.${error.key}`.replace(/\.\(root\)$/, ''), error.message.replace(/^config: \S+ /, ''))
    throw error
  }
}

/**
 * A tenant from its keys as written (`id`, `issuer` and its own keys, clients, users and
 * organizations included): validated with `tenantConfig`, with the settings the `tenants` table
 * stores (without what is seeded into its tables). Throws ConfigError naming `where`.
 */
export function defineTenant(
  base: LatchConfig,
  raw: Record<string, unknown>,
  where: string,
  digest: string | null = null,
  /** Where relative paths (`branding.css_file`) start: the directory of the file that defines the tenant. */
  dir = '/',
): { tenant: TenantDefinition; warnings: string[] } {
  const id = String(raw.id)
  const settings = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'id' && key !== 'issuer'))
  const { config, warnings } = tenantConfig(base, { id, issuer: String(raw.issuer), settings }, where, dir)
  return { tenant: { id, issuer: config.issuer, settings: storedSettings(raw, config), config, source: where, digest }, warnings }
}

/**
 * The tenants config defines: `tenants` entries, then `tenants_dir` files (sorted by name),
 * each resolved with `tenantConfig`. Ids and issuers are unique across them and the default
 * tenant's issuer. `substituted` is the top-level config as written (environment applied).
 */
export function loadTenants(
  base: LatchConfig,
  substituted: Record<string, unknown>,
  env: Record<string, string | undefined>,
  configDir: string,
): { resolved: Pick<LatchConfig, 'tenants'>; warnings: string[] } {
  const entries: { raw: Record<string, unknown>; where: string; digest: string | null; dir: string }[] = []
  const listed = Array.isArray(substituted.tenants) ? (substituted.tenants as Record<string, unknown>[]) : []
  listed.forEach((raw, i) => entries.push({ raw, where: `tenants[${i}]`, digest: null, dir: configDir }))
  if (base.tenants_dir !== null) {
    const dir = base.tenants_dir
    entries.push(...tenantFiles(dir).map((name) => ({ ...readTenantFile(dir, name, env), dir })))
  }
  const warnings: string[] = []
  const tenants: TenantDefinition[] = []
  const ids = new Set([DEFAULT_TENANT])
  const issuers = new Map([[base.issuer, DEFAULT_TENANT]])
  for (const { raw, where, digest, dir } of entries) {
    const id = String(raw.id)
    if (ids.has(id)) throw new ConfigError(`${where}.id`, id === DEFAULT_TENANT ? 'default is the top-level config\'s tenant: pick another id' : `duplicates ${id}`)
    const { tenant, warnings: w } = defineTenant(base, raw, where, digest, dir)
    const other = issuers.get(tenant.issuer)
    if (other !== undefined) throw new ConfigError(`${where}.issuer`, `is tenant ${other}'s issuer too: every tenant needs its own`)
    ids.add(id)
    issuers.set(tenant.issuer, id)
    warnings.push(...w)
    tenants.push(tenant)
  }
  return { resolved: { tenants }, warnings }
}

/** The tenant files of `dir` (`.yaml`, `.yml`, `.json`), by name. */
export function tenantFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => TENANT_FILE.test(name)).sort()
  } catch (error) {
    throw new ConfigError('tenants_dir', `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)} (${dir})`)
  }
}

/** The tenant a file of `tenants_dir` names: `acme.yaml` is tenant `acme`. */
export function tenantIdOfFile(name: string): string {
  return basename(name, extname(name))
}

/** A YAML or JSON file of a tenant's keys, `${VAR}` substituted; `where` names it in errors. */
export function parseTenantFile(path: string, text: string, env: Record<string, string | undefined>, where: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = path.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new ConfigError(where, `cannot be parsed: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(where, 'must be a mapping of keys to values')
  return substitute(parsed, env, where) as Record<string, unknown>
}

/**
 * One file of `tenants_dir`: `acme.yaml` is tenant `acme` (an `id` inside must agree), with the
 * SHA-256 of its content, by which every node's reload sees that it changed.
 */
export function readTenantFile(dir: string, name: string, env: Record<string, string | undefined>): { raw: Record<string, unknown>; where: string; digest: string } {
  const where = `tenants_dir/${name}`
  const id = tenantIdOfFile(name)
  let text: string
  try {
    text = readFileSync(join(dir, name), 'utf8')
  } catch (error) {
    throw new ConfigError(where, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const raw = parseTenantFile(name, text, env, where)
  if (raw.id !== undefined && raw.id !== id) throw new ConfigError(`${where}.id`, `must be ${id}, the file's name, got ${JSON.stringify(raw.id)}`)
  if (typeof raw.issuer !== 'string') throw new ConfigError(`${where}.issuer`, 'is required')
  return { raw: { ...raw, id }, where, digest: createHash('sha256').update(text).digest('base64url') }
}
