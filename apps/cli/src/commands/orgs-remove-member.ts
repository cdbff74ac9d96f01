/**
 * `latch orgs remove-member ID EMAIL`: ends a membership (issue 10). Tokens already issued say
 * `org_id` until they expire; the next refresh no longer carries the organization (or, for a client
 * with `organization_required`, fails), and a token exchange into it is refused.
 */
import type { Command } from 'commander'
import { removeOrganizationMember } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { note, say } from '../output.js'
import { organizationIdArg, userWords } from '../lookups.js'

export function orgsRemoveMember(parent: Command): void {
  withConfigOption(
    parent.command('remove-member').description('remove a user from an organization').argument('<id>', 'organization id').argument('<email>', 'email address of the user'),
  ).action(async (idArg: string, email: string, opts: CommonOptions) => {
    const id = organizationIdArg(idArg)
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      const { user } = await removeOrganizationMember(managementScope(ctx), id, email).catch((err: unknown) => {
        throw cliErrorOf(err, userWords)
      })
      say(`removed ${user.email} from ${id}`)
      const listed = config.organizations.find((o) => o.id === id)?.members?.some((m) => m.email.toLowerCase() === user.email)
      if (listed) note(`warning: ${user.email} is listed as a member of ${id} in the config file; the next \`latch serve\` adds them again`)
    })
  })
}
