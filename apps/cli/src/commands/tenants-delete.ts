/**
 * `latch tenants delete ID [--yes]` (issue 11): deletes a tenant and every row it owns (clients,
 * users, organizations, signing keys, sessions, grants, codes, tokens…) in one transaction. It
 * cannot be undone, so in a terminal it asks for the tenant's id first; off a terminal (a script)
 * it needs `--yes`. `default`, the top-level config's tenant, cannot be deleted. Running servers
 * stop answering for its issuer within `tenancy.reload_interval`.
 */
import type { Command } from 'commander'
import { DEFAULT_TENANT, deleteTenant } from '@latch/server/admin'
import { managementScope, promptLine, tenantIdArg, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { CliError, UsageError, cliErrorOf } from '../errors.js'
import { cliIo } from '../io.js'
import { note, say } from '../output.js'

export function tenantsDelete(parent: Command): void {
  withConfigOption(
    parent
      .command('delete')
      .description('delete a tenant and all its data (asks first in a terminal)')
      .argument('<id>', 'tenant id')
      .option('--yes', 'delete without asking (scripts)'),
  ).action(async (idArg: string, opts: CommonOptions & { yes?: boolean }) => {
    const id = tenantIdArg(idArg)
    if (id === DEFAULT_TENANT) throw new UsageError("the default tenant is the top-level config's and cannot be deleted")
    if (!opts.yes && !cliIo().stdin.isTTY) throw new UsageError(`deleting tenant ${id} deletes all its data: add --yes, or run the command in a terminal to be asked`)
    await withStore(opts, async ({ config, root }) => {
      const tenant = await root.tenants.get(id)
      if (tenant === null) throw new CliError(`no tenant ${id} (see \`latch tenants list\`)`)
      if (!opts.yes) {
        const answer = await promptLine(`Delete tenant ${id} (${tenant.issuer}) with all its clients, users, keys, sessions and tokens? This cannot be undone. Type ${id} to confirm: `)
        if (answer.trim() !== id) throw new CliError(`tenant ${id} not deleted (the answer was not its id)`)
      }
      // The deployment's scope: a tenant's deletion is recorded in the default tenant's log.
      await deleteTenant(managementScope({ store: root, config, tenant: DEFAULT_TENANT }), id).catch((err: unknown) => {
        throw cliErrorOf(err, () => `no tenant ${id} (deleted meanwhile)`)
      })
      say(`deleted tenant ${id} and all its data`)
      note(`running servers stop answering for ${tenant.issuer} within ${config.tenancy.reload_interval} s (tenancy.reload_interval)`)
      const listed = config.tenants.find((t) => t.id === id)
      if (listed) note(`warning: tenant ${id} is defined in the config file (${listed.source}): remove it there, or the next \`latch serve\` creates it again (empty)`)
    })
  })
}
