/**
 * Issue 14: who may use the admin console (`/admin`) of a tenant. The browser's IdP session names a
 * user of this tenant (sessions are per tenant); that user reads the console when one of their
 * roles gives `admin:read` (`latch:viewer`, `latch:admin`: rules/admin-roles.ts) and changes things
 * when it gives `admin:write` (`latch:admin`), the same access as the admin API's. Roles are read
 * from the user's record at every request (the session's `ActiveSession.user` is read fresh), so a
 * role taken away ends the access at once. With the tenant setting `admin.require_mfa`, the session
 * must also have signed in with two factors (`acr` mfa); otherwise it steps up (account-kind.ts,
 * `step_up` admin).
 */
import type { LatchConfig } from '../config/schema.js'
import { adminAccessOfRoles } from '../rules/admin-roles.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import { signedInStrongly } from './account-strength.js'

export type ConsoleAccess = { type: 'none' } | { type: 'step_up' } | { type: 'granted'; write: boolean }

/** The tenant's `admin.require_mfa` (README "Administrators"): administrators sign in with two factors. */
export function adminRequiresMfa(config: LatchConfig): boolean {
  return config.admin?.require_mfa === true
}

export function consoleAccessOf(config: LatchConfig, active: ActiveSession): ConsoleAccess {
  const access = adminAccessOfRoles(active.user.roles)
  if (!access.has('admin:read')) return { type: 'none' }
  if (adminRequiresMfa(config) && !signedInStrongly(active)) return { type: 'step_up' }
  return { type: 'granted', write: access.has('admin:write') }
}
