/**
 * Issue 12: a connection between its resolved form (config/connections.ts) and its row: the
 * settings without secrets as JSON, the secrets as a compact JWE under LATCH_SECRET
 * (`CONNECTION_SECRETS_INFO`), and a digest (HMAC-SHA256 under LATCH_SECRET of the whole entry,
 * secrets included) that lets seeding skip an unchanged entry without decrypting anything, while
 * telling nothing about the secrets to a reader of the table.
 */
import type { ConnectionSecrets, ResolvedConnection } from '../config/schema.js'
import { CONNECTION_SECRETS_INFO, decryptJson, encryptJson } from '../keys/encryption-at-rest.js'
import type { ConnectionRecord } from '../storage/store.js'
import { keyedMac } from '../lib/keyed-mac.js'

/** Canonical JSON (sorted keys), so equal entries have equal digests. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function connectionDigest(connection: ResolvedConnection, secret: string, extra: Record<string, unknown> = {}): string {
  // Keyed for this use alone (lib/keyed-mac.ts); a digest is only compared with the stored one, so
  // the change of key since issue 12's first version rewrites each connection row once.
  return keyedMac(secret, 'latch/v1/connection-digest', canonical({ ...connection, ...extra }))
}

/** The row for `connection` (config or CLI); `organization`/`required` are for organization connections. */
export async function connectionRecordOf(
  connection: ResolvedConnection,
  secret: string,
  source: ConnectionRecord['source'],
  organization: { organization_id: string | null; required: boolean } = { organization_id: null, required: false },
): Promise<Omit<ConnectionRecord, 'created_at' | 'updated_at'>> {
  const { secrets, ...settings } = connection
  const hasSecrets = Object.keys(secrets).length > 0
  return {
    id: connection.id,
    type: connection.type,
    display_name: connection.display_name,
    organization_id: organization.organization_id,
    required: organization.required,
    settings: settings as unknown as Record<string, unknown>,
    secrets_encrypted: hasSecrets ? await encryptJson(secrets, secret, CONNECTION_SECRETS_INFO) : null,
    source,
    digest: connectionDigest(connection, secret, { source, ...organization }),
  }
}

/** The settings of a stored connection, without decrypting its secrets (the sign-in page needs none). */
export function connectionSettingsOf(record: ConnectionRecord): Omit<ResolvedConnection, 'secrets'> {
  const settings = record.settings as unknown as Omit<ResolvedConnection, 'secrets'>
  // A row seeded before `federated_logout`, `trust_amr` or `private_network` existed has no such key: off.
  return {
    ...settings,
    id: record.id,
    display_name: record.display_name,
    federated_logout: settings.federated_logout === true,
    trust_amr: settings.trust_amr === true,
    private_network: settings.private_network === true,
  }
}

/** The stored connection with its secrets decrypted (only when talking to the upstream). */
export async function connectionFromRecord(record: ConnectionRecord, secret: string): Promise<ResolvedConnection> {
  const secrets = record.secrets_encrypted === null ? {} : ((await decryptJson(record.secrets_encrypted, secret, CONNECTION_SECRETS_INFO)) as ConnectionSecrets)
  return { ...connectionSettingsOf(record), secrets }
}
