/**
 * Issue 14: validating clients, users, organizations and connections given by an administrator with
 * the config loader itself (moved here from the CLI), so the CLI, the admin API and the config file
 * accept exactly the same things: the entries are put into a config holding the scopes, resources
 * and security settings of the tenant's config, and loaded. The resolved entries come back (a
 * client's secret hashed, its defaults filled in); problems are the loader's `ConfigError`s, keyed
 * `clients[0].…`, `users[0].…` (callers word them in their own terms).
 *
 * The environment is not consulted a second time: `LATCH_SECRET` is passed as the already resolved
 * secret, so no development secret file is created or read. Nor is anything substituted: `${VAR}`
 * is the config file's way to name the environment, and an administrator's value (a CLI flag, an
 * admin API body) is taken literally. Substituted, a body's `"client_id": "${LATCH_SECRET}"` would
 * store the deployment's secret and show it in the answer.
 */
import { resolveConfig, type LoadedConfig } from '../config/resolve.js'
import type { LatchConfig } from '../config/schema.js'

export interface Entries {
  clients?: Record<string, unknown>[]
  users?: Record<string, unknown>[]
  organizations?: Record<string, unknown>[]
  connections?: Record<string, unknown>[]
}

export function validateWithLoader(config: LatchConfig, entries: Entries): LoadedConfig {
  const cwd = process.cwd()
  // A copy: resolving fills in defaults in place, and these objects are the running config's.
  return resolveConfig(
    structuredClone({
      issuer: config.issuer,
      database: config.database,
      security: config.security,
      resources: config.resources,
      scopes: config.scopes,
      // Issue 11: an organization's colours are judged over the tenant's (contrast warnings).
      branding: { ...(config.branding.primary_color !== undefined && { primary_color: config.branding.primary_color }), ...(config.branding.background_color !== undefined && { background_color: config.branding.background_color }) },
      ...(config.default_resource !== undefined && { default_resource: config.default_resource }),
      clients: entries.clients ?? [],
      users: entries.users ?? [],
      organizations: entries.organizations ?? [],
      connections: entries.connections ?? [],
    }),
    { env: { LATCH_SECRET: config.secret }, cwd, configDir: cwd, createSecret: false },
  )
}
