/**
 * `latch keys rotate`: generates a new signing key for `tokens.signing_alg`. The key is published
 * in the JWK Set at once and signs from `tokens.key_activation_delay` seconds later, when the
 * current key retires; running servers pick the new key up at their next reload (within
 * `tokens.key_reload_interval`), so every node publishes it before any node signs with it. Retired
 * keys stay in the JWK Set for the retired-key grace period so tokens they signed keep verifying
 * (OIDC Core §10.1.1). `--now` activates the key at once, for a key that must stop signing now.
 * On a database without keys, the first key is generated and signs at once.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { Command } from 'commander'
import { Keystore, systemClock } from '@latch/server'
import { withConfigOption, withStore, now, type CommonOptions } from '../context.js'
import { CliError, reasonOf } from '../errors.js'
import { isoTime, note, printJson, say } from '../output.js'

export function keysRotate(parent: Command): void {
  withConfigOption(
    parent
      .command('rotate')
      .description('generate a new signing key; it signs after the activation delay, when the current one retires')
      .option('--now', 'sign with the new key at once (a compromised key); nodes that have not reloaded yet still sign with the old one until they do')
      .option('--json', 'print the new key as JSON'),
  ).action(async (opts: CommonOptions & { json?: boolean; now?: boolean }) => {
    await withStore(opts, async ({ config, store, warnings }) => {
      for (const w of warnings.filter((w) => w.startsWith('LATCH_SECRET'))) note(`warning: ${w}`)
      const grace = config.tokens.retired_key_grace
      const existing = await store.keys.list(now())
      const before = new Set(existing.map((k) => k.kid))
      let keystore: Keystore
      try {
        keystore = await Keystore.open({
          keys: store.keys,
          secret: config.secret,
          alg: config.tokens.signing_alg,
          clock: systemClock,
          retiredKeyGrace: grace,
          activationDelay: config.tokens.key_activation_delay,
        })
      } catch (err) {
        throw new CliError(`cannot open the signing keys: ${reasonOf(err)}`, { cause: err })
      }
      const opened = keystore.signingKey()
      // Opening generates a key when none of the configured alg signs: that key is the new one, active at once.
      const fresh = before.has(opened.kid) ? await keystore.rotate({ immediately: opts.now === true }) : { kid: opened.kid, alg: opened.alg, activatesAt: now() }
      const retired = existing.filter((k) => k.retired_at === null && k.kid !== fresh.kid).map((k) => k.kid)
      if (opts.json) return printJson({ kid: fresh.kid, alg: fresh.alg, activates_at: fresh.activatesAt, retired, retired_keys_expire_in: grace })
      say(fresh.kid)
      const when = fresh.activatesAt > now() ? `signs from ${isoTime(fresh.activatesAt)} (published now, so every node and verifier has it first)` : 'signs now'
      note(
        retired.length > 0
          ? `new ${fresh.alg} signing key ${fresh.kid} ${when}; ${retired.length} key(s) retire then and stay in the JWK Set for ${grace} s`
          : `first ${fresh.alg} signing key ${fresh.kid}`,
      )
    })
  })
}
