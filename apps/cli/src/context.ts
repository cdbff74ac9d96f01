/**
 * What every `latch` command shares: finding and loading the config file (through
 * `@latch/server`'s `loadConfig`, so the environment overrides and validation of docs/architecture.md
 * §2 apply exactly as they do for the server), opening the store with migrations run, validating
 * one client or user the way the config loader validates the file, and reading a password.
 */
import { existsSync } from 'node:fs'
import type { ReadStream } from 'node:tty'
import { userInfo } from 'node:os'
import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import {
  ConfigError, DEFAULT_TENANT, TENANT_ID_PATTERN, createStore, databaseExists, loadConfig, redactUrl, scrubText, systemClock, tenantConfig, type LatchConfig, type LoadedConfig, type ManagementScope, type Store,
} from '@latch/server/admin'
import { CliError, UsageError, reasonOf } from './errors.js'
import { cliIo, inCwd, readStdin } from './io.js'

/** Used when `--config` is not given and this file exists in the working directory. */
export const DEFAULT_CONFIG_FILE = 'latch.config.yaml'

export interface CommonOptions {
  config?: string
  /** `--tenant ID` (issue 11): the tenant a clients, users, orgs or keys command works on; unset: `default`. */
  tenant?: string
}

const TENANT_ID = new RegExp(TENANT_ID_PATTERN)

/** Adds `--tenant ID` (issue 11) to a command that works on one tenant's clients, users, organizations or keys. */
export function withTenantOption(cmd: Command): Command {
  return cmd.option('--tenant <id>', `the tenant to work on (default: ${DEFAULT_TENANT}, the top-level config's; see \`latch tenants list\`)`)
}

/** A tenant id from the command line, or a usage error saying what an id looks like. */
export function tenantIdArg(id: string, name = 'tenant id'): string {
  if (!TENANT_ID.test(id)) throw new UsageError(`${name} ${JSON.stringify(id)} must be 1 to 64 of a-z, 0-9 and -`)
  return id
}

/** Adds the `--config FILE` every command takes. */
export function withConfigOption(cmd: Command): Command {
  return cmd.option('-c, --config <file>', `config file (YAML or JSON; default: ./${DEFAULT_CONFIG_FILE} when present)`)
}

