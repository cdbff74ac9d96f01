/**
 * `latch keys list`: the signing keys published in the JWK Set: the one active key, a pending key
 * that a rotation published ahead of its `activates_at`, and retired keys that stay published until
 * `expires_at` so tokens they signed keep verifying (OIDC Core §10.1.1). Only public facts are
 * printed, never key material.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { Command } from 'commander'
import { keyStatus, type SigningKeyRecord } from '@latch/server/admin'
import { withConfigOption, withStore, now, type CommonOptions } from '../context.js'
import { isoTime, note, printJson, printTable } from '../output.js'

export interface KeyView {
  kid: string
  alg: string
  /** pending: published, signs from `activates_at`; active: may sign now; retired: published only. */
  status: 'pending' | 'active' | 'retired'
  /** Epoch seconds. */
  created_at: number
  activates_at: number
  retired_at: number | null
  /** When the public key leaves the JWK Set; null while active. */
  expires_at: number | null
  /** For an RS256 key kept beside a main key of another alg (RS256 ID tokens): that key's kid. */
  companion_of: string | null
}

export function keyView(k: SigningKeyRecord, at: number): KeyView {
  return {
    kid: k.kid,
    alg: k.alg,
    // The same rule as the admin API's GET /keys (management/keys.ts).
    status: keyStatus(k, at),
    created_at: k.created_at,
    activates_at: k.activates_at,
    retired_at: k.retired_at,
    expires_at: k.expires_at,
    companion_of: k.companion_of,
  }
}

export function keysList(parent: Command): void {
  withConfigOption(
    parent.command('list').description('list the published signing keys').option('--json', 'print a JSON array (times in epoch seconds)'),
  ).action(async (opts: CommonOptions & { json?: boolean }) => {
    await withStore(opts, async ({ store }) => {
      const at = now()
      const keys = (await store.keys.list(at)).map((k) => keyView(k, at))
      if (opts.json) return printJson(keys)
      if (keys.length === 0) return note('no signing keys yet: `latch serve` or `latch keys rotate` generates the first one')
      printTable(
        ['KID', 'ALG', 'STATUS', 'CREATED_AT', 'ACTIVATES_AT', 'EXPIRES_AT'],
        keys.map((k) => [k.kid, k.companion_of ? `${k.alg} (ID tokens)` : k.alg, k.status, isoTime(k.created_at), isoTime(k.activates_at), isoTime(k.expires_at)]),
      )
    })
  })
}
