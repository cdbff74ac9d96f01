/**
 * Issue 14: managing connections (issue 12: upstream identity providers users sign in through). An
 * entry passes the config loader's rules for a `connections:` entry; the loader sees a placeholder
 * for the client secret (a `${…}` in a real secret must not be substituted, nor echoed in an error),
 * which is stored encrypted under LATCH_SECRET like the file's and masked in the audit record.
 * Deleting a connection removes its users' identities at it and its pending sign-ins (one
 * transaction); the users stay.
 */
import type { ResolvedConnection } from '../config/schema.js'
import { connectionRecordOf } from '../connections/records.js'
import type { ConnectionRecord } from '../storage/store.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { outboundUrlProblem } from './outbound-url.js'
import { validateWithLoader } from './validate.js'

/** Stands in for the secret while the loader checks the entry. */
const PLACEHOLDER = 'secret-checked-apart'

/** Adds a connection from a `connections:` entry without its secret. Throws the loader's `ConfigError` (`connections[0].…`), `conflict` when the id is taken. */
export async function createConnection(scope: ManagementScope, entry: Record<string, unknown>, clientSecret?: string): Promise<{ connection: ResolvedConnection; stored: ConnectionRecord }> {
  const { store, config, clock } = scope
  const { organization, required, ...connection } = validateWithLoader(config, { connections: [{ ...entry, ...(clientSecret !== undefined && { client_secret: PLACEHOLDER }) }] }).config.connections[0]!
  if (scope.via !== 'cli') refuseConnectionReach(connection)
  if (await store.connections.get(connection.id)) throw new ManagementError('conflict', 'connection', `connection ${connection.id} already exists`)
  // Enterprise SSO (issue 12): the organization must exist, as seeding requires of the file's.
  if (organization !== null && !(await store.organizations.get(organization))) throw new ManagementError('refused', 'connection', `organization: no organization ${organization}`)
  const resolved: ResolvedConnection = { ...connection, secrets: { ...connection.secrets, ...(clientSecret !== undefined && { client_secret: clientSecret }) } }
  const stored = await store.connections.upsert(await connectionRecordOf(resolved, config.secret, 'cli', { organization_id: organization, required }), clock.now())
  await recordAdminChange(scope, { type: 'admin.connection.created', subject: { type: 'connection', id: stored.id }, before: null, after: stored })
  return { connection, stored }
}

/**
 * Security review H1: through the admin API or the console, every URL the connection makes Latch
 * request (its discovery document at the issuer, and the endpoints it names; a preset's included)
 * is public https (outbound-url.ts), and `private_network` is refused: reaching this machine or its
 * network is the operator's decision (config file, CLI).
 */
export function refuseConnectionReach(connection: Omit<ResolvedConnection, 'secrets'> & { secrets?: unknown }): void {
  for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'emails_endpoint'] as const) {
    const value = connection[field]
    const problem = value === null ? null : outboundUrlProblem(value)
    if (problem !== null) throw new ManagementError('refused', 'connection', `${field}: ${problem}`)
  }
  if (connection.private_network) throw new ManagementError('refused', 'connection', 'private_network: true is accepted only from the config file or the CLI (reaching private addresses is the operator\'s decision)')
}

export async function listConnections({ store }: ManagementScope): Promise<ConnectionRecord[]> {
  return store.connections.list()
}

export async function getConnection({ store }: ManagementScope, id: string): Promise<ConnectionRecord> {
  const connection = await store.connections.get(id)
  if (!connection) throw notFound(id)
  return connection
}

function notFound(id: string): ManagementError {
  return new ManagementError('not_found', 'connection', `no connection ${id}`)
}

/**
 * A connection of the config file (`source: 'config'`) is the file's, as its clients are
 * (management/clients.ts): the next start or reload would bring it back, so the admin API and the
 * console refuse to delete it (`conflict`); the CLI, run by whoever runs the servers, deletes it and
 * warns.
 */
export async function deleteConnection(scope: ManagementScope, id: string): Promise<ConnectionRecord> {
  const before = await scope.store.connections.get(id)
  if (!before) throw notFound(id)
  if (before.source === 'config' && scope.via !== 'cli') {
    throw new ManagementError('conflict', 'connection', `connection ${id} is defined in the config file: remove it there (a start or reload of the servers would bring it back)`, { detail: { source: 'config' } })
  }
  if (!(await scope.store.connections.delete(id, scope.clock.now()))) throw notFound(id)
  await recordAdminChange(scope, { type: 'admin.connection.deleted', subject: { type: 'connection', id }, before, after: null })
  return before
}
