/**
 * Validates a config object (environment already substituted) and derives what the runtime reads:
 * the one resolution the top-level config and every tenant's config (config/tenant.ts) go through,
 * so a key means the same everywhere. Any problem is a `ConfigError` naming the key.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import { isLoopbackHost } from '../lib/loopback-host.js'
import { contrastWarnings, resolveBranding, resolveMessages } from './branding.js'
import { redisUrlProblem } from './redis-url.js'
import { overBranding } from '../interaction/views/branding.js'
import { redirectUriRegistrationProblem } from '../rules/redirect-uri.js'
import { backchannelLogoutUriProblem } from '../rules/backchannel-logout-uri.js'
import { isProtocolClaim } from '../rules/protocol-claims.js'
import { isTemplate, matchTemplate, parseTemplate, templateProblem, type ScopeTemplate } from '../rules/scope-template.js'
import { ADMIN_RESOURCE_NAME, ADMIN_SCOPES, adminResourceOf, isAdminScope } from '../rules/admin-api.js'
import { organizationRoleProblem, reservedRoleProblem } from '../rules/admin-roles.js'
import { OIDC_SCOPE_CLAIMS } from './schema.js'
import { DEFAULT_TRACING_ENDPOINT, JWKS_MAX_AGE } from './defaults.js'
import { parseTrustProxy } from './trust-proxy.js'
import { resolveConnections } from './connections.js'
import { checkAlerts } from './alerts.js'
import {
  ConfigFileSchema,
  STANDARD_SCOPES,
  type ConfigFile,
  type LatchConfig,
  type ResolvedClient,
  type SigningAlg,
} from './schema.js'
export interface LoadedConfig {
  config: LatchConfig
  /** Dangerous dev conveniences in force; logged once, loudly, at boot. */
  warnings: string[]
}

const ENV_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export function substitute(value: unknown, env: Record<string, string | undefined>, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_PATTERN, (_m, name: string, fallback: string | undefined) => {
      const v = env[name]
      if (v !== undefined && v !== '') return v
      if (fallback !== undefined) return fallback
      throw new ConfigError(path || '(root)', `refers to \${${name}}, which is not set in the environment`)
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, `${path}[${i}]`))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, env, path ? `${path}.${k}` : k)]),
    )
  }
  return value
}

/** `/tokens/access_token_ttl` → `tokens.access_token_ttl`, `/clients/0/scope` → `clients[0].scope`. */
function keyOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '')
}

/** Keys whose values a config error never shows. */
const HIDDEN_KEY = /(secret|secret_hash|password|password_hash|private_key|token)$|^alerts\.webhooks\[\d+\]\.url$/

function describeError(err: { path: string; message: string; value: unknown; schema: Record<string, unknown> }): ConfigError {
  const key = keyOf(err.path) || '(root)'
  // Never echo a secret into a log line or terminal: any key ending in `secret` (security review L1:
  // `alerts.webhooks[].secret`), and an alert webhook's URL, whose query may hold a credential.
  const got = HIDDEN_KEY.test(key) ? '(value hidden)' : JSON.stringify(err.value)
  const s = err.schema
  if (s.type === 'integer' && /seconds|ttl|interval|window|grace/.test(key)) {
    return new ConfigError(key, `must be an integer number of seconds, got ${got}`)
  }
  if (s.type === 'integer') return new ConfigError(key, `must be an integer${s.minimum !== undefined ? ` >= ${String(s.minimum)}` : ''}, got ${got}`)
  if (Array.isArray(s.anyOf)) {
    const options = (s.anyOf as { const?: unknown }[]).map((o) => o.const).filter((c) => c !== undefined)
    if (options.length > 0) return new ConfigError(key, `must be one of ${options.join(', ')}, got ${got}`)
  }
  return new ConfigError(key, `${err.message.toLowerCase()}, got ${got}`)
}

/**
 * Compiled on first use: each tenant a node loads is validated (issue 11), and the interpreted
 * `Value.Errors` walk allocated ~35 KB per tenant even for valid settings.
 */
