/**
 * `latch tenants create --id ID --issuer URL [--tenant-config FILE] [--json]` (issue 11): adds a
 * tenant, an issuer of its own on this deployment. FILE (YAML or JSON) holds the tenant's own keys,
 * as an entry of `tenants` in the config file does (`tokens`, `sessions`, `security`, `scopes`,
 * `resources`, `default_resource`, `claims`, `clients`, `users`, `organizations`). Everything is
 * validated with the config loader against the deployment's config before anything is written;
 * then the settings are stored (without the clients, users and organizations, which are seeded into
 * the tenant's own tables, secrets and passwords hashed, as for a config tenant). Running servers
 * answer for the issuer within `tenancy.reload_interval`.
 *
 * `--tenant-config`, not `--config`: every command's `--config` is the deployment's config file.
 */
import { readFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Command } from 'commander'
import { ConfigError, DEFAULT_TENANT, createTenant, parseTenantFile } from '@latch/server/admin'
import { managementScope, tenantIdArg, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { CliError, UsageError, cliErrorOf, reasonOf } from '../errors.js'
import { cliIo, inCwd } from '../io.js'
import { isoTime, note, printJson, say } from '../output.js'

interface TenantsCreateOptions extends CommonOptions {
  id: string
  issuer: string
  tenantConfig?: string
  json?: boolean
}

/** The tenant's keys from FILE; `id` and `issuer` in it, if any, must be the flags'. */
function readTenantKeys(opts: TenantsCreateOptions): Record<string, unknown> {
  if (opts.tenantConfig === undefined) return {}
  let text: string
  try {
    text = readFileSync(inCwd(opts.tenantConfig), 'utf8')
  } catch (err) {
    throw new CliError(`--tenant-config: cannot read ${opts.tenantConfig}: ${reasonOf(err)}`, { cause: err })
  }
  const keys = parseTenantFile(opts.tenantConfig, text, cliIo().env, basename(opts.tenantConfig))
  for (const flag of ['id', 'issuer'] as const) {
    if (keys[flag] !== undefined && keys[flag] !== opts[flag]) {
      throw new UsageError(`--tenant-config ${opts.tenantConfig} has ${flag} ${JSON.stringify(keys[flag])}, but --${flag} is ${JSON.stringify(opts[flag])}`)
    }
  }
  return keys
}

export function tenantsCreate(parent: Command): void {
  withConfigOption(
    parent
      .command('create')
      .description('add a tenant: its own issuer, signing keys, clients, users and settings')
      .requiredOption('--id <id>', 'tenant id: 1 to 64 of a-z, 0-9 and - (it names the tenant in the CLI, logs and cookie names)')
      .requiredOption('--issuer <url>', 'its issuer: https://login.acme.example (a host of its own) or https://auth.example.com/t/acme (a path under a host)')
      .option('--tenant-config <file>', "YAML or JSON file of the tenant's own keys (tokens, sessions, security, scopes, resources, default_resource, claims, clients, users, organizations)")
      .option('--json', 'print the tenant as JSON'),
  ).action(async (opts: TenantsCreateOptions) => {
    tenantIdArg(opts.id, '--id')
    if (opts.id === DEFAULT_TENANT) throw new UsageError("--id default is the top-level config's tenant: pick another id")
    const keys = readTenantKeys(opts)
    await withStore(opts, async ({ config, root }) => {
      const where = opts.tenantConfig === undefined ? `tenant ${opts.id}` : basename(opts.tenantConfig)
      // The deployment's scope: a tenant's creation is recorded in the default tenant's log.
      const scope = managementScope({ store: root, config, tenant: DEFAULT_TENANT })
      let created: Awaited<ReturnType<typeof createTenant>>
      try {
        created = await createTenant(scope, {
          keys: { ...keys, id: opts.id, issuer: opts.issuer }, where,
          baseDir: opts.tenantConfig === undefined ? cliIo().cwd : dirname(inCwd(opts.tenantConfig)),
        })
      } catch (err) {
        // Errors about the flags themselves are said in terms of the flags.
        if (err instanceof ConfigError && err.key === `${where}.issuer`) throw new UsageError(`--issuer ${JSON.stringify(opts.issuer)} ${err.message.replace(`config: ${err.key} `, '')}`)
        throw cliErrorOf(err, (e) => (e.detail.source !== undefined ? `${e.message}: \`latch serve\` creates it from there` : e.message.endsWith('already exists') ? `${e.message} (see \`latch tenants list\`)` : undefined))
      }
      const { tenant, warnings, row } = created
      for (const w of warnings) note(`warning: ${w}`)
      if (opts.json) printJson({ id: tenant.id, issuer: tenant.issuer, settings: tenant.settings, created_at: row?.created_at ?? null })
      else say(`created tenant ${tenant.id} (${tenant.issuer}) at ${isoTime(row?.created_at)}`)
      note(`running servers answer for ${tenant.issuer} within ${config.tenancy.reload_interval} s (tenancy.reload_interval)`)
    })
  })
}
