/**
 * `latch orgs delete ID`: removes an organization with its memberships, and revokes every grant
 * made for it (with their refresh and access tokens) in the same transaction (issue 10). An
 * organization the config file lists comes back at the next start, so the command says so.
 */
import type { Command } from 'commander'
import { deleteOrganization } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { note, say } from '../output.js'
import { organizationIdArg, userWords } from '../lookups.js'
import { inConfigFile } from './orgs-list.js'

export function orgsDelete(parent: Command): void {
  withConfigOption(
    parent.command('delete').description('delete an organization, its memberships, and the grants made for it').argument('<id>', 'organization id'),
  ).action(async (idArg: string, opts: CommonOptions) => {
    const id = organizationIdArg(idArg)
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      await deleteOrganization(managementScope(ctx), id).catch((err: unknown) => { throw cliErrorOf(err, userWords) })
      say(`deleted organization ${id}`)
      if (inConfigFile(config, id)) note(`warning: organization ${id} is listed in the config file; the next \`latch serve\` creates it again`)
    })
  })
}