/** `--config`, else `./latch.config.yaml` when present, else none (defaults and environment only). */
export function configFile(opts: CommonOptions): string | undefined {
  if (opts.config !== undefined) return opts.config
  return existsSync(inCwd(DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined
}

/**
 * Loads and validates the config; a `ConfigError` (naming the key) reaches `main` as is. Only
 * `create` (serve, migrate) may start a development secret file when `LATCH_SECRET` is unset.
 */
export function openConfig(opts: CommonOptions, create = false): LoadedConfig {
  const { cwd, env } = cliIo()
  return loadConfig({ file: configFile(opts), env, cwd, createSecret: create })
}

/** Stands in for `LATCH_SECRET` while only the database URL is read: it keeps `loadConfig` from touching a secret file. */
const PROBE_SECRET = 'probe-only-never-used-to-encrypt-anything'

/**
 * Refuses to go on when the config's database does not exist yet: every command but `serve` and
 * `migrate` works on an existing database, and run in the wrong directory (no config file: the
 * default `sqlite:./data/latch.db`) or with a mistyped URL it would otherwise create an empty
 * one, and a new development secret beside it. Checked before the secret, whose absence follows.
 * @see issue 8
 */
async function requireExistingDatabase(opts: CommonOptions): Promise<void> {
  const { cwd, env } = cliIo()
  const { config } = loadConfig({ file: configFile(opts), env: { ...env, LATCH_SECRET: env.LATCH_SECRET || PROBE_SECRET }, cwd })
  const { database } = config
  let exists: boolean
  try {
    exists = await databaseExists(database)
  } catch (err) {
    throw new CliError(`cannot open database ${displayDatabase(database)}: ${scrubText(reasonOf(err), database)}`, { cause: err })
  }
  if (!exists) {
    const where = configFile(opts) === undefined ? `no config file (./${DEFAULT_CONFIG_FILE} or --config), so the default database` : 'the database of the config'
    throw new CliError(
      `no Latch database at ${displayDatabase(database)} (${where}); this command does not create one: run \`latch migrate\` to create it, or point --config or LATCH_DATABASE_URL at an existing database`,
    )
  }
}

/** The database URL with any password masked (userinfo and `?password=`), fit for logs and errors. */
export function displayDatabase(url: string): string {
  return redactUrl(url)
}

export interface StoreContext extends LoadedConfig {
  /** The store of the tenant the command works on (`--tenant`; the root store for `default`). */
  store: Store
  /** The deployment's store: tenant `default`, and `tenants` for all of them. */
  root: Store
  /** The tenant the command works on. */
  tenant: string
  /** The deployment's config (the top-level one); `config` is the tenant's effective config. */
  base: LatchConfig
}

/**
 * Loads the config and opens its database, running pending migrations. Only with `create`
 * (`serve`, `migrate`) may the database, and the development secret, be created. With `--tenant`,
 * `store` and `config` are that tenant's (an unknown tenant is an error, exit 1).
 */
export async function openStore(opts: CommonOptions, { create = false }: { create?: boolean } = {}): Promise<StoreContext> {
  const tenant = opts.tenant === undefined ? DEFAULT_TENANT : tenantIdArg(opts.tenant, '--tenant')
  if (!create) await requireExistingDatabase(opts)
  const loaded = openConfig(opts, create)
  const { database } = loaded.config
  let root: Store
  try {
    root = await createStore(database, { migrate: true })
  } catch (err) {
    throw new CliError(`cannot open database ${displayDatabase(database)}: ${scrubText(reasonOf(err), database)}`, { cause: err })
  }
  try {
    return { ...loaded, ...(await tenantScope(loaded.config, root, tenant)), root, tenant, base: loaded.config }
  } catch (err) {
    await root.close()
    throw err
  }
}

/**
 * Tenant `id`'s store and effective config: its stored settings over the deployment's keys, as the
 * servers run it, with the clients, users and organizations the config file lists for it (what the
 * next `latch serve` seeds), so commands can warn about those as they do for the default tenant.
 */
export async function tenantScope(base: LatchConfig, root: Store, id: string): Promise<{ config: LatchConfig; store: Store }> {
  if (id === DEFAULT_TENANT) return { config: base, store: root }
  const row = await root.tenants.get(id)
  if (row === null) throw new CliError(`no tenant ${id} (see \`latch tenants list\`)`)
  const listed = base.tenants.find((t) => t.id === id)?.config
  const { config } = tenantConfig(base, row)
  return {
    config: listed ? { ...config, clients: listed.clients, users: listed.users, organizations: listed.organizations, connections: listed.connections } : config,
    store: root.forTenant(id),
  }
}

/** Runs `fn` with an open store and closes it afterwards, whatever happens. */
export async function withStore<T>(opts: CommonOptions, fn: (ctx: StoreContext) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const ctx = await openStore(opts, options)
  try {
    return await fn(ctx)
  } finally {
    await ctx.root.close()
  }
}

/** Integer epoch seconds, as the store keeps time. */
export function now(): number {
  return Math.floor(Date.now() / 1000)
}

/** The config loader's check of command-line entries (moved to the management services, issue 14). */
export { validateWithLoader } from '@latch/server/admin'

/**
 * Issue 14: the management scope of a command: the tenant's store, config and the system clock,
 * acting as the operating-system user who runs the command (`admin`), so that each change is
 * audited (the services of `@latch/server/admin`).
 */
export function managementScope(ctx: Pick<StoreContext, 'store' | 'config' | 'tenant'>): ManagementScope {
  return { store: ctx.store, config: ctx.config, tenant: ctx.tenant, clock: systemClock, actor: { type: 'admin', id: adminName() }, via: 'cli' }
}

/** The OS user running the command; `$USER` or `unknown` when the system cannot say. */
function adminName(): string {
  try {
    const name = userInfo().username
    if (name) return name
  } catch {
    // No passwd entry for the uid (containers): the environment's word is all there is.
  }
  return cliIo().env.USER || 'unknown'
}

/**
 * Re-words a `ConfigError` about `clients[0].…`, `users[0].…` or `organizations[0].…` in terms of command-line flags
 * (`--redirect-uris "http://x#y" must not contain a fragment`): the user typed flags, not YAML.
 * A secret's value is never echoed: errors about a field in `secrets` get that fixed message.
 */
export function flagError(
  err: unknown,
  section: 'clients' | 'users' | 'organizations' | 'connections',
  flags: Readonly<Record<string, string>>,
  values: Readonly<Record<string, unknown>>,
  secrets: Readonly<Record<string, string>> = {},
): unknown {
  if (!(err instanceof ConfigError)) return err
  const match = new RegExp(`^${section}\\[0\\]\\.([a-z_]+)(?:\\[(\\d+)\\])?`).exec(err.key)
  const field = match?.[1]
  const flag = field === undefined ? undefined : flags[field]
  if (field === undefined || flag === undefined) return err
  const secretMessage = secrets[field]
  if (secretMessage !== undefined) return new UsageError(`${flag} ${secretMessage}`)
  const prefix = `config: ${err.key} `
  let detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message
  if (detail.startsWith('expected string to match') && field === 'email') detail = 'must be an email address'
  const index = match?.[2]
  const value = index === undefined ? undefined : (values[field] as unknown[] | undefined)?.[Number(index)]
  const shown = value !== undefined && !/\bgot\b/.test(detail) ? ` ${JSON.stringify(value)}` : ''
  return new UsageError(`${flag}${shown} ${detail}`)
}

/**
 * The password from `--password`, from standard input with `--password-stdin` (one trailing newline
 * dropped, so `echo secret | latch …` works), or, when `prompt` is set and neither flag is given, typed
 * at a terminal: asked twice with the input hidden. `required`: without a password (and no terminal
 * to ask on) the command line is wrong.
 */
export async function readPassword(
  opts: { password?: string; passwordStdin?: boolean },
  required: boolean,
  prompt = false,
): Promise<string | undefined> {
  if (opts.password !== undefined && opts.passwordStdin) throw new UsageError('--password and --password-stdin are mutually exclusive')
  if (opts.password !== undefined) return opts.password
  if (!opts.passwordStdin) {
    if (prompt && cliIo().stdin.isTTY) {
      const first = await promptHidden('New password: ')
      if (first === '') throw new UsageError('no password entered')
      if ((await promptHidden('Repeat the new password: ')) !== first) throw new UsageError('the passwords did not match')
      return first
    }
    if (required) throw new UsageError('give the new password with --password-stdin (or --password), or run the command in a terminal to be asked for it')
    return undefined
  }
  const io = cliIo()
  if (io.stdin.isTTY) io.stderr.write('Password (then Enter and Ctrl-D): ')
  const password = await readStdin()
  if (password === '') throw new UsageError('--password-stdin: standard input was empty')
  return password
}

/**
 * Asks on the terminal with echo off (raw mode), so the password is neither shown nor left in the
 * scrollback. Enter (or Ctrl-D) ends the line, Backspace deletes, Ctrl-C cancels; other control
 * characters are ignored.
 */
function promptHidden(question: string): Promise<string> {
  const io = cliIo()
  // Only ever called when stdin is a terminal (`isTTY`).
  const input = io.stdin as ReadStream
  // Echo off before the prompt shows: whatever is typed once it is on screen is never echoed.
  input.setRawMode(true)
  io.stderr.write(question)
  input.setEncoding('utf8')
  input.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (error?: Error) => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.setRawMode(false)
      input.pause()
      io.stderr.write('\n')
      if (error) reject(error)
      else resolve(value)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish()
        if (ch === '\u0003') return finish(new CliError('cancelled'))
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('')
        else if (ch >= ' ') value += ch
      }
    }
    const onEnd = () => finish(new CliError('no password entered: the terminal closed'))
    input.on('data', onData)
    input.on('end', onEnd)
  })
}

/**
 * Asks a question on the terminal and returns the line typed (visible: it is no secret). Ctrl-C
 * or a closed terminal cancels.
 */
export async function promptLine(question: string): Promise<string> {
  const io = cliIo()
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream })
  try {
    const answer = rl.question(question)
    const cancelled = new Promise<never>((_, reject) => rl.once('close', () => reject(new CliError('cancelled'))))
    return await Promise.race([answer, cancelled])
  } finally {
    rl.close()
  }
}