let configCheck: TypeCheck<typeof ConfigFileSchema> | undefined

export function validateConfigFile(raw: Record<string, unknown>): ConfigFile {
  const withDefaults = Value.Default(ConfigFileSchema, Value.Convert(ConfigFileSchema, structuredClone(raw)))
  configCheck ??= TypeCompiler.Compile(ConfigFileSchema)
  if (configCheck.Check(withDefaults)) return withDefaults as ConfigFile
  const first = configCheck.Errors(withDefaults).First()
  if (first) {
    // TypeBox reports an unknown key with its own path.
    if (/additional|unexpected/i.test(first.message)) {
      throw new ConfigError(keyOf(first.path) || '(root)', 'is not a known key (check the spelling; see the configuration reference in the README)')
    }
    throw describeError(first as never)
  }
  return withDefaults as ConfigFile
}

function normalizeIssuer(issuer: string): string {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw new ConfigError('issuer', `must be an absolute http(s) URL, got ${JSON.stringify(issuer)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('issuer', 'must use https (or http for local development)')
  if (url.search || url.hash) throw new ConfigError('issuer', 'must not have a query or fragment (OIDC Discovery §3)')
  return url.href.replace(/\/+$/, '')
}

/** The demo user's password in latch.config.yaml (and the README): well known, so never off loopback. */
const DEMO_PASSWORDS = new Set(['correct-horse-battery'])
/** Marks the demo client secrets of latch.config.yaml (`demo-web-secret-change-me-…`). */
const DEMO_SECRET_MARK = 'change-me'

/**
 * A warning when `host` lets other machines connect while well-known demo credentials are
 * configured: they would let anyone on the network sign in as the demo user or mint tokens.
 * @see issue 8
 */
function demoCredentialsWarning(file: ConfigFile): string | null {
  if (isLoopbackHost(file.host)) return null
  const clients = file.clients.filter((c) => c.client_secret?.includes(DEMO_SECRET_MARK)).map((c) => c.client_id)
  const users = file.users.filter((u) => u.password !== undefined && DEMO_PASSWORDS.has(u.password)).map((u) => u.email)
  if (clients.length === 0 && users.length === 0) return null
  const what = [
    ...(clients.length > 0 ? [`the demo client secrets of ${clients.join(', ')} (containing "${DEMO_SECRET_MARK}")`] : []),
    ...(users.length > 0 ? [`the demo password of ${users.join(', ')}`] : []),
  ]
  return `host is ${file.host}, reachable from other machines, and ${what.join(' and ')} are configured: anyone who can reach this port can use them. Replace them (DEMO_*_SECRET, your own users), or bind host: 127.0.0.1.`
}

function checkRedirectUri(key: string, uri: string): void {
  const problem = redirectUriRegistrationProblem(uri)
  if (problem !== null) throw new ConfigError(key, problem)
}

/**
 * A client's ID token alg: the provider signs with `tokens.signing_alg`, and keeps an RS256 key
 * beside it for clients that need RS256 (OIDC Core §15.1; keys/keystore.ts). No other alg can be
 * produced. RS256 is kept as asked (whatever `signing_alg` becomes later); asking for the
 * provider's own alg is the same as not asking (null): the client follows `signing_alg`.
 */
function idTokenAlg(requested: SigningAlg | undefined, signingAlg: SigningAlg, key: string): SigningAlg | null {
  if (requested === 'RS256') return requested
  if (requested === undefined || requested === signingAlg) return null
  throw new ConfigError(key, `must be RS256 or tokens.signing_alg (${signingAlg}): Latch signs ID tokens with no other alg, got ${JSON.stringify(requested)}`)
}

function resolveClients(file: ConfigFile, knownScopes: Set<string>, templates: readonly ScopeTemplate[], resourceIds: Set<string>, minSecret: number, adminResource: string | null = null): ResolvedClient[] {
  const templateNames = new Set(templates.map((t) => t.name))
  const signingAlg = file.tokens.signing_alg
  return file.clients.map((c, i) => {
    const key = (k: string) => `clients[${i}].${k}`
    const method = c.token_endpoint_auth_method ?? (c.client_secret || c.client_secret_hash ? 'client_secret_basic' : c.jwks ? 'private_key_jwt' : 'none')
    let secretHash: string | null = null
    if (method === 'client_secret_basic' || method === 'client_secret_post') {
      if (c.client_secret) {
        if (c.client_secret.length < minSecret) {
          throw new ConfigError(key('client_secret'), `must be at least ${minSecret} characters (it is compared by SHA-256, which needs a high-entropy secret)`)
        }
        secretHash = hashHandle(c.client_secret)
      } else if (c.client_secret_hash) {
        secretHash = c.client_secret_hash
      } else {
        throw new ConfigError(key('client_secret'), `is required for token_endpoint_auth_method ${method}`)
      }
    } else if (c.client_secret || c.client_secret_hash) {
      throw new ConfigError(key('client_secret'), `must not be set for token_endpoint_auth_method ${method}`)
    }
    if (method === 'private_key_jwt' && (!c.jwks || c.jwks.keys.length === 0)) {
      throw new ConfigError(key('jwks'), 'must hold at least one public key for private_key_jwt (RFC 7523)')
    }
    c.jwks?.keys.forEach((k, j) => {
      if (typeof k.kty !== 'string') throw new ConfigError(`${key('jwks')}.keys[${j}].kty`, 'is required (RFC 7517 §4.1)')
      // A private member here means the client's private key was pasted into our config.
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        if (member in k) throw new ConfigError(`${key('jwks')}.keys[${j}]`, `must be a public key: remove the private member "${member}"`)
      }
    })
    const grantTypes = c.grant_types ?? ['authorization_code']
    const redirectUris = c.redirect_uris ?? []
    redirectUris.forEach((u, j) => checkRedirectUri(`${key('redirect_uris')}[${j}]`, u))
    ;(c.post_logout_redirect_uris ?? []).forEach((u, j) => checkRedirectUri(`${key('post_logout_redirect_uris')}[${j}]`, u))
    if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
      throw new ConfigError(key('redirect_uris'), 'must list at least one URI for the authorization_code grant')
    }
    if (method === 'none' && grantTypes.includes('client_credentials')) {
      throw new ConfigError(key('grant_types'), 'client_credentials needs a confidential client (RFC 6749 §4.4)')
    }
    const scope = (c.scope ?? 'openid').split(' ').filter(Boolean)
    for (const s of scope) {
      // A template, or one of its instances (a client limited to one organization's scope).
      const registrable = knownScopes.has(s) || templateNames.has(s) || matchTemplate(s, templates)?.values
      if (!registrable) throw new ConfigError(key('scope'), `names scope "${s}", which is neither a standard OIDC scope nor listed under scopes or resources`)
    }
    c.resources?.forEach((r, j) => {
      if (!resourceIds.has(r)) throw new ConfigError(`${key('resources')}[${j}]`, `names resource ${JSON.stringify(r)}, which is not one of the resources' identifiers`)
    })
    // Issue 14: the admin scopes go to a confidential client, on its own behalf (client credentials)
    // or for a signed-in administrator (authorization code, rules/admin-roles.ts); for the admin API
    // only. Never a public client: its tokens live where the client runs (a browser, a device).
    const admin = scope.filter(isAdminScope)
    if (admin.length > 0) {
      if (method === 'none' || (!grantTypes.includes('client_credentials') && !grantTypes.includes('authorization_code'))) {
        throw new ConfigError(key('scope'), `names ${admin.join(' ')}: the admin scopes are granted only to a confidential client with client_credentials or authorization_code (for an administrator) in grant_types`)
      }
      // Security review L7: with both, whoever holds the secret gets the admin scopes on the
      // client's own behalf, past the administrator's roles and admin.require_mfa.
      if (grantTypes.includes('client_credentials') && grantTypes.includes('authorization_code')) {
        throw new ConfigError(key('grant_types'), `must not hold both client_credentials and authorization_code for a client with ${admin.join(' ')}: the client's own tokens would bypass the administrators' roles and admin.require_mfa; register one client for administrators (authorization_code) and another for automation (client_credentials)`)
      }
      if (adminResource === null || !(c.resources ?? []).includes(adminResource)) {
        throw new ConfigError(key('resources'), `must list the admin API (${adminResource ?? '<issuer>/admin/api/v1'}) for the scope ${admin.join(' ')}: the admin scopes are granted only in tokens for it`)
      }
    }
    // The picker runs in a browser, after a sign-in: a grant without one could never choose.
    const withoutPicker = grantTypes.filter((g) => g === 'password' || g === 'urn:ietf:params:oauth:grant-type:device_code')
    if (c.organization_required === true && withoutPicker.length > 0) {
      throw new ConfigError(key('organization_required'), `is not supported with the ${withoutPicker.join(' and ')} grant: there is no page to choose an organization on`)
    }
    if (c.organizations !== undefined && !grantTypes.includes('client_credentials')) {
      throw new ConfigError(key('organizations'), 'is for client credentials (machine-to-machine per organization): add client_credentials to grant_types, or remove it')
    }
    return {
      client_id: c.client_id,
      client_name: c.client_name ?? c.client_id,
      client_secret_hash: secretHash,
      token_endpoint_auth_method: method,
      grant_types: grantTypes,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      scope: scope.join(' '),
      resources: c.resources ?? null,
      skip_consent: c.skip_consent ?? false,
      jwks: c.jwks ?? null,
      auth_method_pinned: c.token_endpoint_auth_method !== undefined,
      id_token_signed_response_alg: idTokenAlg(c.id_token_signed_response_alg, signingAlg, key('id_token_signed_response_alg')),
      organization_required: c.organization_required ?? false,
      organizations: c.organizations ?? null,
      backchannel_logout_uri: backchannelLogoutUri(c.backchannel_logout_uri, key('backchannel_logout_uri')),
      backchannel_logout_session_required: c.backchannel_logout_session_required ?? false,
      ...(c.mfa_required !== undefined && { mfa_required: c.mfa_required }),
      sign_up: c.sign_up ?? null,
    }
  })
}

