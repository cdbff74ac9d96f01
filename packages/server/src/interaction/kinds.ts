/**
 * What a kind of interaction does once the user has signed in (and consented where needed): the
 * authorization endpoint issues a code and redirects to the client; device verification marks
 * the device code approved. The interaction pages (`endpoints/interaction.ts`, deciding through
 * `pages.ts`) run login and consent the same way for every kind and dispatch to this table at the
 * end. A kind returns an `Outcome` (plain data); the page endpoint sends it.
 */
import type { LatchContext } from '../context.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { ClientRecord, InteractionRecord } from '../storage/store.js'
import type { Outcome } from './outcome.js'

export interface InteractionKind {
  /** Consent page needed? (device: always; authorization: unless skipped or remembered). */
  needsConsent(ctx: LatchContext, interaction: InteractionRecord, client: ClientRecord, userId: string): Promise<boolean>
  /** A fresh login is required even if a session exists (prompt=login, max_age exceeded). */
  requiresFreshLogin(interaction: InteractionRecord, session: ActiveSession | null, now: number): boolean
  approve(args: FinishedInteraction & { scope: string[] }): Promise<Outcome>
  deny(args: FinishedInteraction): Promise<Outcome>
}

/** An interaction taken from the store (so finished exactly once), with who finished it. */
export interface FinishedInteraction {
  ctx: LatchContext
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
