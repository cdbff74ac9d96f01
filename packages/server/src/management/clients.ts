/**
 * Issue 14: managing OAuth clients (RFC 7591 metadata names, as in the config file). A client is
 * validated by the config loader (validate.ts), so what is accepted is exactly what `clients:` in
 * latch.config.yaml accepts. A confidential client gets a generated 256-bit secret, returned once;
 * only its SHA-256 is stored, and the audit record masks even that. Deleting a client revokes its
 * grants and removes its consents in the same transaction (the store's `clients.delete`).
 *
 * A client the config file owns (`source` 'config', migration 0022: the file is written again at
 * every start and reload) is changed only through the CLI, whose user holds the file and is
 * warned that the file wins at the next start. Through the admin API or the console (`via` other
 * than 'cli') a change to it is `conflict`: it would be undone, silently and with the file's old
 * secret, at the next start or reload, so it is made in the file instead.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.1
 */
import { ClientSchema, type ResolvedClient } from '../config/schema.js'
import { Keystore } from '../keys/keystore.js'
import { signingRecord } from '../keys/signing-selection.js'
import { idTokenAlgsOf } from '../clients/registry.js'
import { randomHandle } from '../lib/random.js'
import type { ClientRecord, ClientSource } from '../storage/store.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { outboundUrlProblem } from './outbound-url.js'
import { validateWithLoader } from './validate.js'

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post'])

/** The syntax of every client_id (config/schema.ts): anything else names no client, and is never sent to the store. */
const CLIENT_ID = /^[\x21-\x7E]{1,255}$/

/** A stored client with what its row does not carry. */
export interface DescribedClient extends ClientRecord {
  /** Issue 13: sign-ins for this client need a second factor (`mfa_policies`). */
  mfa_required: boolean
  /** Who owns it (migration 0022): 'config', the config file (read-only through the admin API and the console), or 'cli', an administrator. */
  source: ClientSource
}

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
  refuseClientReach(scope, client)
  const warnings = validated.warnings.filter((w) => w.startsWith(`client ${client.client_id} `))
  if (await store.clients.get(client.client_id)) throw new ManagementError('conflict', 'client', `client ${client.client_id} already exists`)
  // Deleted with the CLI meanwhile, the file's client comes back at the next start, over this one.
  if (scope.via !== 'cli' && config.clients.some((c) => c.client_id === client.client_id)) throw configOwned(client.client_id)
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
  const client = CLIENT_ID.test(clientId) ? await store.clients.get(clientId) : null
  if (!client) throw notFound(clientId)
  return client
}

function notFound(clientId: string): ManagementError {
  return new ManagementError('not_found', 'client', `no client with client_id ${clientId.slice(0, 255)}`)
}

function configOwned(clientId: string): ManagementError {
  return new ManagementError('conflict', 'client', `client ${clientId} is defined in the config file: change it there (a start or reload of the servers would undo a change made here)`, { detail: { source: 'config' } })
}

/** Refuses a change the config file would undo, unless made with the CLI (see above). */
async function refuseConfigOwned(scope: ManagementScope, clientId: string): Promise<void> {
  if (scope.via !== 'cli' && (await scope.store.clients.configOwned()).includes(clientId)) throw configOwned(clientId)
}

/** The clients with their MFA policy and owner (what the admin API and the console show). */
export async function describeClients({ store }: ManagementScope, clients: readonly ClientRecord[]): Promise<DescribedClient[]> {
  const owned = new Set(await store.clients.configOwned())
  const described: DescribedClient[] = []
  for (const client of clients) {
    described.push({ ...client, mfa_required: await store.mfa.required('client', client.client_id), source: owned.has(client.client_id) ? 'config' : 'cli' })
  }
  return described
}

/** A stored client back as a `clients:` entry: the config file's keys only, an unpinned method left to its default, the secret's hash kept. */
function entryOf(client: ClientRecord): Record<string, unknown> {
  const { client_secret_hash: hash, auth_method_pinned: pinned, ...rest } = client
  const entry = stripNulls(Object.fromEntries(Object.entries(rest).filter(([key]) => Object.hasOwn(ClientSchema.properties, key))))
  if (!pinned) delete entry.token_endpoint_auth_method
  return { ...entry, ...(hash !== null && { client_secret_hash: hash }) }
}

/**
 * Changes a client: `patch` holds `clients:` keys to set (not `client_id`, not the secret: see
 * `rotateClientSecret`), a key set to null goes back to its default (RFC 7396 JSON Merge Patch, at
 * the top level). The result passes the loader's rules as a whole.
 * @see https://www.rfc-editor.org/rfc/rfc7396#section-2
 */
