/**
 * Starts an interaction: stores the validated request under a random id and sends the browser
 * (303, `seeOther`) to the interaction page, which runs login and consent and then hands back to the kind's `approve`.
 * The id is 122 random bits (UUID v4): unguessable. Anyone can start one, so it is stored only
 * within the bounds of `rate-limit/pending-limits.ts`, and lives `sessions.anonymous_interaction_ttl` until
 * someone signs in to it (`signedIn`), then up to `sessions.interaction_ttl` from its start.
 */
import type { LatchContext } from '../context.js'
import { randomId } from '../lib/random.js'
import type { InteractionRecord } from '../storage/store.js'
import { seeOther, type Outcome } from './outcome.js'
import { storedUserAgent } from '../rules/user-agent.js'

export async function beginInteraction(
  ctx: LatchContext,
  input: { kind: InteractionRecord['kind']; client_id: string; params: Record<string, unknown>; ip: string; userAgent?: string | undefined },
): Promise<Outcome> {
  await ctx.pending.admitInteraction(input.ip)
  const now = ctx.clock.now()
  const userAgent = storedUserAgent(input.userAgent)
  const { interaction_ttl, anonymous_interaction_ttl } = ctx.config.sessions
  const interaction: InteractionRecord = {
    id: randomId(),
    kind: input.kind,
    client_id: input.client_id,
    // Issue 13: the browser's User-Agent (bounded), for the session this sign-in starts ("Active sessions").
    params: userAgent === null ? input.params : { ...input.params, user_agent: userAgent },
    user_id: null,
    auth_time: null,
    session_id: null,
    created_at: now,
    expires_at: now + Math.min(anonymous_interaction_ttl, interaction_ttl),
  }
  await ctx.store.interactions.insert(interaction)
  return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
}

/** The patch that records who signed in to an interaction, and gives it its full lifetime. */
export function signedIn(
  ctx: LatchContext,
  interaction: InteractionRecord,
  who: { user_id: string; auth_time: number; session_id: string },
): Pick<InteractionRecord, 'user_id' | 'auth_time' | 'session_id' | 'expires_at'> {
  return { ...who, expires_at: interaction.created_at + ctx.config.sessions.interaction_ttl }
}

/** Issue 13: the User-Agent of the browser that began `interaction` (stored bounded), or null. */
export function interactionUserAgent(interaction: InteractionRecord): string | null {
  return storedUserAgent(interaction.params.user_agent)
}
