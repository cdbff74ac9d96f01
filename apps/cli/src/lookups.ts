/**
 * Lookups the `latch orgs` and `latch users` commands share: the organization id argument, checked before anything is
 * opened (a malformed id is a wrong command line, exit 2), and the organization and user a
 * membership command names, looked up (unknown: the command failed, exit 1), and (issue 14) the
 * words of the management services' refusals.
 */
import { ORGANIZATION_ID, type ManagementError, type OrganizationRecord, type Store } from '@latch/server/admin'
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

/**
 * Issue 14: the management services' refusals about users and organizations in the words these
 * commands always used (with their hints); undefined: the service's message as is.
 */
export function userWords(err: ManagementError): string | undefined {
  if (err.resource === 'user' && err.code === 'refused') return `${err.message.replace(/ \(delete that user first\)$/, '')} (delete that user first: latch users delete)`
  if (err.resource === 'organization' && err.code === 'not_found') return `${err.message} (see \`latch orgs list\`)`
  return undefined
}