/** Issue 12: a client's `backchannel_logout_uri`, checked (OIDC Back-Channel Logout §2.2); null when none. */
function backchannelLogoutUri(uri: string | undefined, key: string): string | null {
  if (uri === undefined) return null
  const problem = backchannelLogoutUriProblem(uri)
  if (problem !== null) throw new ConfigError(key, problem)
  return uri
}

/** The templates among `scopes` (issue 10), each checked: a problem stops the server naming the key. */
function resolveScopeTemplates(file: ConfigFile, hooks: boolean): ScopeTemplate[] {
  const templates: ScopeTemplate[] = []
  file.scopes.forEach((s, i) => {
    const key = (k: string) => `scopes[${i}].${k}`
    if (!isTemplate(s.name)) {
      if (s.roles !== undefined) throw new ConfigError(key('roles'), 'applies to scope templates only (a name with {org_id})')
      if (s.parameters !== undefined) throw new ConfigError(key('parameters'), 'applies to scope templates only (a name with {parameters})')
      return
    }
    const problem = templateProblem(s.name)
    if (problem !== null) throw new ConfigError(key('name'), problem)
    const template = parseTemplate(s.name)
    if (s.roles !== undefined && !template.parameters.includes('org_id')) throw new ConfigError(key('roles'), 'needs an {org_id} parameter: roles are an organization member\'s')
    for (const name of Object.keys(s.parameters ?? {})) {
      if (name === 'org_id') throw new ConfigError(key(`parameters.${name}`), 'is built in: {org_id} is checked against the user\'s organization memberships')
      if (!template.parameters.includes(name)) throw new ConfigError(key(`parameters.${name}`), `is not a parameter of ${s.name}`)
    }
    for (const name of template.parameters) {
      if (name !== 'org_id' && s.parameters?.[name] === undefined && !hooks) {
        throw new ConfigError(key('name'), `has the parameter {${name}}, which neither scopes[${i}].parameters declares nor a hooks module can decide: it would never be granted`)
      }
    }
    if (templates.some((t) => t.name === s.name)) throw new ConfigError(key('name'), `duplicates ${s.name}`)
    templates.push(template)
  })
  return templates
}

