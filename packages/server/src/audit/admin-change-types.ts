/**
 * Issue 14: the types of the audit records of administrative changes, `admin.<resource>.<action>`
 * (README "Audit log", "Administrative changes"). Here, below the management services that write
 * them, so that what reads the log (`latch audit list --type`, the admin API's `type` filter)
 * accepts exactly these besides the bus's events.
 */
export const ADMIN_RESOURCES = ['client', 'user', 'organization', 'organization_member', 'connection', 'tenant', 'key', 'session'] as const
export const ADMIN_ACTIONS = ['created', 'updated', 'deleted', 'rotated', 'password_set', 'mfa_reset', 'signed_out', 'added', 'removed', 'revoked'] as const
export type AdminResource = (typeof ADMIN_RESOURCES)[number]
export type AdminAction = (typeof ADMIN_ACTIONS)[number]
export type AdminChangeType = `admin.${AdminResource}.${AdminAction}`

/** The change types the management services write (README "Audit log"; `latch audit list --type` accepts them). */
export const ADMIN_CHANGE_TYPES = [
  'admin.client.created', 'admin.client.updated', 'admin.client.deleted',
  'admin.user.created', 'admin.user.updated', 'admin.user.password_set', 'admin.user.mfa_reset', 'admin.user.deleted',
  'admin.organization.created', 'admin.organization.updated', 'admin.organization.deleted',
  'admin.organization_member.added', 'admin.organization_member.updated', 'admin.organization_member.removed',
  'admin.connection.created', 'admin.connection.deleted',
  'admin.tenant.created', 'admin.tenant.deleted',
  'admin.key.rotated',
  'admin.session.revoked',
] as const satisfies readonly AdminChangeType[]

