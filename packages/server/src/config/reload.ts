/**
 * Issue 14: what a configuration reload (SIGHUP, `LatchServer.reloadConfig()`) may change while the
 * server runs. The keys of `RELOADABLE_KEYS` are taken from the file read again; every other key
 * keeps its running value, and each one whose value in the file differs is named in `refused` (the
 * server logs a warning: it needs a restart). Pure: server.ts seeds and swaps the result.
 *
 * Why only these: they are read per request from `ctx.config` (branding) or from the store after
 * seeding (clients, users, organizations). The others are bound at start into long-lived parts —
 * the issuer into the keystore, discovery and every token; `database`, `redis_url`, `port`,
 * `host` into pools and sockets; `secret` into encrypted keys and counter keys; `hooks` into a
 * loaded module; `tenants` into the tenant index; `security`, `tokens`, `mail` into throttles,
 * caches and the mailer.
 */
import { isDeepStrictEqual } from 'node:util'
import { adminResourceOf } from '../rules/admin-api.js'
import type { LatchConfig } from './schema.js'

/** Top-level keys a reload applies. */
export const RELOADABLE_KEYS = ['clients', 'users', 'organizations', 'branding'] as const satisfies readonly (keyof LatchConfig)[]

/** Derived keys: recomputed from others, never named on their own. */
const DERIVED_KEYS = new Set(['known_scopes', 'scope_templates', 'secret_source'])

export interface ReloadPlan {
  /** The running config with the reloadable keys of the new one (a new frozen object). */
  config: LatchConfig
  /** Reloadable keys whose value changed. */
  applied: string[]
  /** Keys that changed in the file but need a restart (their running value is kept). */
  refused: string[]
  /**
   * client_ids the running file listed and the new one does not. The reload deletes these and any
   * other config-owned client the file does not list (`seedFromConfig`, security review M5b).
   */
  removedClients: string[]
}

export function planReload(running: LatchConfig, next: LatchConfig): ReloadPlan {
  const reloadable = new Set<string>(RELOADABLE_KEYS)
  const merged: Record<string, unknown> = { ...running }
  const applied: string[] = []
  const refused: string[] = []
  const keys = new Set([...Object.keys(running), ...Object.keys(next)])
  for (const key of keys) {
    const before = comparable(running, key)
    const after = comparable(next, key)
    if (isDeepStrictEqual(before, after)) continue
    if (reloadable.has(key)) {
      merged[key] = (next as unknown as Record<string, unknown>)[key]
      applied.push(key)
    } else if (!DERIVED_KEYS.has(key)) refused.push(key)
  }
  const kept = new Set(next.clients.map((c) => c.client_id))
  const removedClients = running.clients.map((c) => c.client_id).filter((id) => !kept.has(id))
  return { config: Object.freeze(merged) as unknown as LatchConfig, applied, refused, removedClients }
}

/** A key's value as the file sets it: `resources` without the built-in admin API (issue 14), which follows the issuer. */
function comparable(config: LatchConfig, key: string): unknown {
  if (key !== 'resources') return (config as unknown as Record<string, unknown>)[key]
  const admin = adminResourceOf(config.issuer)
  return config.resources.filter((r) => r.identifier !== admin)
}
