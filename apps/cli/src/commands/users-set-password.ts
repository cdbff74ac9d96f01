/**
 * `latch users set-password EMAIL`: replaces a user's password. The new password passes the same
 * rule as a config file `password` (checked by the config loader) and is stored as an argon2id
 * hash (RFC 9106). In a terminal it is asked for twice with the input hidden; scripts use
 * `--password-stdin` (`--password` stays in the shell history and shows in `ps`).
 *
 * Changing a password signs the user out everywhere: in the same transaction their sessions end and
 * all their grants are revoked, `offline_access` included (a changed password is how a user, or an
 * admin for them, cuts off whoever else may hold the old one). `--keep-sessions` opts out.
 */
import type { Command } from 'commander'
import { setUserPassword } from '@latch/server/admin'
import { flagError, managementScope, readPassword, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { userWords } from '../lookups.js'
import { note, say } from '../output.js'
import { PASSWORD_RULE, USER_FLAGS } from './users-create.js'

interface SetPasswordOptions extends CommonOptions {
  password?: string
  passwordStdin?: boolean
  keepSessions?: boolean
}

export function usersSetPassword(parent: Command): void {
  withConfigOption(
    parent
      .command('set-password')
      .description("set a user's password")
      .argument('<email>', 'email address of the user')
      .option('--password <password>', 'new password (visible in shell history and ps: prefer --password-stdin)')
      .option('--password-stdin', 'read the new password from standard input')
      .option('--keep-sessions', "keep the user's sessions and tokens (by default all of them are ended and revoked)"),
  ).action(async (emailArg: string, opts: SetPasswordOptions) => {
    const email = emailArg.toLowerCase()
    const password = (await readPassword(opts, true, true)) as string
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      const entry = { email, password }
      const signOut = !opts.keepSessions
      try {
        await setUserPassword(managementScope(ctx), email, password, { signOut })
      } catch (err) {
        throw cliErrorOf(flagError(err, 'users', { ...USER_FLAGS, email: 'EMAIL' }, entry, PASSWORD_RULE), userWords)
      }
      say(signOut ? `password set for ${email}; signed out everywhere (sessions ended, tokens revoked)` : `password set for ${email}; sessions and tokens kept`)
      if (config.users.some((u) => u.email.toLowerCase() === email && (u.password !== undefined || u.password_hash !== undefined))) {
        note(`warning: the config file sets a password for ${email}; the next \`latch serve\` restores that one`)
      }
    })
  })
}
