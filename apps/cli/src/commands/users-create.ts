/**
 * `latch users create`: adds a user who can sign in on the login page. The entry is validated by
 * the config loader, exactly as a `users:` entry of latch.config.yaml is; the password is hashed
 * with argon2id (RFC 9106) and only the hash is stored. `--roles` and `--claim key=value` set the
 * roles and custom attributes the claims hook reads (issue 10). Prefer `--password-stdin`: a `--password`
 * argument stays in the shell history and is visible to other users in `ps`.
 */
import type { Command } from 'commander'
import { hashPassword, type UserClaims } from '@latch/server/admin'
import { flagError, readPassword, validateWithLoader, withConfigOption, withStore, now, type CommonOptions } from '../context.js'
import { CliError } from '../errors.js'
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
    await withStore(opts, async ({ config, store }) => {
      try {
        validateWithLoader(config, { users: [entry] })
      } catch (err) {
        throw flagError(err, 'users', USER_FLAGS, entry, PASSWORD_RULE)
      }
      const email = opts.email.toLowerCase()
      if (await store.users.getByEmail(email)) {
        throw new CliError(`user ${email} already exists (change the password with \`latch users set-password ${email}\`)`)
      }
      const claims: UserClaims = opts.name !== undefined ? { name: opts.name } : {}
      const user = await store.users.upsert(
        {
          email,
          email_verified: opts.emailVerified ?? false,
          password_hash: password !== undefined ? await hashPassword(password) : null,
          claims,
          ...(roles !== undefined && { roles }),
          ...(attributes !== undefined && { attributes }),
        },
        now(),
      )
      if (opts.json) printJson(publicUser(user))
      else say(`created user ${user.email} (sub ${user.id})`)
      if (password === undefined) note(`note: ${user.email} has no password and cannot sign in until \`latch users set-password ${user.email}\``)
      if (config.users.some((u) => u.email.toLowerCase() === email)) {
        note(`warning: user ${email} is also listed in the config file; the next \`latch serve\` updates it from the file`)
      }
    })
  })
}
