/**
 * Issue 14: per-tenant administrators. A user of a tenant administers THAT tenant when one of
 * their roles (the user's `roles`, issue 10, set by the config file, `latch users update --roles`,
 * the admin API or the console) is a built-in admin role:
 * - `latch:admin`: reads and changes (`admin:read` and `admin:write`);
 * - `latch:viewer`: reads only (`admin:read`).
 * Roles are per tenant (a user belongs to one tenant), so an administrator of `acme` has no access
 * to `globex` or to the deployment's other tenants. The `latch:` prefix is reserved: only an
 * administrator may give it (never an upstream provider's claims, sign-up or a hook).
 * Pure: no store, no clock, no HTTP.
 */
import type { AdminAccess } from './admin-api.js'

export const ADMIN_ROLES = {
  'latch:admin': ['admin:read', 'admin:write'],
  'latch:viewer': ['admin:read'],
} as const satisfies Record<string, readonly AdminAccess[]>

export type AdminRole = keyof typeof ADMIN_ROLES

/** Roles only an administrator may give. */
export const RESERVED_ROLE_PREFIX = 'latch:'

export function isAdminRole(role: string): role is AdminRole {
  return Object.hasOwn(ADMIN_ROLES, role)
}

/** What a user with these roles may do through the admin API and console (empty: not an administrator). */
export function adminAccessOfRoles(roles: readonly string[]): ReadonlySet<AdminAccess> {
  const access = new Set<AdminAccess>()
  for (const role of roles) if (isAdminRole(role)) for (const a of ADMIN_ROLES[role]) access.add(a)
  return access
}
