/**
 * `latch users reset-mfa EMAIL [--passkeys]` (issue 13): removes the user's TOTP authenticator and
 * recovery codes, for a user who lost both; with `--passkeys`, their passkeys too (a passkey is a
 * second factor as well, so a user under MFA policy whose only one is lost has no other way back). Their next sign-in asks for the password alone, or, where MFA
 * is required, has them enrol a new authenticator. Check who is asking before running it: it
 * removes a factor an attacker would otherwise need.
 */
import type { Command } from 'commander'
import { resetUserMfa } from '@latch/server/admin'
import { managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { userWords } from '../lookups.js'
import { say } from '../output.js'

export function usersResetMfa(parent: Command): void {
  withConfigOption(
    parent
      .command('reset-mfa')
      .description("remove a user's two-step verification (TOTP and recovery codes), e.g. after a lost phone")
      .argument('<email>', 'email address of the user')
      .option('--passkeys', 'also remove every passkey of the user'),
  ).action(async (email: string, opts: CommonOptions & { passkeys?: boolean }) => {
    await withStore(opts, async (ctx) => {
      const { user, totpRemoved, passkeysRemoved } = await resetUserMfa(managementScope(ctx), email, { passkeys: opts.passkeys === true }).catch((err: unknown) => {
        throw cliErrorOf(err, userWords)
      })
      say(totpRemoved ? `two-step verification removed for ${user.email}` : `${user.email} had no two-step verification`)
      if (passkeysRemoved !== null) say(`${passkeysRemoved} passkey${passkeysRemoved === 1 ? '' : 's'} removed for ${user.email}`)
    })
  })
}