/** What a declarative custom claim may read (`claims[].from`). */
const CLAIM_SOURCES = new Set(['roles', 'email', 'email_verified', ...Object.values(OIDC_SCOPE_CLAIMS).flat()])

function checkClaimMappings(file: ConfigFile): void {
  const seen = new Set<string>()
  file.claims.forEach((c, i) => {
    if (isProtocolClaim(c.claim)) throw new ConfigError(`claims[${i}].claim`, `names the protocol claim ${c.claim}, which custom claims may never set`)
    const targets = c.tokens ?? ['access_token', 'id_token', 'userinfo']
    for (const t of targets) {
      if (seen.has(`${t} ${c.claim}`)) throw new ConfigError(`claims[${i}].claim`, `${c.claim} is already mapped for ${t}`)
      seen.add(`${t} ${c.claim}`)
    }
    const attribute = /^attributes\.([^.\s]{1,64})$/.exec(c.from)
    if (attribute === null && !CLAIM_SOURCES.has(c.from)) {
      throw new ConfigError(`claims[${i}].from`, `must be roles, attributes.<name>, email, email_verified or a standard claim name, got ${JSON.stringify(c.from)}`)
    }
  })
}

/** Member emails not among `users` must be in the database already: seed.ts checks that at start. */
function checkOrganizations(file: ConfigFile): void {
  const ids = new Set<string>()
  file.organizations.forEach((o, i) => {
    if (ids.has(o.id)) throw new ConfigError(`organizations[${i}].id`, `duplicates ${o.id}`)
    ids.add(o.id)
    const members = new Set<string>()
    o.members?.forEach((m, j) => {
      const email = m.email.toLowerCase()
      if (members.has(email)) throw new ConfigError(`organizations[${i}].members[${j}].email`, `duplicates ${m.email}`)
      members.add(email)
      // Issue 14: the admin roles are a user's own; an organization role named like one would only mislead.
      const problem = organizationRoleProblem(m.roles ?? [])
      if (problem !== null) throw new ConfigError(`organizations[${i}].members[${j}].roles`, problem)
    })
  })
}

