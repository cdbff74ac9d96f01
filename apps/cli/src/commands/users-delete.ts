/**
 * `latch users delete EMAIL`: removes a user. A user the config file lists comes back at the next
 * start (config users are seeded at every start, docs/architecture.md §2), so the command says so.
 */
import type { Command } from 'commander'
import { deleteUser } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { note, say } from '../output.js'

export function usersDelete(parent: Command): void {
  withConfigOption(
    parent.command('delete').description('delete a user').argument('<email>', 'email address of the user'),
  ).action(async (emailArg: string, opts: CommonOptions) => {
    const email = emailArg.toLowerCase()
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      await deleteUser(managementScope(ctx), email).catch((err: unknown) => { throw cliErrorOf(err) })
      say(`deleted user ${email}`)
      if (config.users.some((u) => u.email.toLowerCase() === email)) {
        note(`warning: user ${email} is listed in the config file; the next \`latch serve\` creates it again`)
      }
    })
  })
}
