/**
 * `latch users update EMAIL [--roles a,b] [--claim key=value]… [--remove-claim key]…` (issue 10):
 * replaces the user's roles and sets or removes custom attributes (`users[].claims` in the config
 * file), which the claims hook and scope template parameters read. A `--claim` value is JSON when it
 * parses as JSON, else the string. The result passes the config loader's rules for a `users:`
 * entry. Tokens issued from now on see the change; tokens already issued keep what they carry.
 */
import type { Command } from 'commander'
import { updateUser } from '@latch/server/admin'
import { flagError, managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { UsageError, cliErrorOf } from '../errors.js'
import { claimPairs, list, repeated } from '../flag-values.js'
import { userWords } from '../lookups.js'
import { note, printJson, say } from '../output.js'
import { publicUser } from './users-list.js'

interface UsersUpdateOptions extends CommonOptions {
  roles?: string[]
  claim?: string[]
  removeClaim?: string[]
  json?: boolean
}

export const ROLE_AND_CLAIM_FLAGS: Readonly<Record<string, string>> = { roles: '--roles', claims: '--claim' }

export function usersUpdate(parent: Command): void {
  withConfigOption(
    parent
      .command('update')
      .description("change a user's roles and custom attributes (claims)")
      .argument('<email>', 'email address of the user')
      .option('--roles <list>', "comma-separated roles, replacing the user's (--roles '' removes them all)", list)
      .option('--claim <key=value>', 'set a custom attribute (value: JSON if it parses, else the string); repeat for several', repeated)
      .option('--remove-claim <key>', 'remove a custom attribute; repeat for several', repeated)
      .option('--json', 'print the user as JSON'),
  ).action(async (email: string, opts: UsersUpdateOptions) => {
    const set = claimPairs('--claim', opts.claim)
    const remove = opts.removeClaim ?? []
    if (opts.roles === undefined && set === undefined && remove.length === 0) throw new UsageError('nothing to update: give --roles, --claim or --remove-claim')
    for (const key of remove) if (set && Object.hasOwn(set, key)) throw new UsageError(`--claim and --remove-claim both name ${key}`)
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      const roles = opts.roles === undefined ? undefined : [...new Set(opts.roles)]
      let result: Awaited<ReturnType<typeof updateUser>>
      try {
        result = await updateUser(managementScope(ctx), email, { ...(roles !== undefined && { roles }), ...(set !== undefined && { setClaims: set }), removeClaims: remove })
      } catch (err) {
        throw cliErrorOf(flagError(err, 'users', ROLE_AND_CLAIM_FLAGS, { email, claims: set, ...(roles !== undefined && { roles }) }), userWords)
      }
      const { user: updated, missing } = result
      const user = updated
      const attributes = updated.attributes
      // Removing what is not there is done already (scripts may repeat a command).
      for (const key of missing) note(`note: ${user.email} has no claim ${key}`)
      if (opts.json) printJson(publicUser(updated))
      else say(`updated user ${user.email}: roles ${updated.roles.length > 0 ? updated.roles.join(',') : 'none'}; claims ${Object.keys(attributes).join(',') || 'none'}`)
      if (config.users.some((u) => u.email.toLowerCase() === user.email)) {
        note(`warning: user ${user.email} is also listed in the config file; the next \`latch serve\` sets roles and claims the file gives`)
      }
    })
  })
}
