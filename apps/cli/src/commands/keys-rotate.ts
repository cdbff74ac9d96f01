/**
 * `latch keys rotate`: generates a new signing key for `tokens.signing_alg` and retires the
 * others, which stay in the JWK Set for the retired-key grace period so tokens they signed keep
 * verifying (OIDC Core §10.1.1). Running servers pick the new key up at their next keystore
 * reload. On a database without keys, the first key is generated and nothing is retired.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { Command } from 'commander'
import { Keystore, systemClock } from '@latch/server'
import { withConfigOption, withStore, now, type CommonOptions } from '../context.js'
import { CliError, reasonOf } from '../errors.js'
import { note, printJson, say } from '../output.js'

export function keysRotate(parent: Command): void {
  withConfigOption(
    parent.command('rotate').description('generate a new signing key and retire the current one').option('--json', 'print the new key as JSON'),
  ).action(async (opts: CommonOptions & { json?: boolean }) => {
    await withStore(opts, async ({ config, store, warnings }) => {
      for (const w of warnings.filter((w) => w.startsWith('LATCH_SECRET'))) note(`warning: ${w}`)
      const grace = config.tokens.retired_key_grace
      const existing = await store.keys.list(now())
      const before = new Set(existing.map((k) => k.kid))
      let keystore: Keystore
      try {
        keystore = await Keystore.open({ keys: store.keys, secret: config.secret, alg: config.tokens.signing_alg, clock: systemClock, retiredKeyGrace: grace })
      } catch (err) {
        throw new CliError(`cannot open the signing keys: ${reasonOf(err)}`, { cause: err })
      }
      const opened = keystore.signingKey()
      // Opening generates a key when none of the configured alg is active: that key is the new one.
      const fresh = before.has(opened.kid) ? await keystore.rotate() : { kid: opened.kid, alg: opened.alg }
      const retired = existing.filter((k) => k.retired_at === null && k.kid !== fresh.kid).map((k) => k.kid)
      if (opts.json) return printJson({ kid: fresh.kid, alg: fresh.alg, retired, retired_keys_expire_in: grace })
      say(fresh.kid)
      note(
        retired.length > 0
          ? `new ${fresh.alg} signing key ${fresh.kid}; ${retired.length} retired key(s) stay in the JWK Set for ${grace} s`
          : `first ${fresh.alg} signing key ${fresh.kid}`,
      )
    })
  })
}
