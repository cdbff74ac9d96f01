/**
 * `latch users sign-out EMAIL` (issue 14): "sign out everywhere": every session of the user ends
 * (their clients told by back-channel logout) and every grant is revoked, `offline_access` included,
 * in one transaction. They may sign in again at once (to keep them out: `latch users disable`).
 */
import type { Command } from 'commander'
import { existingUser, signOutUser } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { userWords } from '../lookups.js'
import { say } from '../output.js'

export function usersSignOut(parent: Command): void {
  withConfigOption(
    parent
      .command('sign-out')
      .description('end every session of a user and revoke every grant of theirs (they may sign in again)')
      .argument('<email>', 'email address of the user'),
  ).action(async (email: string, opts: CommonOptions) => {
    await withStore(opts, async (ctx) => {
      const { user, sessions } = await existingUser(ctx.store, email)
        .then((u) => signOutUser(managementScope(ctx), u.id))
        .catch((err: unknown) => {
          throw cliErrorOf(err, userWords)
        })
      say(`${user.email} signed out: ${sessions} session${sessions === 1 ? '' : 's'} ended, every grant revoked`)
    })
  })
}
