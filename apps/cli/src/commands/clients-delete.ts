/**
 * `latch clients delete ID`: removes a client from the database. A client the config file lists
 * comes back at the next start (config clients are seeded at every start, docs/architecture.md §2),
 * so the command says so.
 */
import type { Command } from 'commander'
import { deleteClient } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { note, say } from '../output.js'

export function clientsDelete(parent: Command): void {
  withConfigOption(
    parent.command('delete').description('delete a client').argument('<client_id>', 'client_id of the client to delete'),
  ).action(async (clientId: string, opts: CommonOptions) => {
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      await deleteClient(managementScope(ctx), clientId).catch((err: unknown) => { throw cliErrorOf(err) })
      say(`deleted client ${clientId}`)
      if (config.clients.some((c) => c.client_id === clientId)) {
        note(`warning: client ${clientId} is listed in the config file; the next \`latch serve\` creates it again`)
      }
    })
  })
}
