/**
 * Issue 13, the account page's "Apps you authorized": per client, what the user consented to and
 * what their live grants hold (review L7: a client with `skip_consent` has grants but no consent;
 * clients since deleted took their consents with them and their grants are revoked), and **Revoke**, which forgets the consent
 * and revokes every grant of the user for that client, `offline_access` included, with its refresh
 * and access tokens, in one transaction (`store.consents.revoke`). The app must ask again: the
 * consent page is shown at its next authorization request (unless the client skips consent).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import type { LatchContext } from '../context.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord } from '../storage/store.js'

export interface AuthorizedApp {
  client: ClientRecord
  /** When the user first consented to this client, or got a grant of theirs still live. */
  since: number
  /** Per resource (null: none named), the scopes granted. */
  consents: { resource: string | null; scopes: string[] }[]
}

export async function listApps(ctx: LatchContext, active: ActiveSession): Promise<AuthorizedApp[]> {
  const now = ctx.clock.now()
  const [consents, grants] = await Promise.all([
    ctx.store.consents.listForUser(active.user.id),
    // Review L7: a client that skips consent has grants and no consent; it is listed (and revoked) too.
    ctx.store.consents.liveGrantsOf(active.user.id, now - ctx.config.tokens.access_token_ttl, now),
  ])
  const byClient = new Map<string, { since: number; scopes: Map<string | null, Set<string>> }>()
  const add = (clientId: string, resource: string | null, scopes: readonly string[], at: number) => {
    const entry = byClient.get(clientId) ?? { since: at, scopes: new Map<string | null, Set<string>>() }
    entry.since = Math.min(entry.since, at)
    const set = entry.scopes.get(resource) ?? new Set<string>()
    for (const scope of scopes) set.add(scope)
    entry.scopes.set(resource, set)
    byClient.set(clientId, entry)
  }
  for (const c of consents) add(c.client_id, c.resource, c.scopes, c.granted_at)
  for (const g of grants) add(g.client_id, g.resource, g.scope.split(' ').filter(Boolean), g.created_at)
  const apps: AuthorizedApp[] = []
  for (const [clientId, entry] of byClient) {
    const client = await ctx.clients.get(clientId)
    if (client === null) continue
    apps.push({ client, since: entry.since, consents: [...entry.scopes].map(([resource, scopes]) => ({ resource, scopes: [...scopes] })) })
  }
  return apps.sort((a, b) => a.client.client_name.localeCompare(b.client.client_name) || a.client.client_id.localeCompare(b.client.client_id))
}

export async function revokeApp(ctx: LatchContext, active: ActiveSession, clientId: string | undefined): Promise<'app_revoked' | 'app_not_found'> {
  if (clientId === undefined || clientId === '' || clientId.length > 255) return 'app_not_found'
  const revoked = await ctx.store.consents.revoke(active.user.id, clientId, ctx.clock.now())
  if (!revoked) return 'app_not_found'
  ctx.events.emit('consent.revoked', { user_id: active.user.id, client_id: clientId })
  return 'app_revoked'
}
