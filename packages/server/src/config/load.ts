/**
 * Loads the config file (YAML or JSON), substitutes `${VAR}` / `${VAR:-default}` from the
 * environment, applies the environment overrides of docs/architecture.md §2, fills defaults, validates
 * once and freezes. Any problem is a `ConfigError` naming the key, so the server stops at boot
 * instead of misbehaving later.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../errors.js'
import { deepFreeze, resolveConfig, substitute, type LoadedConfig } from './resolve.js'
import { loadTenants } from './tenant.js'

export type { LoadedConfig } from './resolve.js'
export { validateConfigFile } from './resolve.js'

export interface LoadConfigOptions {
  /** Path of a YAML/JSON config file; omitted: defaults only. */
  file?: string
  /** Already-parsed config (tests), merged under env overrides like a file would be. */
  config?: Record<string, unknown>
  env?: Record<string, string | undefined>
  /** Base directory for a relative `file`, relative sqlite paths and the dev secret (default: the process's cwd). */
  cwd?: string
  /**
   * Without `LATCH_SECRET`, create the development secret file when it is missing (default
   * true). `false`: a missing file is a `ConfigError` on `LATCH_SECRET` instead, for tools that
   * must not start a new secret (the `latch` commands other than `serve` and `migrate`).
   */
  createSecret?: boolean
}


/** `file` as given (and named in errors), read relative to `cwd`. */
function readFile(file: string, cwd: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(resolve(cwd, file), 'utf8')
  } catch (err) {
    throw new ConfigError('(file)', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (err) {
    throw new ConfigError('(file)', `${file} is not valid YAML or JSON: ${(err as Error).message}`)
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('(root)', 'must be a mapping of keys to values')
  return parsed as Record<string, unknown>
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const raw = options.file ? readFile(options.file, cwd) : structuredClone(options.config ?? {})
  const substituted = substitute(raw, env, '') as Record<string, unknown>
  if (env.PORT) substituted.port = env.PORT
  if (env.LATCH_ISSUER) substituted.issuer = env.LATCH_ISSUER
  if (env.LATCH_DATABASE_URL) substituted.database = env.LATCH_DATABASE_URL
  if (env.LATCH_REDIS_URL) substituted.redis_url = env.LATCH_REDIS_URL
  if (env.LATCH_LOG_LEVEL) substituted.log_level = env.LATCH_LOG_LEVEL
  // Issue 14: the metrics token, a secret, is best kept out of the file.
  if (env.LATCH_METRICS_TOKEN) substituted.metrics = { ...(substituted.metrics as Record<string, unknown> | undefined), token: env.LATCH_METRICS_TOKEN }
  const configDir = options.file ? dirname(resolve(cwd, options.file)) : cwd
  const loaded = resolveConfig(substituted, { env, cwd, configDir, createSecret: options.createSecret ?? true })
  const tenants = loadTenants(loaded.config, substituted, env, configDir)
  return { config: deepFreeze({ ...loaded.config, ...tenants.resolved }), warnings: [...loaded.warnings, ...tenants.warnings] }
}

