/**
 * `latch keys rotate`: generates a new signing key for `tokens.signing_alg`. The key is stored at
 * once and signs from `tokens.key_activation_delay` seconds later, when the current key retires;
 * running servers pick it up, and publish it in their JWK Set, at their next reload (within
 * `tokens.key_reload_interval`), so every node publishes it before any node signs with it. Retired
 * keys stay in the JWK Set for the retired-key grace period so tokens they signed keep verifying
 * (OIDC Core §10.1.1). `--now` is for a compromised key: the new key signs at once and the old
 * ones leave the JWK Set at once. On a database without keys, the first key is generated and
 * signs at once. A config whose `tokens.signing_alg` differs from the signing key's alg is refused
 * without `--switch-alg`: run by mistake with another config, the command would move the whole
 * deployment to another algorithm.
 *
 * Keys are per tenant (issue 11): `--tenant ID` rotates that tenant's with its own `tokens.*`
 * settings, `--all-tenants` every tenant's in turn (the default first); a tenant that cannot be
 * rotated is named on stderr and the others are still rotated (exit 1 at the end).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { Command } from 'commander'
import { DEFAULT_TENANT, rotateKeys, type LatchConfig, type Rotation, type Store } from '@latch/server/admin'
import { managementScope, tenantScope, withConfigOption, withStore, now, type CommonOptions } from '../context.js'
import { CliError, UsageError, cliErrorOf, reasonOf } from '../errors.js'
import { cliIo } from '../io.js'
import { isoTime, note, printJson, say } from '../output.js'

interface KeysRotateOptions extends CommonOptions {
  json?: boolean
  now?: boolean
  switchAlg?: boolean
  allTenants?: boolean
}

/** Rotates one tenant's keys with its config (the management service); throws CliError when it must not. */
async function rotate(config: LatchConfig, store: Store, tenant: string, opts: KeysRotateOptions): Promise<Rotation> {
  try {
    return await rotateKeys(managementScope({ store, config, tenant }), { immediately: opts.now === true, switchAlg: opts.switchAlg === true })
  } catch (err) {
    throw cliErrorOf(err, (e) =>
      e.detail.keystore === true
        ? `cannot open the signing keys: ${reasonOf(e.cause)}`
        : `${e.message} in this config: run with the servers' config, or add --switch-alg to move the deployment to ${String(e.detail.configAlg)}`)
  }
}

/** What happened, on stderr: not "published now", since a running server shows the key in its JWK Set at its next key reload. */
function explain(config: LatchConfig, r: Rotation, opts: KeysRotateOptions, tenant: string): void {
  const reload = config.tokens.key_reload_interval
  const whose = tenant === DEFAULT_TENANT ? '' : ` of tenant ${tenant}`
  const when =
    r.activates_at > now()
      ? `signs from ${isoTime(r.activates_at)}; running servers publish it in their JWK Set within ${reload} s (tokens.key_reload_interval), so every node and verifier has it first`
      : 'signs now'
  note(
    r.retired.length > 0
      ? opts.now
        ? `new ${r.alg} signing key${whose} ${r.kid} signs now; ${r.retired.length} old key(s) withdrawn from the JWK Set: tokens they signed no longer verify, and nodes sign with the new key at their next reload`
        : `new ${r.alg} signing key${whose} ${r.kid} ${when}; ${r.retired.length} key(s) retire then and stay in the JWK Set for ${r.retired_keys_expire_in} s`
      : `first ${r.alg} signing key${whose} ${r.kid}`,
  )
}

export function keysRotate(parent: Command): void {
  withConfigOption(
    parent
      .command('rotate')
      .description('generate a new signing key; it signs after the activation delay, when the current one retires')
      .option('--now', 'a compromised key: sign with the new key at once and withdraw the old ones from the JWK Set at once (tokens they signed stop verifying)')
      .option('--switch-alg', 'allow a key of tokens.signing_alg when the current signing key has another alg')
      .option('--all-tenants', "rotate every tenant's keys, the default tenant's first")
      .option('--json', 'print the new key as JSON (with --all-tenants: an array, each with its tenant)'),
  ).action(async (opts: KeysRotateOptions) => {
    if (opts.allTenants && opts.tenant !== undefined) throw new UsageError('--tenant and --all-tenants are mutually exclusive')
    await withStore(opts, async ({ base, config, store, root, tenant, warnings }) => {
      for (const w of warnings.filter((w) => w.startsWith('LATCH_SECRET'))) note(`warning: ${w}`)
      if (!opts.allTenants) {
        const r = await rotate(config, store, tenant, opts)
        if (opts.json) return printJson(r)
        say(r.kid)
        return explain(config, r, opts, tenant)
      }
      const ids = [DEFAULT_TENANT, ...(await root.tenants.list()).map((t) => t.id)]
      const done: (Rotation & { tenant: string })[] = []
      const failed: string[] = []
      for (const id of ids) {
        try {
          const scope = await tenantScope(base, root, id)
          const r = await rotate(scope.config, scope.store, id, opts)
          done.push({ tenant: id, ...r })
          if (!opts.json) {
            say(`${id} ${r.kid}`)
            explain(scope.config, r, opts, id)
          }
        } catch (err) {
          // The others are still rotated: one tenant's trouble (another alg, settings that no longer validate) is its own.
          failed.push(id)
          cliIo().stderr.write(`error: tenant ${id}: ${reasonOf(err)}\n`)
        }
      }
      if (opts.json) printJson(done)
      if (failed.length > 0) throw new CliError(`${failed.length} of ${ids.length} tenants not rotated: ${failed.join(', ')}`)
    })
  })
}
