/**
 * What every endpoint and grant shares: the frozen config, the store, the keystore, the clock and
 * the event bus. One object per tenant (issue 11): the request's, as `request.latch`, passed to
 * grants as plain data so that grants stay testable without HTTP; `app.latch` is the default
 * tenant's.
 * Types and constants only: `compose.ts` (the composition root) builds the object, so this file
 * depends on nothing but the types of what it holds (and, issue 14, the admin API's path, a
 * constant of rules/admin-api.ts, so that PATHS names every route).
 */
import type { Logger } from 'pino'
import type { ClientRegistry } from './clients/registry.js'
import type { ConnectionRegistry } from './connections/registry.js'
import type { LatchConfig } from './config/schema.js'
import type { LatchEvents } from './events.js'
import type { LatchHooks } from './hooks/hooks.js'
import type { Keystore } from './keys/keystore.js'
import type { BackgroundTasks } from './lib/background-tasks.js'
import type { Mailer } from './mail/mailer.js'
import type { MailThrottle } from './mail/mail-throttle.js'
import type { Clock } from './lib/clock.js'
import type { PendingLimits } from './rate-limit/pending-limits.js'
import type { Store } from './storage/store.js'
import type { CustomClaims } from './tokens/custom-claims.js'
import type { LoginThrottle } from './users/login-throttle.js'
import { ADMIN_API_PATH } from './rules/admin-api.js'

export interface LatchContext {
  /** Issue 11: the tenant this context serves (`default`: the top-level config's). */
  readonly tenant: string
  readonly config: LatchConfig
  readonly store: Store
  readonly keystore: Keystore
  readonly clock: Clock
  readonly events: LatchEvents
  readonly log: Logger
  readonly clients: ClientRegistry
  /** Issue 12: the tenant's connections (upstream identity providers) and their metadata. */
  readonly connections: ConnectionRegistry
  readonly throttle: LoginThrottle
  /** Per-source and global bounds on interactions and device codes anonymous requests create. */
  readonly pending: PendingLimits
  /** The hooks module's functions (config `hooks`), or none. */
  readonly hooks: LatchHooks
  /** Custom claims (config `claims` + the hooks module's `claims`); `customClaims.active` is false when neither is configured. */
  readonly customClaims: CustomClaims
  /** Issue 13: the tenant's mail (`mail.smtp_url`, else the development mailer). */
  readonly mailer: Mailer
  /** Issue 13: how much mail anonymous requests may cause, per address and per source (`mail.max_per_*`). */
  readonly mailThrottle: MailThrottle
  /** Issue 13: work after the response (mail), shared by every tenant of the deployment. */
  readonly background: BackgroundTasks
  /** Absolute endpoint URLs, computed once from the issuer (never from the Host header). */
  readonly urls: EndpointUrls
}

export interface EndpointUrls {
  issuer: string
  authorization: string
  token: string
  userinfo: string
  jwks: string
  introspection: string
  revocation: string
  device_authorization: string
  device_verification: string
  end_session: string
  interaction: string
}

/** Paths are Latch's own; clients find them through discovery. */
export const PATHS = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  introspection: '/introspect',
  revocation: '/revoke',
  device_authorization: '/device/authorize',
  device_verification: '/device',
  end_session: '/logout',
  interaction: '/interaction',
  health: '/healthz',
  /** Issue 11: the custom stylesheet of the branding in force (`?organization=<id>` for an organization's). */
  branding_css: '/branding.css',
  /** Issue 12: `/connections/<id>/start` and `/connections/<id>/callback` (sign-in through an upstream). */
  connections: '/connections',
  /** Issue 12: the signed-in user's account page (linked upstream accounts); `/account/unlink`. */
  account: '/account',
  /** Issue 13: a sign-up's verification link (GET shows a button; POST verifies). */
  verify_email: '/verify-email',
  /** Issue 13: a password reset link (GET the form; POST sets the password). */
  reset_password: '/reset-password',
  /** Issue 13: the passkey pages' one script (`@simplewebauthn/browser` and Latch's few lines). */
  passkeys_script: '/assets/passkeys.js',
  /** Issue 13: a passwordless sign-in link (GET in the browser that asked signs in; elsewhere a confirmation page). */
  email_link: '/email-link',
  /** Issue 14: the Prometheus metrics (on any host, like `health`; on `metrics.port` instead when set). */
  metrics: '/metrics',
  /** Issue 14: the readiness probe (database answers, signing keys loaded, not shutting down). */
  ready: '/readyz',
  /** Issue 14: the admin REST API (`/admin/api/v1/audit-events`, `/admin/api/v1/openapi.json`). */
  admin_api: ADMIN_API_PATH,
  /** Issue 14: the admin console's pages (`/admin`, `/admin/clients`…; everything under it but `/admin/api`). */
  console: '/admin',
} as const

export function endpointUrls(issuer: string): EndpointUrls {
  const u = (p: string) => `${issuer}${p}`
  return {
    issuer,
    authorization: u(PATHS.authorization),
    token: u(PATHS.token),
    userinfo: u(PATHS.userinfo),
    jwks: u(PATHS.jwks),
    introspection: u(PATHS.introspection),
    revocation: u(PATHS.revocation),
    device_authorization: u(PATHS.device_authorization),
    device_verification: u(PATHS.device_verification),
    end_session: u(PATHS.end_session),
    interaction: u(PATHS.interaction),
  }
}
