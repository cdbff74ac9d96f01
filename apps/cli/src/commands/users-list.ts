/**
 * `latch users list`: every user, with the subject identifier (`sub`, OIDC Core §5.1) tokens
 * carry for them. Password hashes are never printed: only whether a password is set.
 */
import type { Command } from 'commander'
import type { UserRecord } from '@latch/server/admin'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { isoTime, note, printJson, printTable } from '../output.js'

/** A user as the CLI shows it: claims and timestamps, `has_password` instead of the hash. */
export function publicUser(u: UserRecord): Omit<UserRecord, 'password_hash'> & { has_password: boolean } {
  const { password_hash, ...rest } = u
  return { ...rest, has_password: password_hash !== null }
}

export function usersList(parent: Command): void {
  withConfigOption(
    parent.command('list').description('list users').option('--json', 'print a JSON array'),
  ).action(async (opts: CommonOptions & { json?: boolean }) => {
    await withStore(opts, async ({ store }) => {
      const users = (await store.users.list()).sort((a, b) => a.email.localeCompare(b.email))
      if (opts.json) return printJson(users.map(publicUser))
      if (users.length === 0) return note('no users')
      printTable(
        ['EMAIL', 'NAME', 'VERIFIED', 'PASSWORD', 'SUB', 'CREATED_AT'],
        users.map((u) => [u.email, u.claims.name ?? '-', u.email_verified ? 'yes' : 'no', u.password_hash ? 'set' : 'none', u.id, isoTime(u.created_at)]),
      )
    })
  })
}
