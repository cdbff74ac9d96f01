/**
 * Issue 14: the admin API as an OAuth protected resource (RFC 6750, RFC 8707, RFC 9068). Every
 * tenant has it built in: its resource identifier is `<tenant issuer>/admin/api/v1` (never written
 * in `resources`, always known), and its scopes are the admin scopes below, which belong to it and
 * so are granted only in tokens for it (`rules/resource.ts` `scopeFitsResource`).
 * - `admin:read` lets a token call every GET, `admin:write` every mutation, `admin:*` both;
 *   `admin:write` does not imply `admin:read`.
 * - The admin scopes are granted only to a client that lists them in its `scope` (never by default)
 *   and only on its own behalf (client credentials): a grant with a user (authorization code,
 *   device, password) refuses them with `invalid_scope` (`rules/scope.ts`), until the console brings
 *   signed-in administrators.
 * Pure: no store, no clock, no HTTP.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */

/** Where the admin API answers, under the tenant's issuer. */
export const ADMIN_API_PATH = '/admin/api/v1'

/** The admin scopes: the only scopes of the built-in admin resource. */
export const ADMIN_SCOPES = ['admin:read', 'admin:write', 'admin:*'] as const
export type AdminScope = (typeof ADMIN_SCOPES)[number]
/** What a route needs: reading or changing. */
export type AdminAccess = 'admin:read' | 'admin:write'

/** The built-in resource's name on the consent page and in the OpenAPI document. */
export const ADMIN_RESOURCE_NAME = 'Latch admin API'

/** Descriptions of the admin scopes (the OpenAPI document's and the docs'). */
export const ADMIN_SCOPE_DESCRIPTIONS: Readonly<Record<AdminScope, string>> = {
  'admin:read': 'Read the tenant\'s administrative data (every GET of the admin API)',
  'admin:write': 'Change the tenant\'s administrative data (every mutation of the admin API)',
  'admin:*': 'Both admin:read and admin:write',
}

const ADMIN_SCOPE_SET: ReadonlySet<string> = new Set(ADMIN_SCOPES)

/** The admin API's resource identifier (RFC 8707) for a tenant: `<issuer>/admin/api/v1`. */
export function adminResourceOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${ADMIN_API_PATH}`
}

export function isAdminScope(scope: string): boolean {
  return ADMIN_SCOPE_SET.has(scope)
}

/** Whether a token's scope (space-delimited, RFC 6749 §3.3) allows `access`. */
export function adminScopeAllows(scope: string, access: AdminAccess): boolean {
  const granted = scope.split(' ')
  return granted.includes(access) || granted.includes('admin:*')
}
