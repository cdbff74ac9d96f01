/**
 * Who acts for which organization (issue 10): the membership a token for an organization is
 * issued on (read by primary key, so a user in a thousand organizations costs what a user in one
 * does), and email-domain joins: a user with a verified email whose domain an organization lists
 * becomes a member (roles `[member]`) when they sign in. Existing members keep their roles.
 */
import type { Membership, Store, UserRecord } from '../storage/store.js'

/** Roles given to a user who joins an organization through its email domain. */
export const DOMAIN_MEMBER_ROLES: readonly string[] = ['member']

/** The user's membership of `organizationId`, or null (also for an organization that does not exist). */
export function membershipOf(store: Pick<Store, 'organizations'>, organizationId: string, userId: string): Promise<Membership | null> {
  return store.organizations.membership(organizationId, userId)
}

/** Joins `user` to every organization listing their email's domain; returns the ids joined now. */
export async function joinByEmailDomain(store: Pick<Store, 'organizations'>, user: UserRecord, now: number): Promise<string[]> {
  // An unverified email proves nothing about its domain.
  if (!user.email_verified) return []
  const domain = user.email.slice(user.email.lastIndexOf('@') + 1).toLowerCase()
  if (domain === '') return []
  const joined: string[] = []
  for (const organization of await store.organizations.withDomain(domain)) {
    if (await store.organizations.joinIfAbsent(organization.id, user.id, [...DOMAIN_MEMBER_ROLES], now)) joined.push(organization.id)
  }
  return joined
}
