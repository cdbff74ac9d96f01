/**
 * Lookups the `latch orgs` and `latch users` commands share: the organization id argument, checked before anything is
 * opened (a malformed id is a wrong command line, exit 2), and the organization and user a
 * membership command names, looked up (unknown: the command failed, exit 1), and the user a
 * password or roles are given to (issue 12: not one who may have squatted the email upstream).
 */
import { ORGANIZATION_ID, unverifiedFederatedUser, type ManagementError, type OrganizationRecord, type Store, type UserRecord } from '@latch/server/admin'
import { CliError, UsageError } from './errors.js'

/** The id as given, or a usage error saying what an id looks like. */
export function organizationIdArg(id: string, name = 'organization id'): string {
  if (!ORGANIZATION_ID.test(id)) throw new UsageError(`${name} ${JSON.stringify(id)} must be 1 to 64 of a-z, 0-9 and -`)
  return id
}

export async function existingOrganization(store: Store, id: string): Promise<OrganizationRecord> {
  const organization = await store.organizations.get(id)
  if (!organization) throw new CliError(`no organization ${id} (see \`latch orgs list\`)`)
  return organization
}

export async function existingUser(store: Store, email: string): Promise<UserRecord> {
  const user = await store.users.getByEmail(email.toLowerCase())
  if (!user) throw new CliError(`no user with email ${email.toLowerCase()}`)
  return user
}

/**
 * Issue 12: the user an operator command gives a password or roles to. A user who signs in through
 * a connection with an email never verified may have typed someone else's address upstream: what
 * the operator means for that address's owner is refused (server users/unverified-federated-user.ts).
 */
export async function userToProvision(store: Store, email: string): Promise<UserRecord> {
  const user = await existingUser(store, email)
  if (await unverifiedFederatedUser(store, user)) {
    throw new CliError(`user ${user.email} signs in through a connection and never verified that email; it may not be its owner (delete that user first: latch users delete)`)
  }
  return user
}

/**
 * Issue 14: the management services' refusals about users and organizations in the words these
 * commands always used (with their hints); undefined: the service's message as is.
 */
export function userWords(err: ManagementError): string | undefined {
  if (err.resource === 'user' && err.code === 'refused') return `${err.message.replace(/ \(delete that user first\)$/, '')} (delete that user first: latch users delete)`
  if (err.resource === 'organization' && err.code === 'not_found') return `${err.message} (see \`latch orgs list\`)`
  return undefined
}