function resolveSecret(env: Record<string, string | undefined>, database: string, cwd: string, warnings: string[], create: boolean): { secret: string; source: string } {
  const fromEnv = env.LATCH_SECRET
  if (fromEnv) {
    if (fromEnv.length < 32) throw new ConfigError('LATCH_SECRET', 'must be at least 32 characters')
    return { secret: fromEnv, source: 'env' }
  }
  const dir = database.startsWith('sqlite:') && database !== 'sqlite::memory:' ? dirname(resolve(cwd, database.slice(7))) : resolve(cwd, 'data')
  const file = resolve(dir, 'latch.secret')
  if (!existsSync(file)) {
    if (!create) throw new ConfigError('LATCH_SECRET', `is not set, and there is no development secret at ${file}: set LATCH_SECRET to the secret the server uses`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 })
  }
  chmodSync(file, 0o600)
  warnings.push(`LATCH_SECRET is not set: using the development secret in ${file}. Set LATCH_SECRET in production; keys encrypted under it cannot be read without it.`)
  return { secret: readFileSync(file, 'utf8').trim(), source: file }
}

export interface ResolveOptions {
  env: Record<string, string | undefined>
  cwd: string
  /** The config file's directory: relative `hooks` and `tenants_dir` paths start there. */
  configDir: string
  createSecret: boolean
  /** A tenant's config takes the deployment's secret as it is (config/tenant.ts). */
  secret?: { secret: string; source: string }
}

/**
 * Validates a substituted config object (environment overrides applied) and derives what the
 * runtime reads. Tenants are resolved by the caller (`loadTenants`); their own config goes
 * through here too (config/tenant.ts), so a tenant's keys mean exactly what the same keys mean
 * at the top level.
 */
