/**
 * `latch users create`: adds a user who can sign in on the login page. The entry is validated by
 * the config loader, exactly as a `users:` entry of latch.config.yaml is; the password is hashed
 * with argon2id (RFC 9106) and only the hash is stored. `--roles` and `--claim key=value` set the
 * roles and custom attributes the claims hook reads (issue 10). Prefer `--password-stdin`: a `--password`
 * argument stays in the shell history and is visible to other users in `ps`.
 */
import type { Command } from 'commander'
import { createUser, type UserRecord } from '@latch/server/admin'
import { flagError, managementScope, readPassword, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { claimPairs, list, repeated } from '../flag-values.js'
import { note, printJson, say } from '../output.js'
import { publicUser } from './users-list.js'

interface UsersCreateOptions extends CommonOptions {
  email: string
  password?: string
  passwordStdin?: boolean
  name?: string
  emailVerified?: boolean
  roles?: string[]
  claim?: string[]
  json?: boolean
}

export const USER_FLAGS: Readonly<Record<string, string>> = {
  email: '--email',
  password: '--password',
  name: '--name',
  email_verified: '--email-verified',
  roles: '--roles',
  claims: '--claim',
}

/** Password errors never echo the password (the loader's messages include the value). */
export const PASSWORD_RULE = { password: 'must be 8 to 1024 characters long' } as const

export function usersCreate(parent: Command): void {
  withConfigOption(
    parent
      .command('create')
      .description('add a user')
      .requiredOption('--email <email>', 'email address (the sign-in name)')
      .option('--password <password>', 'password (visible in shell history and ps: prefer --password-stdin)')
      .option('--password-stdin', 'read the password from standard input')
      .option('--name <name>', 'full name (the `name` claim)')
      .option('--email-verified', 'mark the email address as verified (the `email_verified` claim)')
      .option('--roles <list>', 'comma-separated roles (free strings, for the claims hook)', list)
      .option('--claim <key=value>', 'a custom attribute (value: JSON if it parses, else the string); repeat for several', repeated)
      .option('--json', 'print the user as JSON'),
  ).action(async (opts: UsersCreateOptions) => {
    const attributes = claimPairs('--claim', opts.claim)
    const roles = opts.roles === undefined ? undefined : [...new Set(opts.roles)]
    const password = await readPassword(opts, false)
    const entry: Record<string, unknown> = {
      email: opts.email,
      ...(password !== undefined && { password }),
      ...(opts.name !== undefined && { name: opts.name }),
      ...(roles !== undefined && { roles }),
      ...(attributes !== undefined && { claims: attributes }),
    }
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      const email = opts.email.toLowerCase()
      let user: UserRecord
      try {
        user = await createUser(managementScope(ctx), { ...(entry as { email: string }), ...(opts.emailVerified !== undefined && { email_verified: opts.emailVerified }) })
      } catch (err) {
        throw cliErrorOf(flagError(err, 'users', USER_FLAGS, entry, PASSWORD_RULE), (e) =>
          e.code === 'conflict' ? `user ${email} already exists (change the password with \`latch users set-password ${email}\`)` : undefined)
      }
      if (opts.json) printJson(publicUser(user))
      else say(`created user ${user.email} (sub ${user.id})`)
      if (password === undefined) note(`note: ${user.email} has no password and cannot sign in until \`latch users set-password ${user.email}\``)
      if (config.users.some((u) => u.email.toLowerCase() === email)) {
        note(`warning: user ${email} is also listed in the config file; the next \`latch serve\` updates it from the file`)
      }
    })
  })
}
