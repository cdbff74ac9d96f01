/**
 * `latch orgs members ID [--json]`: the organization's members with their roles (issue 10), by email.
 */
import type { Command } from 'commander'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { note, printJson, printTable } from '../output.js'
import { existingOrganization, organizationIdArg } from '../lookups.js'

export function orgsMembers(parent: Command): void {
  withConfigOption(
    parent.command('members').description("list an organization's members and their roles").argument('<id>', 'organization id').option('--json', 'print a JSON array'),
  ).action(async (idArg: string, opts: CommonOptions & { json?: boolean }) => {
    const id = organizationIdArg(idArg)
    await withStore(opts, async ({ store }) => {
      await existingOrganization(store, id)
      const members = (await store.organizations.members(id)).map((m) => ({ organization_id: id, user_id: m.user.id, email: m.user.email, roles: m.roles }))
      if (opts.json) return printJson(members)
      if (members.length === 0) return note(`no members in ${id}`)
      printTable(['EMAIL', 'ROLES', 'SUB'], members.map((m) => [m.email, m.roles.length > 0 ? m.roles.join(',') : '-', m.user_id]))
    })
  })
}
