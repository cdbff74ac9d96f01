/**
 * Issue 14: the apps a user authorized, as an administrator sees and revokes them (the account
 * page's "Apps you authorized", issue 13, for another user): per client and resource, what the user
 * consented to and what their live grants hold (a client that skips consent has grants and no
 * consent). Revoking forgets the consents to the client and revokes every grant of the user for it,
 * `offline_access` included, with its tokens and codes, in one transaction (`store.consents.revoke`).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'

export interface UserGrant {
  client_id: string
  /** The resource (RFC 8707) it is for; null: none named. */
  resource: string | null
  /** The scopes consented to or held by a live grant, space-separated. */
  scope: string
  /** When the first consent or live grant of these was made. */
  created_at: number
}

/** Per (client, resource), by client then resource; `not_found` for no such user. */
export async function listUserGrants(scope: ManagementScope, userId: string): Promise<UserGrant[]> {
  const { store, clock, config } = scope
  if (!(await store.users.getById(userId))) throw new ManagementError('not_found', 'user', `no user with id ${userId}`)
  const now = clock.now()
  const [consents, grants] = await Promise.all([store.consents.listForUser(userId), store.consents.liveGrantsOf(userId, now - config.tokens.access_token_ttl, now)])
  const entries = new Map<string, { client_id: string; resource: string | null; scopes: Set<string>; created_at: number }>()
  const add = (clientId: string, resource: string | null, scopes: readonly string[], at: number) => {
    const key = JSON.stringify([clientId, resource])
    const entry = entries.get(key) ?? { client_id: clientId, resource, scopes: new Set<string>(), created_at: at }
    entry.created_at = Math.min(entry.created_at, at)
    for (const s of scopes) entry.scopes.add(s)
    entries.set(key, entry)
  }
  for (const c of consents) add(c.client_id, c.resource, c.scopes, c.granted_at)
  for (const g of grants) add(g.client_id, g.resource, g.scope.split(' ').filter(Boolean), g.created_at)
  return [...entries.values()]
    .map((e) => ({ client_id: e.client_id, resource: e.resource, scope: [...e.scopes].join(' '), created_at: e.created_at }))
    .sort((a, b) => a.client_id.localeCompare(b.client_id) || (a.resource ?? '').localeCompare(b.resource ?? ''))
}

/** Revokes what the user granted the client (consents and grants); `not_found` when there was neither. */
export async function revokeUserGrant(scope: ManagementScope, userId: string, clientId: string): Promise<void> {
  const { store, clock } = scope
  const before = (await listUserGrants(scope, userId)).filter((g) => g.client_id === clientId)
  if (!(await store.consents.revoke(userId, clientId, clock.now()))) throw new ManagementError('not_found', 'grant', `user ${userId} has authorized no client ${clientId}`)
  await recordAdminChange(scope, { type: 'admin.grant.revoked', subject: { type: 'user', id: userId }, before, after: null, data: { client_id: clientId } })
}
