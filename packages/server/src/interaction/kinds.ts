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
import type { GrantedScope } from './granted-scope.js'
import type { OrganizationPage } from './organization-step.js'
import type { Outcome } from './outcome.js'

/**
 * What a signed-in user would grant, or the organization page to show first (authorization requests
 * only), or (issue 14) the request's end at the client, e.g. `invalid_scope` for admin scopes this
 * user's roles do not give: the pages finish the interaction and send `outcome`.
 */
export type Resolution = { type: 'grant'; grant: GrantedScope } | { type: 'organization'; page: OrganizationPage } | { type: 'refused'; outcome: Outcome }

export interface InteractionKind {
  /** Once signed in: the concrete grant (authorization: after the organization step), or that step's page. */
  resolve(ctx: LatchContext, interaction: InteractionRecord, client: ClientRecord, session: ActiveSession): Promise<Resolution>
  /** Consent page needed for `scope`? (device: always; authorization: unless skipped or remembered). */
  needsConsent(ctx: LatchContext, interaction: InteractionRecord, client: ClientRecord, userId: string, scope: readonly string[]): Promise<boolean>
  /** A fresh login is required even if a session exists (prompt=login, max_age exceeded). */
  requiresFreshLogin(interaction: InteractionRecord, client: ClientRecord, session: ActiveSession | null, now: number): boolean
  approve(args: FinishedInteraction & { grant: GrantedScope }): Promise<Outcome>
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
