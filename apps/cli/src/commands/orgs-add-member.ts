/**
 * `latch orgs add-member ID EMAIL [--roles a,b]`: makes the user a member of the organization with
 * exactly these roles (issue 10); for a member already, the roles are replaced. Roles are free
 * strings, checked as the config file's are (printable, no spaces). Tokens issued from now on
 * carry them as `org_roles`; tokens already issued keep theirs until they expire.
 */
import type { Command } from 'commander'
import { addOrganizationMember } from '@latch/server/admin'
import { flagError, managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { list } from '../flag-values.js'
import { note, say } from '../output.js'
import { organizationIdArg, userWords } from '../lookups.js'

interface AddMemberOptions extends CommonOptions {
  roles?: string[]
}

export function orgsAddMember(parent: Command): void {
  withConfigOption(
    parent
      .command('add-member')
      .description("add a user to an organization, or set a member's roles")
      .argument('<id>', 'organization id')
      .argument('<email>', 'email address of the user')
      .option('--roles <list>', 'comma-separated roles (default: none)', list),
  ).action(async (idArg: string, email: string, opts: AddMemberOptions) => {
    const id = organizationIdArg(idArg)
    const roles = [...new Set(opts.roles ?? [])]
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      let added: Awaited<ReturnType<typeof addOrganizationMember>>
      try {
        added = await addOrganizationMember(managementScope(ctx), id, email, roles)
      } catch (err) {
        // The roles rule of the config file (`users[].roles`), through the loader itself.
        throw cliErrorOf(flagError(err, 'users', { roles: '--roles', email: 'EMAIL' }, { email, roles }), userWords)
      }
      const { organization, user, before } = added
      const shown = roles.length > 0 ? roles.join(',') : 'none'
      say(before ? `updated ${user.email} in ${organization.id}: roles ${shown}` : `added ${user.email} to ${organization.id}: roles ${shown}`)
      const listed = config.organizations.find((o) => o.id === id)?.members?.some((m) => m.email.toLowerCase() === user.email)
      if (listed) note(`warning: ${user.email} is listed as a member of ${id} in the config file; the next \`latch serve\` sets the roles from the file`)
    })
  })
}
