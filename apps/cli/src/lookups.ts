/**
 * Lookups the `latch orgs` and `latch users` commands share: the organization id argument, checked before anything is
 * opened (a malformed id is a wrong command line, exit 2), and the organization and user a
 * membership command names, looked up (unknown: the command failed, exit 1).
 */
import { ORGANIZATION_ID, type OrganizationRecord, type Store, type UserRecord } from '@latch/server/admin'
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
