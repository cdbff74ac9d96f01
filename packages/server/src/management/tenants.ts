/**
 * Issue 14: managing tenants (issue 11). A tenant is validated with the config loader against the
 * deployment's config (`defineTenant`) before anything is written, then seeded all or nothing (its
 * settings stored; its clients, users and organizations into its own tables, secrets and passwords
 * hashed). Deleting a tenant deletes every row it owns in one transaction. The scope is the
 * deployment's (tenant `default`): the records of tenant changes are in the default tenant's log.
 *
 * A tenant created here is defined once: its clients are stored as the administrators' (`source`
 * 'cli'), not the file's, since nothing seeds them again. A tenant of the config file (`tenants`,
 * `tenants_dir`) is deleted only with the CLI, which warns that the next start brings it back
 * (empty); through the admin API or the console that is `conflict`.
 */
import { DEFAULT_TENANT, defineTenant } from '../config/tenant.js'
import { TENANT_ID_PATTERN, type LatchConfig, type TenantDefinition } from '../config/schema.js'
import { TenantIssuerTakenError } from '../errors.js'
import { seedTenant } from '../seed.js'
import type { TenantRecord } from '../storage/store.js'
import { recordAdminChange } from './admin-change.js'
import { refuseClientReach } from './clients.js'
import { refuseConnectionReach } from './connections.js'
import { smtpHostProblem } from './outbound-url.js'
import { ManagementError, type ManagementScope } from './scope.js'

export interface TenantInput {
  /** The tenant's keys (an entry of `tenants` in the config file), `id` and `issuer` included. */
  keys: Record<string, unknown> & { id: string; issuer: string }
  /** Where the keys come from, for error messages (`tenant acme`, a file name). */
  where: string
  /** The directory relative paths in the keys (`css_file`) are read from. */
  baseDir: string
}

const TENANT_ID = new RegExp(TENANT_ID_PATTERN)

/** Throws the loader's `ConfigError` (keyed `<where>.…`), `conflict` for a taken id or issuer, `refused` for the default tenant's issuer. */
export async function createTenant(scope: ManagementScope, input: TenantInput): Promise<{ tenant: TenantDefinition; warnings: string[]; row: TenantRecord | null }> {
  const { store: root, config, clock } = scope
  if (input.keys.id === DEFAULT_TENANT) throw new ManagementError('conflict', 'tenant', "tenant default is the top-level config's: pick another id")
  const { tenant, warnings } = defineTenant(config, input.keys, input.where, null, input.baseDir)
  if (scope.via !== 'cli') refuseTenantConfigReach(tenant.config)
  if (tenant.issuer === config.issuer) throw new ManagementError('refused', 'tenant', `issuer ${tenant.issuer} is the default tenant's (the config file's issuer): every tenant needs its own`)
  const listed = config.tenants.find((t) => t.id === tenant.id)
  if (listed) throw new ManagementError('conflict', 'tenant', `tenant ${tenant.id} is defined in the config file (${listed.source})`, { detail: { source: listed.source } })
  if (await root.tenants.get(tenant.id)) throw new ManagementError('conflict', 'tenant', `tenant ${tenant.id} already exists`)
  try {
    await seedTenant(root, tenant, clock.now(), { clientSource: 'cli' })
  } catch (err) {
    // All or nothing: a tenant half seeded (a member who is no user) is taken away again.
    await root.tenants.delete(tenant.id, clock.now()).catch(() => false)
    if (err instanceof TenantIssuerTakenError) throw new ManagementError('conflict', 'tenant', `issuer ${err.issuer} is taken${err.holder === null ? '' : ` by tenant ${err.holder}`}: every tenant needs its own`, { cause: err })
    throw err
  }
  const row = await root.tenants.get(tenant.id)
  await recordAdminChange(scope, { type: 'admin.tenant.created', subject: { type: 'tenant', id: tenant.id }, before: null, after: row ?? { id: tenant.id, issuer: tenant.issuer, settings: tenant.settings } })
  return { tenant, warnings, row }
}

/**
 * Second review (H1, M1 through `POST /tenants`): a tenant made through the admin API brings its own
 * connections, clients and mail server, which Latch requests; they are held to the rules of the
 * resources themselves (public https endpoints, no `private_network`, no loopback or private
 * back-channel logout URI), and the SMTP server must not be localhost or a special-address
 * literal. The config file and the CLI are the operator's and keep their allowances.
 */
function refuseTenantConfigReach(tenant: LatchConfig): void {
  for (const connection of tenant.connections) refuseConnectionReach(connection)
  for (const client of tenant.clients) refuseClientReach({ via: 'api' }, client)
  const smtp = tenant.mail.smtp_url
  if (smtp !== null && smtp !== undefined) {
    const problem = smtpHostProblem(smtp)
    if (problem !== null) throw new ManagementError('refused', 'tenant', `mail.smtp_url: ${problem}`)
  }
}

export async function listTenants({ store }: ManagementScope): Promise<TenantRecord[]> {
  return store.tenants.list()
}

/** A stored tenant (`default`, the config file's top level, is not stored). */
export async function getTenant({ store }: ManagementScope, id: string): Promise<TenantRecord> {
  const tenant = TENANT_ID.test(id) ? await store.tenants.get(id) : null
  if (tenant === null) throw new ManagementError('not_found', 'tenant', `no tenant ${id.slice(0, 64)}`)
  return tenant
}

/** Deletes a tenant and all its data (one transaction). */
export async function deleteTenant(scope: ManagementScope, id: string): Promise<TenantRecord> {
  if (id === DEFAULT_TENANT) throw new ManagementError('refused', 'tenant', "the default tenant is the top-level config's and cannot be deleted")
  const before = await getTenant(scope, id)
  const listed = scope.config.tenants.find((t) => t.id === id)
  if (listed && scope.via !== 'cli') {
    throw new ManagementError('conflict', 'tenant', `tenant ${id} is defined in the config file (${listed.source}): remove it there first (the next start would create it again, empty)`, { detail: { source: listed.source } })
  }
  if (!(await scope.store.tenants.delete(id, scope.clock.now()))) throw new ManagementError('not_found', 'tenant', `no tenant ${id}`)
  await recordAdminChange(scope, { type: 'admin.tenant.deleted', subject: { type: 'tenant', id }, before, after: null })
  return before
}
