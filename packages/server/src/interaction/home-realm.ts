/**
 * Issue 12: home-realm discovery. When the tenant has organization connections (enterprise SSO,
 * `connections[].organization`), the sign-in page first asks for the email; an email of a domain
 * listed by an organization that has a connection goes to that connection, any other to the
 * password page with the email filled in. A request that names the organization (`organization`
 * parameter or `organization:<id>` scope), or whose `login_hint` is an email of such a domain,
 * goes there straight away. Only the domain decides, never whether a user exists: the answer for
 * an unknown email is the one for a known email of the same domain (no account enumeration).
 */
import { PATHS, type LatchContext } from '../context.js'
import { connectionForEmail, organizationConnections, type OrganizationConnection } from '../federation/organization-rules.js'
import type { InteractionRecord } from '../storage/store.js'
import { canProveFreshness, requiredAuthAge } from './fresh-sign-in.js'
import { requestedOrganization } from './page-look.js'

/** What the sign-in step shows or does before any password (`nextStep`). */
export type SignInStep =
  | { type: 'login_form' }
  /** Email first: an identify page (tenants with organization connections). */
  | { type: 'identify_form' }
  /** Straight to an organization's identity provider. */
  | { type: 'redirect_to_connection'; connection: OrganizationConnection; location: string }

/** The start of a sign-in through `connection` for this interaction, with the email as `login_hint` (OIDC Core §3.1.2.1). */
export function connectionStartUrl(ctx: LatchContext, connectionId: string, interactionId: string, loginHint?: string): string {
  const query = new URLSearchParams({ interaction: interactionId, ...(loginHint !== undefined && { login_hint: loginHint }) })
  return `${ctx.urls.issuer}${PATHS.connections}/${encodeURIComponent(connectionId)}/start?${query.toString()}`
}

/** `login_hint` when it is an email address (the only kind Latch understands). */
function emailHint(interaction: InteractionRecord): string | undefined {
  const hint = interaction.params.login_hint
  return typeof hint === 'string' && hint.includes('@') ? hint.trim().toLowerCase() : undefined
}

/** The email the user typed on the identify page (stored on the interaction), if they did. */
export function identifiedEmail(interaction: InteractionRecord): string | undefined {
  const email = interaction.params.identified_email
  return typeof email === 'string' ? email : undefined
}

/** The email the password form is filled in with: the one identified, else an email `login_hint`. */
export function prefilledEmail(interaction: InteractionRecord): string | undefined {
  return identifiedEmail(interaction) ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : undefined)
}

/** The step before the password, when the interaction is not signed in. */
export async function signInStep(ctx: LatchContext, interaction: InteractionRecord, options: { returning?: boolean } = {}): Promise<SignInStep> {
  const connections = await organizationConnections(ctx)
  if (connections.length === 0) return { type: 'login_form' }
  // Back from a connection with a notice: the page, so that the user reads it and can choose another way.
  if (options.returning === true) return identifiedEmail(interaction) !== undefined ? { type: 'login_form' } : { type: 'identify_form' }
  const hint = emailHint(interaction)
  const organization = requestedOrganization(interaction)
  if (organization !== undefined) {
    const connection = connections.find((c) => c.organization_id === organization) ?? null
    if (connection !== null) return { type: 'redirect_to_connection', connection, location: connectionStartUrl(ctx, connection.id, interaction.id, hint) }
  }
  if (hint !== undefined) {
    const found = await connectionForEmail(ctx, hint, connections)
    if (found !== null) return { type: 'redirect_to_connection', connection: found.connection, location: connectionStartUrl(ctx, found.connection.id, interaction.id, hint) }
  }
  // An email known already (typed on the identify page, or an email login_hint of another domain): the password.
  return identifiedEmail(interaction) !== undefined || hint !== undefined ? { type: 'login_form' } : { type: 'identify_form' }
}

/**
 * The identify page's answer: the organization connection of the email's domain (the page then
 * continues there), or null after the email is kept on the interaction for the password page.
 */
export async function identify(
  ctx: LatchContext,
  interaction: InteractionRecord,
  email: string,
): Promise<{ connection: OrganizationConnection; organizationName: string; location: string } | null> {
  const found = await connectionForEmail(ctx, email)
  if (found !== null) {
    return { connection: found.connection, organizationName: found.organization.name, location: connectionStartUrl(ctx, found.connection.id, interaction.id, email) }
  }
  await ctx.store.interactions.update(interaction.id, { params: { ...interaction.params, identified_email: email } })
  return null
}

/**
 * The sign-in buttons (the sign-in and identify pages): enabled connections that are not an
 * organization's, from the registry (no upstream is called to draw a page).
 */
export async function signInButtons(ctx: LatchContext, interaction: Pick<InteractionRecord, 'id' | 'kind' | 'params'>): Promise<{ name: string; type: string; href: string }[]> {
  const maxAge = requiredAuthAge(interaction)
  return (await ctx.connections.list())
    .filter((c) => c.enabled && c.organization_id === null && canProveFreshness(c.protocol, maxAge))
    .map((c) => ({ name: c.display_name, type: c.type, href: connectionStartUrl(ctx, c.id, interaction.id) }))
}
