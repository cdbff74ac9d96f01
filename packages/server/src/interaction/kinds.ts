/**
 * What a kind of interaction does once the user has signed in (and consented where needed): the
 * authorization endpoint issues a code and redirects to the client; device verification marks
 * the device code approved. Interaction pages (`routes.ts`) run login and consent the same way
 * for every kind and dispatch to this table at the end.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { LatchContext } from '../context.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord, InteractionRecord } from '../storage/store.js'

export interface InteractionKind {
  /** Consent page needed? (device: always; authorization: unless skipped or remembered). */
  needsConsent(ctx: LatchContext, interaction: InteractionRecord, client: ClientRecord, userId: string): Promise<boolean>
  /** A fresh login is required even if a session exists (prompt=login, max_age exceeded). */
  requiresFreshLogin(interaction: InteractionRecord, session: ActiveSession | null, now: number): boolean
  approve(args: InteractionOutcome & { scope: string[] }): Promise<FastifyReply>
  deny(args: InteractionOutcome): Promise<FastifyReply>
}

export interface InteractionOutcome {
  ctx: LatchContext
  request: FastifyRequest
  reply: FastifyReply
  interaction: InteractionRecord
  client: ClientRecord
  session: ActiveSession
}

/** The resource the interaction asks a token for (`params.resource`), null for none. */
export function interactionResource(interaction: InteractionRecord): string | null {
  const resource = interaction.params.resource
  return typeof resource === 'string' ? resource : null
}

/** The scopes the interaction asks for, always stored as `params.scope` (space-delimited). */
export function interactionScope(interaction: InteractionRecord): string[] {
  const scope = interaction.params.scope
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []
}