/** Issue 13: what is wrong with an SMTP URL, naming no part of it (it may carry a password). */
function smtpUrlProblem(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be a URL smtp://[user:password@]host[:port] or smtps://…'
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') return `must use smtp: or smtps:, got ${parsed.protocol}`
  if (parsed.hostname === '') return 'must name a host'
  return null
}

/**
 * Issue 14: `tracing.endpoint` and `tracing.service_name` as the config file gives them, else from
 * the standard OpenTelemetry environment (the file wins: it is the deployment's own statement).
 * The endpoint must be an http(s) URL without credentials (headers carry those:
 * `OTEL_EXPORTER_OTLP_HEADERS`), and https unless its host is loopback (security review L7, as
 * alert webhooks): spans and those headers never cross a network in clear.
 */
function resolveTracing(tracing: ConfigFile['tracing'], env: Record<string, string | undefined>): ConfigFile['tracing'] {
  const fromEnv = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : null)
  const endpoint = tracing.endpoint ?? fromEnv ?? DEFAULT_TRACING_ENDPOINT
  const source = tracing.endpoint !== null ? '' : fromEnv !== null ? ' (from the OTEL_EXPORTER_OTLP_* environment)' : ''
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new ConfigError('tracing.endpoint', `must be an http(s) URL${source}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('tracing.endpoint', `must use http: or https:, got ${url.protocol}${source}`)
  if (url.username !== '' || url.password !== '') throw new ConfigError('tracing.endpoint', `must not carry credentials (use OTEL_EXPORTER_OTLP_HEADERS)${source}`)
  // Security review L7: spans and OTEL_EXPORTER_OTLP_HEADERS (a collector's credentials) never cross a network in clear; as alert webhooks.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw new ConfigError('tracing.endpoint', `must use https (http only to a loopback host: localhost, 127.0.0.0/8, ::1), got http://${url.host}${source}`)
  return { ...tracing, endpoint, service_name: tracing.service_name ?? (env.OTEL_SERVICE_NAME || 'latch') }
}

function issuerIsHttps(issuer: string): boolean {
  return issuer.startsWith('https:')
}

