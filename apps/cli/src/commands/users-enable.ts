/** `latch users enable EMAIL` (issue 14): a disabled user may sign in again (what disabling ended stays ended). */
import type { Command } from 'commander'
import { enableUser, existingUser } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { userWords } from '../lookups.js'
import { say } from '../output.js'

export function usersEnable(parent: Command): void {
  withConfigOption(
    parent
      .command('enable')
      .description('let a disabled user sign in again')
      .argument('<email>', 'email address of the user'),
  ).action(async (email: string, opts: CommonOptions) => {
    await withStore(opts, async (ctx) => {
      const scope = managementScope(ctx)
      const user = await existingUser(ctx.store, email)
        .then((u) => enableUser(scope, u.id))
        .catch((err: unknown) => {
          throw cliErrorOf(err, userWords)
        })
      say(`${user.email} is enabled`)
    })
  })
}
