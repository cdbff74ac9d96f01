/**
 * `latch users reset-mfa EMAIL` (issue 13): removes the user's TOTP authenticator and recovery
 * codes, for a user who lost both. Their next sign-in asks for the password alone, or, where MFA
 * is required, has them enrol a new authenticator. Check who is asking before running it: it
 * removes a factor an attacker would otherwise need.
 */
import type { Command } from 'commander'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { userToProvision } from '../lookups.js'
import { say } from '../output.js'

export function usersResetMfa(parent: Command): void {
  withConfigOption(
    parent
      .command('reset-mfa')
      .description("remove a user's two-step verification (TOTP and recovery codes), e.g. after a lost phone")
      .argument('<email>', 'email address of the user'),
  ).action(async (email: string, opts: CommonOptions) => {
    await withStore(opts, async ({ store }) => {
      const user = await userToProvision(store, email)
      const removed = await store.mfa.removeTotp(user.id)
      say(removed ? `two-step verification removed for ${user.email}` : `${user.email} had no two-step verification`)
    })
  })
}
