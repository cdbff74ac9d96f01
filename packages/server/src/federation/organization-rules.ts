/**
 * Issue 12, enterprise SSO: the rules an organization's own connection (its identity provider,
 * `connections[].organization`) adds to signing in, in one place for the password form
 * (interaction/pages.ts), home-realm discovery (interaction/home-realm.ts) and federated sign-in
 * (federation/resolve-user.ts, which calls `mayClaimEmail`, `requiredConnectionRefusal` and
 * `joinThroughConnection`).
 *
 * - Which connection an email belongs to is decided by its **domain** only (the organization's
 *   `domains`), never by whether a user exists: the answers are the same for unknown users, so
 *   neither discovery nor the required-SSO refusal enumerates accounts.
 * - An organization's IdP may only claim emails of that organization's domains: a customer's IdP
 *   asserting `alice@gmail.com` "verified" must not take over (link to) or create that account.
 * - `required`: members of the organization and every email of its domains sign in through it;
 *   the password, or another connection, is refused for them.
 */
import type { LatchContext } from '../context.js'
import type { ConnectionRecord, OrganizationRecord, UserRecord } from '../storage/store.js'

/** The roles a user gets on joining an organization by signing in through its connection. */
export const CONNECTION_MEMBER_ROLES: readonly string[] = ['member']

/** An enabled connection of an organization, as the sign-in paths need it (no secrets). */
export interface OrganizationConnection {
  id: string
  display_name: string
  organization_id: string
  required: boolean
}

/** The lower-cased domain of an email, or null when it is not one. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@')
  if (at <= 0 || at === email.length - 1) return null
  return email.slice(at + 1).trim().toLowerCase()
}

/** The tenant's enabled organization connections, by id (the registry's list, cached per node). */
export async function organizationConnections(ctx: LatchContext): Promise<OrganizationConnection[]> {
  return (await ctx.connections.list()).flatMap((c) =>
    c.enabled && c.organization_id !== null ? [{ id: c.id, display_name: c.display_name, organization_id: c.organization_id, required: c.required }] : [])
}

/**
 * Home-realm discovery by domain: the connection of the first organization (by id) listing the
 * email's domain that has one; null for any other domain. Costs one query per tenant without
 * organization connections only when called, and nothing is read about users.
 */
export async function connectionForEmail(
  ctx: LatchContext,
  email: string,
  among?: OrganizationConnection[],
): Promise<{ connection: OrganizationConnection; organization: OrganizationRecord } | null> {
  const connections = among ?? (await organizationConnections(ctx))
  const domain = emailDomain(email)
  if (connections.length === 0 || domain === null) return null
  const organizations = (await ctx.store.organizations.withDomain(domain)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (const organization of organizations) {
    const connection = connections.find((c) => c.organization_id === organization.id)
    if (connection) return { connection, organization }
  }
  return null
}

/**
 * The required connection an email must sign in through, from its domain alone (before any
 * password is checked, so the answer is the same whether or not the user exists).
 */
export async function requiredConnectionForEmail(ctx: LatchContext, email: string): Promise<OrganizationConnection | null> {
  const required = (await organizationConnections(ctx)).filter((c) => c.required)
  if (required.length === 0) return null
  return (await connectionForEmail(ctx, email, required))?.connection ?? null
}

/** The required connection of an organization the user is a member of (any email domain), or null. */
export async function requiredConnectionForMember(ctx: LatchContext, userId: string): Promise<OrganizationConnection | null> {
  for (const connection of (await organizationConnections(ctx)).filter((c) => c.required)) {
    if ((await ctx.store.organizations.membership(connection.organization_id, userId)) !== null) return connection
  }
  return null
}

/**
 * Federated sign-in: whether signing in through `connectionId` is refused because the user must
 * use another, required, connection: by the email's domain (call it with the upstream's email
 * before any user is looked up or created), or by membership (call it again with the user once
 * known). `connection_required` is the sign-in page's notice.
 */
export async function requiredConnectionRefusal(
  ctx: LatchContext,
  connectionId: string,
  who: { email: string | null; userId?: string },
): Promise<{ notice: 'connection_required'; connection: OrganizationConnection } | null> {
  const byDomain = who.email === null ? null : await requiredConnectionForEmail(ctx, who.email)
  const required = byDomain ?? (who.userId === undefined ? null : await requiredConnectionForMember(ctx, who.userId))
  return required !== null && required.id !== connectionId ? { notice: 'connection_required', connection: required } : null
}

/**
 * Whether the connection may link an existing user by this email, or create a user with it:
 * any connection that is not an organization's; an organization's only for an email of one of its
 * `domains`. Check it before `identities.link` and `identities.provision`.
 */
export async function mayClaimEmail(ctx: LatchContext, connection: Pick<ConnectionRecord, 'organization_id'>, email: string | null): Promise<boolean> {
  if (connection.organization_id === null) return true
  const domain = email === null ? null : emailDomain(email)
  if (domain === null) return false
  const organization = await ctx.store.organizations.get(connection.organization_id)
  return organization !== null && organization.domains.some((d) => d.toLowerCase() === domain)
}

/**
 * A user signed in through an organization's connection joins that organization (roles
 * `[member]`; an existing member keeps theirs). True when they joined now.
 */
export async function joinThroughConnection(ctx: LatchContext, connection: Pick<ConnectionRecord, 'organization_id'>, user: Pick<UserRecord, 'id'>): Promise<boolean> {
  if (connection.organization_id === null) return false
  const joined = await ctx.store.organizations.joinIfAbsent(connection.organization_id, user.id, [...CONNECTION_MEMBER_ROLES], ctx.clock.now())
  if (joined) ctx.events.emit('organization.member_joined', { organization_id: connection.organization_id, user_id: user.id, reason: 'connection' })
  return joined
}
