/**
 * Starts an interaction: stores the validated request under a random id and sends the browser to
 * the interaction page, which runs login and consent and then hands back to the kind's `approve`.
 * The id is 122 random bits (UUID v4): unguessable, and it expires after `sessions.interaction_ttl`.
 */
import type { FastifyReply } from 'fastify'
import type { LatchContext } from '../context.js'
import { randomId } from '../lib/random.js'
import type { InteractionRecord } from '../storage/store.js'

export async function beginInteraction(
  ctx: LatchContext,
  reply: FastifyReply,
  input: { kind: InteractionRecord['kind']; client_id: string; params: Record<string, unknown> },
): Promise<FastifyReply> {
  const now = ctx.clock.now()
  const interaction: InteractionRecord = {
    id: randomId(),
    kind: input.kind,
    client_id: input.client_id,
    params: input.params,
    user_id: null,
    auth_time: null,
    session_id: null,
    created_at: now,
    expires_at: now + ctx.config.sessions.interaction_ttl,
  }
  await ctx.store.interactions.insert(interaction)
  return reply.redirect(`${ctx.urls.interaction}/${interaction.id}`, 303)
}
