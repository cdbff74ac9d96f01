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
import { isAdminScope, type AdminAccess } from './admin-api.js'

const ADMIN_ROLES = {
  'latch:admin': ['admin:read', 'admin:write'],
  'latch:viewer': ['admin:read'],
} as const satisfies Record<string, readonly AdminAccess[]>

type AdminRole = keyof typeof ADMIN_ROLES

/** Roles only an administrator may give. */
const RESERVED_ROLE_PREFIX = 'latch:'

function isAdminRole(role: string): role is AdminRole {
  return Object.hasOwn(ADMIN_ROLES, role)
}

function isReservedRole(role: string): boolean {
  return role.startsWith(RESERVED_ROLE_PREFIX)
}

/**
 * Why `roles` may not be given where an administrator gives them (the config file's `users`, the
 * CLI, the management services): a reserved role that is not a built-in one (a typo such as
 * `latch:admn` would silently give nothing), or null when they are fine.
 */
export function reservedRoleProblem(roles: readonly string[]): string | null {
  const unknown = roles.filter((r) => isReservedRole(r) && !isAdminRole(r))
  return unknown.length === 0 ? null : `names ${unknown.join(', ')}: the ${RESERVED_ROLE_PREFIX} prefix is reserved for the built-in roles ${Object.keys(ADMIN_ROLES).join(' and ')}`
}

/**
 * Why organization member roles may not hold a reserved role, or null: a tenant's administrators
 * are users with an admin role of their own (`roles`), never members of an organization, whose
 * roles (`org_roles`) the organization's own connection or an email-domain join may give.
 */
export function organizationRoleProblem(roles: readonly string[]): string | null {
  const reserved = roles.filter(isReservedRole)
  return reserved.length === 0 ? null : `names ${reserved.join(', ')}: ${RESERVED_ROLE_PREFIX} roles are a user's own (the tenant's administrators), not an organization member's`
}

/** What a user with these roles may do through the admin API and console (empty: not an administrator). */
export function adminAccessOfRoles(roles: readonly string[]): ReadonlySet<AdminAccess> {
  const access = new Set<AdminAccess>()
  for (const role of roles) if (isAdminRole(role)) for (const a of ADMIN_ROLES[role]) access.add(a)
  return access
}

/** The admin scopes of a user grant, as the user's roles allow them (`grantAdminScopes`). */
interface AdminScopeGrant {
  /** `scope` with each admin scope the roles do not cover dropped, or narrowed (`admin:*` to `admin:read`). */
  readonly scope: readonly string[]
  /** The admin scopes asked and not granted as asked (the consent page names them). */
  readonly refused: readonly string[]
}

/**
 * Issue 14: a user grant carries an admin scope only as far as the user's admin roles go (RFC 6749
 * §3.3: the server may grant less than asked, and says what it granted in `scope`). `admin:*` asked
 * by a `latch:viewer` becomes `admin:read`; `admin:write` asked by a viewer is dropped. Other scopes
 * pass untouched, in their order.
 */
export function grantAdminScopes(scope: readonly string[], roles: readonly string[]): AdminScopeGrant {
  if (!scope.some(isAdminScope)) return { scope, refused: [] }
  const access = adminAccessOfRoles(roles)
  const granted: string[] = []
  const refused: string[] = []
  // `admin:*` narrowed to `admin:read` next to an asked `admin:read`: once.
  const add = (s: string): void => void (granted.includes(s) || granted.push(s))
  for (const s of scope) {
    if (!isAdminScope(s)) add(s)
    else if (s === 'admin:*') {
      if (access.has('admin:read') && access.has('admin:write')) add(s)
      else {
        refused.push(s)
        if (access.has('admin:read')) add('admin:read')
      }
    } else if (access.has(s as AdminAccess)) add(s)
    else refused.push(s)
  }
  return { scope: granted, refused }
}