export async function updateClient(scope: ManagementScope, clientId: string, patch: Record<string, unknown>): Promise<ClientRecord> {
  const { store, config, clock } = scope
  const before = await getClient(scope, clientId)
  await refuseConfigOwned(scope, clientId)
  const entry = entryOf(before)
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete entry[key]
    else entry[key] = value
  }
  entry.client_id = clientId
  const method = patch.token_endpoint_auth_method
  if (typeof method === 'string' && !SECRET_METHODS.has(method)) delete entry.client_secret_hash
  if (typeof method === 'string' && SECRET_METHODS.has(method) && before.client_secret_hash === null) {
    // Its secret would have to be made here and shown once: a new client is clearer.
    throw new ManagementError('refused', 'client', `token_endpoint_auth_method: client ${clientId} has no secret; register a new confidential client instead`)
  }
  const client = validateWithLoader(config, { clients: [entry] }).config.clients[0] as ResolvedClient
  // Only a URI this change sets: one the operator set with the CLI stays theirs, the rest editable.
  if (patch.backchannel_logout_uri !== undefined) refuseClientReach(scope, client)
  await store.clients.upsert({ ...client }, clock.now())
  if (patch.mfa_required !== undefined) await store.mfa.setRequired('client', clientId, patch.mfa_required === true, clock.now())
  await recordAdminChange(scope, { type: 'admin.client.updated', subject: { type: 'client', id: clientId }, before: clientFields(before), after: clientFields(client) })
  return client
}

/**
 * Security review M1: the one URL of a client that Latch requests itself is its
 * `backchannel_logout_uri` (sessions/backchannel-logout.ts POSTs to it; redirect URIs are the
 * browser's, and `jwks` is inline). Through the admin API or the console it is public https
 * (outbound-url.ts); the config file and the CLI keep the loader's rule (http to a loopback host).
 */
export function refuseClientReach(scope: Pick<ManagementScope, 'via'>, client: Pick<ResolvedClient, 'backchannel_logout_uri'>): void {
  if (scope.via === 'cli' || client.backchannel_logout_uri === null || client.backchannel_logout_uri === undefined) return
  const problem = outboundUrlProblem(client.backchannel_logout_uri)
  if (problem !== null) throw new ManagementError('refused', 'client', `backchannel_logout_uri: ${problem}`)
}

function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))
}

/**
 * Replaces a confidential client's secret with a new generated one (256 bits), returned once; the
 * old one stops at once (its hash is overwritten; a server's client cache may hold the old row for
 * its few seconds: the admin API drops it on its own node). Tokens already issued stay valid
 * (deleting the client revokes them). `refused` for a client without a secret
 * (`none`, `private_key_jwt`: it has nothing to rotate).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export async function rotateClientSecret(scope: ManagementScope, clientId: string): Promise<{ client: ClientRecord; secret: string }> {
  const { store, config, clock } = scope
  const before = await getClient(scope, clientId)
  await refuseConfigOwned(scope, clientId)
  if (!SECRET_METHODS.has(before.token_endpoint_auth_method) || before.client_secret_hash === null) {
    throw new ManagementError('refused', 'client', `client ${clientId} has no secret to rotate (token_endpoint_auth_method ${before.token_endpoint_auth_method})`)
  }
  const secret = randomHandle()
  const { client_secret_hash: _old, ...entry } = entryOf(before)
  const client = validateWithLoader(config, { clients: [{ ...entry, client_secret: secret }] }).config.clients[0] as ResolvedClient
  await store.clients.upsert({ ...client }, clock.now())
  await recordAdminChange(scope, { type: 'admin.client.secret_rotated', subject: { type: 'client', id: clientId }, before: clientFields(before), after: clientFields(client) })
  return { client, secret }
}

/** Deletes a client, revoking its grants and removing its consents (one transaction). */
export async function deleteClient(scope: ManagementScope, clientId: string): Promise<ClientRecord> {
  const before = CLIENT_ID.test(clientId) ? await scope.store.clients.get(clientId) : null
  if (before) await refuseConfigOwned(scope, clientId)
  if (!before || !(await scope.store.clients.delete(clientId, scope.clock.now()))) throw notFound(clientId)
  await recordAdminChange(scope, { type: 'admin.client.deleted', subject: { type: 'client', id: clientId }, before: clientFields(before), after: null })
  return before
}
