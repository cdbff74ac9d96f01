/**
 * `latch connections delete ID` (issue 12): removes a connection with its users' identities at it
 * and its pending sign-ins (one transaction); the users stay, with their passwords and other
 * connections. In a terminal it asks for the id to be typed again unless `--yes`; a script (no
 * terminal) must say `--yes`. A connection the config file lists comes back at the next start.
 */
import type { Command } from 'commander'
import { deleteConnection } from '@latch/server/admin'
import { managementScope, promptLine, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { CliError, UsageError, cliErrorOf } from '../errors.js'
import { cliIo } from '../io.js'
import { note, say } from '../output.js'

export function connectionsDelete(parent: Command): void {
  withConfigOption(
    parent
      .command('delete')
      .description('delete a connection and its identities (the users stay)')
      .argument('<id>', 'connection id')
      .option('--yes', 'do not ask for confirmation'),
  ).action(async (id: string, opts: CommonOptions & { yes?: boolean }) => {
    await withStore(opts, async (ctx) => {
      const { config, store } = ctx
      if ((await store.connections.get(id)) === null) throw new CliError(`no connection ${id} (see \`latch connections list\`)`)
      if (!opts.yes) {
        if (!cliIo().stdin.isTTY) throw new UsageError('deleting a connection unlinks every user from it: add --yes to confirm')
        const typed = await promptLine(`Users signed in through ${id} lose that way to sign in. Type the connection id to confirm: `)
        if (typed.trim() !== id) throw new CliError('not confirmed; nothing deleted')
      }
      await deleteConnection(managementScope(ctx), id).catch((err: unknown) => {
        throw cliErrorOf(err, () => `no connection ${id} (see \`latch connections list\`)`)
      })
      say(`deleted connection ${id}; its identities were removed, the users stay`)
      if (config.connections.some((c) => c.id === id)) note(`warning: connection ${id} is listed in the config file; the next \`latch serve\` creates it again`)
    })
  })
}
