/**
 * Issue 12: unlinking an upstream account on the account page. The store's `unlink` is one
 * conditional statement that refuses (`last_method`) when the user would be left with no way to
 * sign in (no password and no other identity), so two concurrent unlinks cannot both succeed.
 */
import type { LatchContext } from '../context.js'

export type UnlinkResult = 'unlinked' | 'last_method' | 'not_linked'

export async function unlinkIdentity(ctx: LatchContext, userId: string, connectionId: string): Promise<UnlinkResult> {
  const result = await ctx.store.identities.unlink(userId, connectionId, ctx.clock.now())
  if (result === 'unlinked') ctx.events.emit('identity.unlinked', { user_id: userId, connection_id: connectionId })
  return result
}
