/**
 * Issue 14: managing OAuth clients (RFC 7591 metadata names, as in the config file). A client is
 * validated by the config loader (validate.ts), so what is accepted is exactly what `clients:` in
 * latch.config.yaml accepts. A confidential client gets a generated 256-bit secret, returned once;
 * only its SHA-256 is stored, and the audit record masks even that. Deleting a client revokes its
 * grants and removes its consents in the same transaction (the store's `clients.delete`).
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.1
 */
import { ClientSchema, type ResolvedClient } from '../config/schema.js'
import { Keystore } from '../keys/keystore.js'
import { signingRecord } from '../keys/signing-selection.js'
import { idTokenAlgsOf } from '../clients/registry.js'
import { randomHandle } from '../lib/random.js'
import type { ClientRecord } from '../storage/store.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { validateWithLoader } from './validate.js'

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post'])

export interface CreatedClient {
  client: ResolvedClient
  /** The generated secret, for a confidential client: shown once, never stored. */
  secret: string | undefined
  /** The loader's warnings about the client. */
  warnings: string[]
  /**
   * OIDC Core §15.1: the client needs RS256 ID tokens but the current signing key's alg is not the
   * config's, so its RS256 companion is left to the next start of the servers (opening the keystore
   * with another alg would move the deployment to it).
   */
  companionDeferred: { signingAlg: string; configAlg: string } | null
}

/**
 * Registers a client given as a `clients:` entry without a secret (`token_endpoint_auth_method`
 * absent: client_secret_basic, also accepting client_secret_post). Throws the loader's `ConfigError`
 * (keyed `clients[0].…`) for an invalid entry, `conflict` when the client_id is taken.
 */
export async function createClient(scope: ManagementScope, entry: Record<string, unknown>): Promise<CreatedClient> {
  const { config, store, clock } = scope
  const method = (entry.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic'
  const secret = SECRET_METHODS.has(method) ? randomHandle() : undefined
  const validated = validateWithLoader(config, { clients: [{ ...entry, ...(secret !== undefined && { client_secret: secret }) }] })
  const client = validated.config.clients[0] as ResolvedClient
  const warnings = validated.warnings.filter((w) => w.startsWith(`client ${client.client_id} `))
  if (await store.clients.get(client.client_id)) throw new ManagementError('conflict', 'client', `client ${client.client_id} already exists`)
  await store.clients.upsert({ ...client }, clock.now())
  // Issue 13: explicit either way, so a policy left by a deleted client of the same id does not apply.
  await store.mfa.setRequired('client', client.client_id, client.mfa_required === true, clock.now())
  const companionDeferred = await addRs256Companion(scope, client)
  await recordAdminChange(scope, { type: 'admin.client.created', subject: { type: 'client', id: client.client_id }, before: null, after: { ...clientFields(client), mfa_required: client.mfa_required === true } })
  return { client, secret, warnings, companionDeferred }
}

/** OIDC Core §15.1: the signing key gets its RS256 companion now (if it has none), published at once; servers load it at their next reload. */
async function addRs256Companion({ store, config, clock }: ManagementScope, client: ResolvedClient): Promise<CreatedClient['companionDeferred']> {
  if (client.id_token_signed_response_alg !== 'RS256') return null
  const at = clock.now()
  const signing = signingRecord(await store.keys.list(at), at)
  if (signing && signing.alg !== config.tokens.signing_alg) return { signingAlg: signing.alg, configAlg: config.tokens.signing_alg }
  if (config.tokens.signing_alg === 'RS256') return null
  await Keystore.openFor(config, { keys: store.keys, clock, idTokenAlgs: idTokenAlgsOf(await store.clients.list()) })
  return null
}

/** The stored client's fields (the secret's hash included: the audit record masks it). */
function clientFields(client: ClientRecord): Record<string, unknown> {
  return { ...client }
}

export async function listClients({ store }: ManagementScope): Promise<ClientRecord[]> {
  return (await store.clients.list()).sort((a, b) => a.client_id.localeCompare(b.client_id))
}

export async function getClient({ store }: ManagementScope, clientId: string): Promise<ClientRecord> {
  const client = await store.clients.get(clientId)
  if (!client) throw new ManagementError('not_found', 'client', `no client with client_id ${clientId}`)
  return client
}

/**
 * Changes a client: `patch` holds `clients:` keys to set (not `client_id`, not the secret: a new
 * secret is a new client). The result passes the loader's rules as a whole.
 */
export async function updateClient(scope: ManagementScope, clientId: string, patch: Record<string, unknown>): Promise<ClientRecord> {
  const { store, config, clock } = scope
  const before = await getClient(scope, clientId)
  const { client_secret_hash: hash, auth_method_pinned: pinned, ...rest } = before
  // Back to a `clients:` entry: the config file's keys only, an unpinned method left to its default.
  const known = stripNulls(Object.fromEntries(Object.entries(rest).filter(([key]) => Object.hasOwn(ClientSchema.properties, key))))
  if (!pinned) delete known.token_endpoint_auth_method
  const entry = { ...known, ...patch, client_id: clientId, ...(hash !== null && { client_secret_hash: hash }) }
  const client = validateWithLoader(config, { clients: [entry] }).config.clients[0] as ResolvedClient
  await store.clients.upsert({ ...client }, clock.now())
  if (patch.mfa_required !== undefined) await store.mfa.setRequired('client', clientId, patch.mfa_required === true, clock.now())
  await recordAdminChange(scope, { type: 'admin.client.updated', subject: { type: 'client', id: clientId }, before: clientFields(before), after: clientFields(client) })
  return client
}

function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))
}

/** Deletes a client, revoking its grants and removing its consents (one transaction). */
export async function deleteClient(scope: ManagementScope, clientId: string): Promise<ClientRecord> {
  const before = await scope.store.clients.get(clientId)
  if (!before || !(await scope.store.clients.delete(clientId, scope.clock.now()))) throw new ManagementError('not_found', 'client', `no client with client_id ${clientId}`)
  await recordAdminChange(scope, { type: 'admin.client.deleted', subject: { type: 'client', id: clientId }, before: clientFields(before), after: null })
  return before
}