export function resolveConfig(substituted: Record<string, unknown>, options: ResolveOptions): LoadedConfig {
  const { env, cwd } = options
  const warnings: string[] = []
  const file = validateConfigFile(substituted)
  const redisProblem = file.redis_url ? redisUrlProblem(file.redis_url) : null
  if (redisProblem) throw new ConfigError('redis_url', env.LATCH_REDIS_URL ? `(from LATCH_REDIS_URL) ${redisProblem}` : redisProblem)

  const smtpProblem = file.mail.smtp_url ? smtpUrlProblem(file.mail.smtp_url) : null
  if (smtpProblem) throw new ConfigError('mail.smtp_url', smtpProblem)
  if (!file.mail.smtp_url && issuerIsHttps(file.issuer)) {
    // Security review L5: off rather than mailing links and codes to the console (mail/availability.ts).
    warnings.push(file.mail.development
      ? 'mail.smtp_url is not set on an https issuer and mail.development is true: mail (sign-up verification, password resets, email sign-in) goes to the development mailer (the console and mail.directory), not to people. For local development only; set mail.smtp_url: ${SMTP_URL}.'
      : 'mail.smtp_url is not set on an https issuer: sign-up, "Forgot password?" and email sign-in are off (they would mail links and codes to the console). Set mail.smtp_url: ${SMTP_URL}, or mail.development: true for a local https setup.')
  }

  // Issue 14: alert webhooks' URLs and event names (a tenant's config has no `alerts`: its key is the deployment's).
  checkAlerts(file.alerts)

  const trustProxy = parseTrustProxy(file.trust_proxy)
  const demo = demoCredentialsWarning(file)
  if (demo) warnings.push(demo)

  const issuer = normalizeIssuer(file.issuer)
  const issuerUrl = new URL(issuer)
  if (issuerUrl.protocol === 'http:' && !isLoopbackHost(issuerUrl.hostname)) {
    warnings.push(`issuer ${issuer} uses http off localhost: cookies and tokens travel in clear text. Use https in production.`)
  }

  if (file.tokens.key_activation_delay > 0 && file.tokens.key_activation_delay < file.tokens.key_reload_interval) {
    warnings.push(`tokens.key_activation_delay (${file.tokens.key_activation_delay} s) is shorter than tokens.key_reload_interval (${file.tokens.key_reload_interval} s): after a rotation, some node may sign with a key other nodes have not loaded yet.`)
  }

  // A key rotated out before its successor could sign would never sign: the schedule must outlast the delay.
  const activationDelay = file.tokens.key_activation_delay || 2 * file.tokens.key_reload_interval + JWKS_MAX_AGE
  if (file.tokens.rotation_interval > 0 && file.tokens.rotation_interval <= activationDelay) {
    throw new ConfigError('tokens.rotation_interval', `must be 0 (off) or longer than tokens.key_activation_delay (${activationDelay} s), got ${file.tokens.rotation_interval}`)
  }

  const resourceIds = new Set<string>()
  const knownScopes = new Set<string>(STANDARD_SCOPES)
  file.resources.forEach((r, i) => {
    if (resourceIds.has(r.identifier)) throw new ConfigError(`resources[${i}].identifier`, `duplicates ${r.identifier}`)
    try {
      const u = new URL(r.identifier)
      if (u.hash) throw new Error('fragment')
    } catch {
      throw new ConfigError(`resources[${i}].identifier`, 'must be an absolute URI without a fragment (RFC 8707 §2)')
    }
    resourceIds.add(r.identifier)
    r.scopes.forEach((s) => knownScopes.add(s))
  })
  // Issue 14: the admin API is a resource of every tenant, built in (not written under resources).
  // Resolving is idempotent: a config resolved before (the CLI re-validates with it) holds the built-in entry as is.
  const adminResource = adminResourceOf(issuer)
  const builtIn = { identifier: adminResource, name: ADMIN_RESOURCE_NAME, scopes: [...ADMIN_SCOPES] }
  const adminEntry = file.resources.findIndex((r) => r.identifier === adminResource)
  if (adminEntry >= 0 && !isDeepStrictEqual({ ...file.resources[adminEntry] }, builtIn)) {
    throw new ConfigError(`resources[${adminEntry}].identifier`, `is the admin API, a built-in resource: remove it from resources (clients list it in their resources)`)
  }
  const ownResources = file.resources.filter((r) => r.identifier !== adminResource)
  const adminScopeOwner = file.resources.findIndex((r) => r.identifier !== adminResource && r.scopes.some(isAdminScope))
  if (adminScopeOwner >= 0) throw new ConfigError(`resources[${adminScopeOwner}].scopes`, `names ${ADMIN_SCOPES.join(', ')} or one of them: the admin scopes belong to the built-in admin API`)
  const adminScopeEntry = file.scopes.findIndex((sc) => isAdminScope(sc.name))
  if (adminScopeEntry >= 0) throw new ConfigError(`scopes[${adminScopeEntry}].name`, `is an admin scope, built in with the admin API: remove it from scopes`)
  const resources = [...ownResources, builtIn]
  resourceIds.add(adminResource)
  for (const s of ADMIN_SCOPES) knownScopes.add(s)
  const resourceScopes = new Set(resources.flatMap((r) => r.scopes))
  const scopeTemplates = resolveScopeTemplates(file, file.hooks !== null)
  const templateNames = new Set(scopeTemplates.map((t) => t.name))
  file.scopes.forEach((s) => {
    // A template is not a scope a client may be granted as written: only its instances are.
    if (!templateNames.has(s.name)) knownScopes.add(s.name)
  })
  for (const s of resourceScopes) if (templateNames.has(s)) knownScopes.delete(s)
  checkClaimMappings(file)
  if (file.default_resource !== undefined && !resourceIds.has(file.default_resource)) {
    throw new ConfigError('default_resource', `must be one of the resources' identifiers, got ${JSON.stringify(file.default_resource)}`)
  }
  if (file.default_resource === adminResource) throw new ConfigError('default_resource', 'must not be the admin API: a token for it is asked for by name (resource=…)')

  const clients = resolveClients(file, knownScopes, scopeTemplates, resourceIds, file.security.min_client_secret_length, adminResource)
  const seen = new Set<string>()
  clients.forEach((c, i) => {
    if (seen.has(c.client_id)) throw new ConfigError(`clients[${i}].client_id`, `duplicates ${c.client_id}`)
    seen.add(c.client_id)
    if (c.grant_types.includes('password')) {
      warnings.push(`client ${c.client_id} has the password grant (ROPC): legacy, it exposes user passwords to the client (RFC 9700 §2.4). Prefer authorization_code.`)
    }
  })
  const emails = new Set<string>()
  file.users.forEach((u, i) => {
    const email = u.email.toLowerCase()
    if (emails.has(email)) throw new ConfigError(`users[${i}].email`, `duplicates ${u.email}`)
    emails.add(email)
    if (u.password && u.password_hash) throw new ConfigError(`users[${i}].password`, 'and password_hash are mutually exclusive')
    // Issue 14: the config file, the CLI and the management services are administrators; they give
    // the built-in admin roles, and nothing else under the reserved prefix.
    const problem = reservedRoleProblem(u.roles ?? [])
    if (problem !== null) throw new ConfigError(`users[${i}].roles`, problem)
  })
  checkOrganizations(file)
  // Relative to the config file, so a config and its hooks (and its stylesheets) move together.
  const baseDir = options.configDir
  const hooks = file.hooks === null ? null : resolve(baseDir, file.hooks)
  const branding = resolveBranding(file.branding, { key: 'branding', baseDir })
  const messages = resolveMessages(file.messages)
  warnings.push(...contrastWarnings(branding, 'branding'))
  const organizations = file.organizations.map((o, i) => {
    const own = resolveBranding(o.branding, { key: `organizations[${i}].branding`, baseDir })
    // Checked over the tenant's colours, so a pair half the organization's own is judged as drawn.
    if (own.primary_color !== undefined || own.background_color !== undefined) {
      warnings.push(...contrastWarnings(overBranding(branding, own), `organizations[${i}].branding`, `organization ${o.id}`))
    }
    return { ...o, branding: own }
  })
  const connections = resolveConnections(file, baseDir, warnings)
  const tenantsDir = file.tenants_dir === null ? null : resolve(options.configDir, file.tenants_dir)

  const tracing = resolveTracing(file.tracing, env)
  const { secret, source } = options.secret ?? resolveSecret(env, file.database, cwd, warnings, options.createSecret)
  const database = file.database.startsWith('sqlite:') && file.database !== 'sqlite::memory:'
    ? `sqlite:${resolve(cwd, file.database.slice(7))}`
    : file.database

  const config: LatchConfig = {
    ...file,
    tokens: {
      ...file.tokens,
      // 0 = derive: a retired key must outlive every token it signed (+60 s for clock skew).
      // A node may sign with a retired key until its next reload: that lag is covered too.
      retired_key_grace:
        file.tokens.retired_key_grace || Math.max(file.tokens.access_token_ttl, file.tokens.id_token_ttl) + 60 + file.tokens.key_reload_interval,
      // 0 = derive: every node reloads at least once, and cached JWK Sets expire, before it signs.
      key_activation_delay: activationDelay,
    },
    trust_proxy: trustProxy,
    issuer,
    database,
    secret,
    secret_source: source,
    redis_url: file.redis_url || null,
    mail: { ...file.mail, smtp_url: file.mail.smtp_url || null, directory: file.mail.directory === null ? null : resolve(cwd, file.mail.directory) },
    clients,
    connections,
    branding,
    messages,
    organizations,
    resources,
    known_scopes: [...knownScopes],
    scope_templates: scopeTemplates,
    hooks,
    tenants: [],
    tenants_dir: tenantsDir,
    tracing,
  }
  return { config, warnings }
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
