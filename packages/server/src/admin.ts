/**
 * The management surface of @latch/server (`@latch/server/admin`): config, store, keys, seeding,
 * hashing and errors, without the HTTP server. Re-exports only. The CLI imports it so that its
 * commands other than `serve` do not load Fastify and the endpoints (a third of its start time).
 */
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './config/load.js'
export type { LatchConfig, ConfigFile, ClientConfig, UserConfig, ResolvedClient, SigningAlg, BrandingConfig, MessagesConfig, TenantDefinition, ResolvedConnection } from './config/schema.js'
export { resolveBranding, resolveMessages, contrastWarnings, brandingUrlProblem, MAX_CSS_BYTES } from './config/branding.js'
export type { Branding } from './interaction/views/branding.js'
export type { MessageOverrides } from './interaction/views/message-overrides.js'
export { SIGNING_ALGS, GRANT_TYPE_NAMES, AUTH_METHOD_NAMES, TENANT_ID_PATTERN } from './config/schema.js'
export { DEFAULT_TENANT, defineTenant, parseTenantFile, tenantConfig } from './config/tenant.js'
export { seedTenant } from './seed.js'
export { createStore, databaseExists } from './storage/kysely-store.js'
export type * from './storage/store.js'
export { Keystore } from './keys/keystore.js'
export { acceptedAuthMethods } from './client-auth/authenticate.js'
export { idTokenAlgsOf } from './clients/registry.js'
export { hashPassword, verifyPassword } from './users/password-hash.js'
export { unverifiedFederatedUser } from './users/unverified-federated-user.js'
export { hashHandle, randomHandle } from './lib/random.js'
export { redactUrl, scrubError, scrubText } from './lib/redact-url.js'
export { systemClock, ManualClock, type Clock } from './lib/clock.js'
export { ORGANIZATION_ID } from './rules/organization.js'
export { LatchEvents, EVENT_NAMES, type LatchEventMap, type LatchEventName } from './events.js'
export { CONNECTION_TYPES, connectionCallbackUrl, type ConnectionType } from './rules/connection-presets.js'
export { connectionRecordOf } from './connections/records.js'
export * from './errors.js'
// Issue 14: the audit log.
export { accountTagOf, tenantKeySecret } from './users/login-throttle.js'
export { AUDIT_LIST_MAX } from './storage/repositories/audit-events.js'
// Issue 14 (admin API): what the CLI and the admin API share to read the audit log.
export { parseRelativeTime, RELATIVE_TIME_HINT } from './lib/relative-time.js'
export { auditUserFilter } from './audit/user-filter.js'
export { isAuditType, AUDIT_CURSOR } from './audit/audit-query.js'
