/**
 * Issue 13, the account page's "Apps you authorized": what the user consented to, per client
 * (clients since deleted took their consents with them), and **Revoke**, which forgets the consent
 * and revokes every grant of the user for that client, `offline_access` included, with its refresh
 * and access tokens, in one transaction (`store.consents.revoke`). The app must ask again: the
 * consent page is shown at its next authorization request (unless the client skips consent).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import type { LatchContext } from '../context.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord, ConsentRecord } from '../storage/store.js'

export interface AuthorizedApp {
  client: ClientRecord
  /** When the user first consented to this client. */
  since: number
  /** Per resource (null: none named), the scopes granted. */
  consents: { resource: string | null; scopes: string[] }[]
}

export async function listApps(ctx: LatchContext, active: ActiveSession): Promise<AuthorizedApp[]> {
  const consents = await ctx.store.consents.listForUser(active.user.id)
  const byClient = new Map<string, (ConsentRecord & { granted_at: number })[]>()
  for (const c of consents) byClient.set(c.client_id, [...(byClient.get(c.client_id) ?? []), c])
  const apps: AuthorizedApp[] = []
  for (const [clientId, entries] of byClient) {
    const client = await ctx.clients.get(clientId)
    if (client === null) continue
    apps.push({ client, since: Math.min(...entries.map((e) => e.granted_at)), consents: entries.map((e) => ({ resource: e.resource, scopes: e.scopes })) })
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
