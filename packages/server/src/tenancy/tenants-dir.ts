/**
 * `tenants_dir` while the server runs (issue 11): every node re-reads the directory every
 * `tenancy.reload_interval`. A file whose content changed (its SHA-256 differs from what this node
 * last read), or a new one, is validated like at start and its tenant upserted and its clients,
 * users and organizations seeded (`seedTenant`). A file that fails (unparsable, a key that does not
 * validate, an issuer another tenant has, the id of a `tenants` entry or `default`) is logged as an
 * error naming the file and leaves its tenant as it was; it is tried again once it changes. A
 * removed file leaves its tenant and its data in place: `latch tenants delete ID` deletes them.
 */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { LatchConfig } from '../config/schema.js'
import { DEFAULT_TENANT, defineTenant, readTenantFile, tenantFiles, tenantIdOfFile } from '../config/tenant.js'
import { ConfigError } from '../errors.js'
import { seedTenant } from '../seed.js'
import type { Store } from '../storage/store.js'

export interface TenantsDirectoryOptions {
  /** Absolute path (`config.tenants_dir`). */
  dir: string
  base: LatchConfig
  /** For `${VAR}` in the files, as at start. */
  env: Record<string, string | undefined>
  store: Store
  log: Logger
  now(): number
}

export class TenantsDirectory {
  readonly #options: TenantsDirectoryOptions
  /** File name → SHA-256 of the content last read (applied or refused): unchanged files are skipped. */
  readonly #digests = new Map<string, string>()
  /** Ids of the config file's `tenants` entries: a file cannot take them over. */
  readonly #listed: ReadonlySet<string>

  constructor(options: TenantsDirectoryOptions) {
    this.#options = options
    // What the start applied counts as read.
    for (const t of options.base.tenants) if (t.digest !== null) this.#digests.set(t.source.slice('tenants_dir/'.length), t.digest)
    this.#listed = new Set(options.base.tenants.filter((t) => t.digest === null).map((t) => t.id))
  }

  /** Applies the files that are new or changed since the last read; returns the ids of the tenants applied. */
  async sync(): Promise<string[]> {
    const { dir, base, env, store, log } = this.#options
    let names: string[]
    try {
      names = tenantFiles(dir)
    } catch (err) {
      log.error({ err, tenants_dir: dir }, 'tenants_dir cannot be read: tenants left as they were')
      return []
    }
    const applied: string[] = []
    const seen = new Set<string>()
    for (const name of names) {
      const id = tenantIdOfFile(name)
      const first = !seen.has(id)
      seen.add(id)
      let file: ReturnType<typeof readTenantFile>
      try {
        file = readTenantFile(dir, name, env)
      } catch (err) {
        this.#refuse(name, id, err, null)
        continue
      }
      if (this.#digests.get(name) === file.digest) continue
      this.#digests.set(name, file.digest)
      try {
        if (!first) throw new ConfigError(`${file.where}.id`, `duplicates ${id} (another file of tenants_dir names it)`)
        if (id === DEFAULT_TENANT) throw new ConfigError(`${file.where}.id`, "default is the top-level config's tenant: pick another id")
        if (this.#listed.has(id)) throw new ConfigError(`${file.where}.id`, `duplicates ${id}, a tenants entry of the config file`)
        const { tenant, warnings } = defineTenant(base, file.raw, file.where, file.digest, dir)
        if (tenant.issuer === base.issuer) throw new ConfigError(`${file.where}.issuer`, "is the default tenant's issuer too: every tenant needs its own")
        await seedTenant(store, tenant, this.#options.now())
        for (const w of warnings) log.warn({ tenant: id }, w)
        log.info({ tenant: id, file: join(dir, name) }, `tenant ${id} applied from tenants_dir/${name}`)
        applied.push(id)
      } catch (err) {
        this.#refuse(name, id, err, file.digest)
      }
    }
    return applied
  }

  /** Logs why a file was not applied, once per content: the next change tries again. */
  #refuse(name: string, id: string, err: unknown, digest: string | null): void {
    const reason = err instanceof Error ? err.message : String(err)
    const key = digest ?? `unreadable:${reason}`
    if (digest === null && this.#digests.get(name) === key) return
    this.#digests.set(name, key)
    this.#options.log.error({ err, tenant: id, file: join(this.#options.dir, name) }, `tenants_dir/${name} was not applied (${reason}): tenant ${id} is left as it was`)
  }
}
