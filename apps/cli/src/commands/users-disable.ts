/**
 * `latch users disable EMAIL` (issue 14): the user signs in by no path from now on (password,
 * passkey, email link or code, connection, password grant, device approval, refresh), and every
 * session and grant of theirs ends at once. `latch users enable` lets them sign in again.
 */
import type { Command } from 'commander'
import { disableUser, existingUser } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { userWords } from '../lookups.js'
import { say } from '../output.js'

export function usersDisable(parent: Command): void {
  withConfigOption(
    parent
      .command('disable')
      .description('stop a user from signing in by any path, and end every session and grant of theirs now')
      .argument('<email>', 'email address of the user'),
  ).action(async (email: string, opts: CommonOptions) => {
    await withStore(opts, async (ctx) => {
      const scope = managementScope(ctx)
      const user = await existingUser(ctx.store, email)
        .then((u) => disableUser(scope, u.id))
        .catch((err: unknown) => {
          throw cliErrorOf(err, userWords)
        })
      say(`${user.email} is disabled: every session and grant ended; \`latch users enable\` lets them sign in again`)
    })
  })
}
