/**
 * Issue 12: unlinking an upstream account on the account page. The store's `unlink` is one
 * conditional statement that refuses (`last_method`) when the user would be left with no way to
 * sign in (no password and no other identity), so two concurrent unlinks cannot both succeed.
 */
import type { LatchContext } from '../context.js'
import { requiredConnectionForEmail, requiredConnectionForMember } from './organization-rules.js'

export type UnlinkResult = 'unlinked' | 'last_method' | 'not_linked'

/**
 * Only ways the user can actually use count as what is left (security review L3): a password
 * where `sign_in.password` is on and no organization requires its own connection of this user,
 * and identities of enabled connections (only the required one, when there is one).
 */
async function usableMethods(ctx: LatchContext, userId: string): Promise<{ password: boolean; connections: string[] }> {
  const user = await ctx.store.users.getById(userId)
  const required = (user === null ? null : await requiredConnectionForEmail(ctx, user.email)) ?? (await requiredConnectionForMember(ctx, userId))
  const enabled = (await ctx.connections.list()).filter((c) => c.enabled).map((c) => c.id)
  return {
    password: ctx.config.sign_in.password && required === null,
    connections: required === null ? enabled : enabled.filter((id) => id === required.id),
  }
}

export async function unlinkIdentity(ctx: LatchContext, userId: string, connectionId: string): Promise<UnlinkResult> {
  const result = await ctx.store.identities.unlink(userId, connectionId, ctx.clock.now(), await usableMethods(ctx, userId))
  if (result === 'unlinked') ctx.events.emit('identity.unlinked', { user_id: userId, connection_id: connectionId })
  return result
}
