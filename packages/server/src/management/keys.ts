/**
 * Issue 14: rotating a tenant's signing keys. The new key is stored at once and signs from
 * `tokens.key_activation_delay` seconds later, when the current key retires; running servers
 * publish it at their next reload. `immediately` is for a compromised key: the new key signs at
 * once and the old ones leave the JWK Set at once. On a database without keys, the first key is
 * generated and signs at once. A config whose `tokens.signing_alg` differs from the signing key's
 * alg is refused without `switchAlg` (run with another config by mistake, it would move the whole
 * deployment to another algorithm). The audit record names the keys, never their private parts.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import { Keystore } from '../keys/keystore.js'
import { signingRecord } from '../keys/signing-selection.js'
import { idTokenAlgsOf } from '../clients/registry.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'
import type { SigningKeyRecord } from '../storage/store.js'

/** pending: published, signs from `activates_at`; active: may sign now; retired: published only, until `expires_at`. */
export type KeyStatus = 'pending' | 'active' | 'retired'

export function keyStatus(key: Pick<SigningKeyRecord, 'activates_at' | 'retired_at'>, at: number): KeyStatus {
  return key.retired_at !== null && key.retired_at <= at ? 'retired' : key.activates_at > at ? 'pending' : 'active'
}

/** The published signing keys (every key not yet expired), newest generation first, each with its status now. */
export async function listKeys({ store, clock }: ManagementScope): Promise<(SigningKeyRecord & { status: KeyStatus })[]> {
  const at = clock.now()
  return (await store.keys.list(at)).map((k) => ({ ...k, status: keyStatus(k, at) }))
}

export interface Rotation {
  kid: string
  alg: string
  activates_at: number
  retired: string[]
  retired_keys_expire_in: number
}

export async function rotateKeys(scope: ManagementScope, { immediately = false, switchAlg = false }: { immediately?: boolean; switchAlg?: boolean } = {}): Promise<Rotation> {
  const { store, config, clock } = scope
  const grace = config.tokens.retired_key_grace
  const at = clock.now()
  const existing = (await store.keys.list(at)).filter((k) => k.companion_of === null)
  const before = new Set(existing.map((k) => k.kid))
  const signing = signingRecord(existing, at)
  if (signing && signing.alg !== config.tokens.signing_alg && !switchAlg) {
    throw new ManagementError('refused', 'key', `the signing key is ${signing.alg} but tokens.signing_alg is ${config.tokens.signing_alg}`, { detail: { signingAlg: signing.alg, configAlg: config.tokens.signing_alg } })
  }
  let keystore: Keystore
  try {
    // Clients that need RS256 ID tokens: the new key then comes with its RS256 companion.
    keystore = await Keystore.openFor(config, { keys: store.keys, clock, idTokenAlgs: idTokenAlgsOf(await store.clients.list()) })
  } catch (err) {
    throw new ManagementError('refused', 'key', 'cannot open the signing keys', { cause: err, detail: { keystore: true } })
  }
  // Opening adds a key on a database without one (signing at once) or for a switched alg (like
  // a rotation): that key is the new one, unless it must sign at once.
  const added = (await store.keys.list(clock.now())).find((k) => !before.has(k.kid) && k.companion_of === null)
  const fresh =
    added && (added.activates_at <= clock.now() || !immediately)
      ? { kid: added.kid, alg: added.alg, activatesAt: added.activates_at }
      : await keystore.rotate({ immediately })
  const retired = existing.filter((k) => k.retired_at === null && k.kid !== fresh.kid).map((k) => k.kid)
  const rotation = { kid: fresh.kid, alg: fresh.alg, activates_at: fresh.activatesAt, retired, retired_keys_expire_in: immediately ? 0 : grace }
  await recordAdminChange(scope, {
    type: 'admin.key.rotated', subject: { type: 'key', id: fresh.kid },
    before: { keys: existing.map((k) => ({ kid: k.kid, alg: k.alg, activates_at: k.activates_at, retired_at: k.retired_at })) },
    after: rotation, data: { immediately },
  })
  return rotation
}
