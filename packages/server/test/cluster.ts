/**
 * Several `latch serve` processes sharing one PostgreSQL schema, for the scale-out tests
 * (`test/scale/`) and the database outage test (`test/outage/`): what docs/architecture.md promises
 * when it says nodes share nothing but the database and `LATCH_SECRET`.
 *
 * Each cluster gets a fresh schema (`?schema=` on LATCH_DATABASE_URL, created by the server and
 * dropped by `stop()`), one temp YAML config and N child processes of the BUILT CLI
 * (`node packages/server/dist/cli/main.js serve --config FILE --port N`). Every node has the SAME issuer, the
 * origin of node 0, but listens on its own port: Latch builds every absolute URL from the issuer,
 * never from the Host header, so a request may be sent to any node's port directly, as a load
 * balancer would. `nodes[i].url` is node i's own origin (where to send a request);
 * `cluster.issuer` is what tokens and pages name.
 *
 * The nodes log at `warn` into a buffer: a failed assertion prints them (`cluster.logs()`).
 */
import { TEST_POSTGRES_URL, postgresReachable } from './support/database.js'
import { CLI_MAIN, ensureCliBuilt } from './support/build.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { stringify } from 'yaml'
import { PATHS } from '../src/context.js'
import { ALICE, API, baseTestConfig, basic, freePort, postForm, SERVICE_SECRET, WEB_REDIRECT, WEB_SECRET } from './helpers.js'

export const PG_URL = TEST_POSTGRES_URL
/** ≥ 32 characters and identical on every node: it decrypts the shared signing keys. */
export const CLUSTER_SECRET = 'cluster-secret-0123456789abcdef0123456789'

const MAIN = CLI_MAIN

/**
 * Why the cluster tests of a file do not run in this process, or undefined when they do; the file
 * prints it. They need PostgreSQL whatever LATCH_TEST_DIALECT says, so they run once: in the
 * `postgres` vitest project (or a config that sets no dialect), and are skipped in `sqlite`.
 */
export async function clusterSkipReason(): Promise<string | undefined> {
  if (!(await postgresReachable())) return 'skipped: postgres unreachable'
  if (process.env.LATCH_TEST_DIALECT === 'sqlite') return 'skipped in the sqlite project: the cluster tests run in the postgres project'
  return undefined
}

/** One `latch serve` process. */
export class LatchNode {
  /** This node's own origin: where requests to this node go. */
  readonly url: string
  #process: ChildProcess | null = null
  #exited: Promise<void> = Promise.resolve()

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly cluster: { configFile: string; env: NodeJS.ProcessEnv; log(line: string): void },
  ) {
    this.url = `http://127.0.0.1:${port}`
  }

  /**
   * Spawns the process and waits until /healthz answers 200. A readiness wait, not a speed check:
   * a node hashes its seeded users' passwords (argon2id) before it listens, which on a CI box
   * running three test files per two cores took more than 20 s.
   */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.#process) throw new Error(`node ${this.name} is running already`)
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', this.cluster.configFile, '--port', String(this.port)], {
      env: this.cluster.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#process = child
    let exitCode: number | null | undefined
    this.#exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        exitCode = code
        this.cluster.log(`[${this.name}] exited code=${code} signal=${signal}`)
        if (this.#process === child) this.#process = null
        resolveExit()
      })
    })
    for (const stream of [child.stdout, child.stderr]) {
      let partial = ''
      stream?.setEncoding('utf8')
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) if (line.trim() !== '') this.cluster.log(`[${this.name}] ${line}`)
      })
    }
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`node ${this.name} exited with ${exitCode} before it was healthy`)
      try {
        const res = await fetch(`${this.url}${PATHS.health}`, { signal: AbortSignal.timeout(1000) })
        await res.body?.cancel()
        if (res.status === 200) return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`node ${this.name} was not healthy within ${timeoutMs} ms`)
  }

  /** `kill -9`: no graceful shutdown, in-flight requests die with their sockets. */
  async crash(): Promise<void> {
    this.#process?.kill('SIGKILL')
    await this.#exited
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#process
    if (!child) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await this.#exited
    clearTimeout(timer)
  }

  /** Synchronous last resort for `process.on('exit')`. */
  killNow(): void {
    this.#process?.kill('SIGKILL')
  }
}

export interface ClusterOptions {
  /** Becomes part of the schema and temp dir names. */
  name: string
  /** The config file's content, without issuer/host/database (the cluster sets those). */
  config: Record<string, unknown>
  nodes?: number
  /**
   * `rolling` (default): node A first (migrations, seed, first key), then the others, as a rolling
   * deployment would. `together`: every node at once on the empty schema, as after a full outage.
   */
  startup?: 'rolling' | 'together'
  /** The PostgreSQL server to use (default: the shared test server, PG_URL); the outage test passes its own. */
  postgresUrl?: string
}

const live = new Set<Cluster>()
process.once('exit', () => {
  for (const cluster of live) for (const node of cluster.nodes) node.killNow()
})

export class Cluster {
  readonly nodes: LatchNode[]
  readonly #lines: string[] = []
  readonly #env: NodeJS.ProcessEnv

  private constructor(
    readonly issuer: string,
    readonly schema: string,
    readonly databaseUrl: string,
    readonly dir: string,
    ports: number[],
    readonly configFile: string,
    readonly postgresUrl: string,
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const k of Object.keys(env)) if (k.startsWith('LATCH_') || k === 'PORT') delete env[k]
    Object.assign(env, { LATCH_DATABASE_URL: databaseUrl, LATCH_SECRET: CLUSTER_SECRET })
    this.#env = env
    const shared = { configFile, env, log: (line: string) => this.#lines.push(line) }
    this.nodes = ports.map((port, i) => new LatchNode(String.fromCharCode(65 + i), port, shared))
  }

  /** Writes the config, then starts the nodes as `options.startup` says. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    await ensureCliBuilt()
    const ports: number[] = []
    for (let i = 0; i < (options.nodes ?? 2); i++) ports.push(await freePort())
    const issuer = `http://127.0.0.1:${ports[0]}`
    const schema = `latch_${options.name.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`
    const postgresUrl = options.postgresUrl ?? PG_URL
    const url = new URL(postgresUrl)
    url.searchParams.set('schema', schema)
    const dir = mkdtempSync(join(tmpdir(), `latch-${options.name}-`))
    const configFile = join(dir, 'latch.config.yaml')
    writeFileSync(configFile, stringify({ issuer, host: '127.0.0.1', log_level: 'warn', ...options.config }))
    const cluster = new Cluster(issuer, schema, url.toString(), dir, ports, configFile, postgresUrl)
    live.add(cluster)
    try {
      if (options.startup === 'together') await Promise.all(cluster.nodes.map((node) => node.start()))
      else for (const node of cluster.nodes) await node.start()
    } catch (err) {
      await cluster.stop()
      throw new Error(`${(err as Error).message}\n${cluster.logs()}`)
    }
    return cluster
  }

  /** Node `i` (0 = A, whose origin is the issuer). */
  node(i: number): LatchNode {
    const node = this.nodes[i]
    if (!node) throw new Error(`no node ${i}`)
    return node
  }

  /** Runs the built `latch` CLI against this cluster's config and database; resolves with its stdout. */
  async cli(args: string[]): Promise<string> {
    const child = spawn(process.execPath, [MAIN, ...args, '--config', this.configFile], { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit))
    if (code !== 0) throw new Error(`latch ${args.join(' ')} exited ${code}: ${stderr}`)
    return stdout
  }

  /** Everything the nodes printed, for failure messages. */
  logs(): string {
    return this.#lines.join('\n')
  }

  /** Lines that are not pino JSON (a crash's stack trace, an exit) and pino lines at fatal level. */
  unusualLines(): string[] {
    return this.#lines.filter((line) => !/^\[[A-Z]\] \{"level":(10|20|30|40|50)\b/.test(line))
  }

  /** Log lines that report a 5xx or an unexpected error (pino JSON at error level or above). */
  errorLines(): string[] {
    return this.#lines.filter((line) => /"level":(50|60)\b/.test(line))
  }

  /** Stops every node, drops the schema, removes the temp dir. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()))
    live.delete(this)
    const client = new pg.Client({ connectionString: this.postgresUrl, connectionTimeoutMillis: 5000 })
    try {
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`)
    } finally {
      await client.end().catch(() => {})
      rmSync(this.dir, { recursive: true, force: true })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The clients, the user and the small HTTP helpers the cluster tests share.

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
export const WEB_SCOPE = 'openid profile email offline_access read:data'

/**
 * `web`: confidential, authorization_code + refresh_token (+ password, for load), first-party (no
 * consent page); `service`: client_credentials; `tv`: a public device client; user alice.
 */
export const clusterConfig = {
  resources: baseTestConfig.resources,
  default_resource: API,
  scopes: baseTestConfig.scopes,
  clients: [
    {
      client_id: 'web',
      client_name: 'Cluster Web App',
      client_secret: WEB_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'password'],
      redirect_uris: [WEB_REDIRECT],
      scope: WEB_SCOPE,
      skip_consent: true,
    },
    { client_id: 'service', client_secret: SERVICE_SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], scope: 'read:data write:data' },
    { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], scope: 'openid profile offline_access read:data' },
  ] as Record<string, unknown>[],
  users: [{ ...ALICE, name: 'Alice Example', email_verified: true }] as Record<string, unknown>[],
}

/**
 * One user per load worker, so that workers do not queue behind each other: the login throttle
 * lets at most `login_max_failures_per_account` (5) password checks of one account from one
 * address run at once, and the others wait for them (RFC 6749 §4.3.2; issue 8). Add these to
 * `users` and give each worker its own.
 */
export function loadUsers(n: number): { email: string; password: string }[] {
  return Array.from({ length: n }, (_, i) => ({ email: `load${i}@example.com`, password: `load-${i}-correct-horse-battery` }))
}

/** Password grant parameters for `web`. */
export function passwordGrant(user: { email: string; password: string }): Record<string, string> {
  return { grant_type: 'password', username: user.email, password: user.password, scope: WEB_SCOPE }
}

export const WEB_AUTH = basic('web', WEB_SECRET)
export const SERVICE_AUTH = basic('service', SERVICE_SECRET)

/** A JSON answer of the token, introspection or device endpoint. */
export interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

/** POSTs a form to `path` on `node` (its own port), with Basic credentials when given. */
export async function post(node: { url: string }, path: string, params: Record<string, string>, authorization?: string): Promise<Answer> {
  const res = await postForm(`${node.url}${path}`, params, authorization === undefined ? {} : { authorization })
  const text = await res.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { raw: text }
  }
  return { status: res.status, headers: res.headers, body }
}

/** RFC 7662 introspection by the token's own client: true when the token is active. */
export async function isActive(node: { url: string }, token: string, authorization: string): Promise<boolean> {
  const answer = await post(node, PATHS.introspection, { token }, authorization)
  if (answer.status !== 200) throw new Error(`introspection answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return answer.body.active === true
}

/** An authorization request URL on the issuer with PKCE (S256); `verifier` redeems its code. */
export function authorizationRequest(issuer: string, clientId = 'web', redirectUri = WEB_REDIRECT, scope = WEB_SCOPE) {
  const verifier = randomBytes(32).toString('base64url')
  const url = new URL(`${issuer}${PATHS.authorization}`)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()
  return { url, verifier, redirectUri }
}

/** Runs `fn` over `items` with at most `limit` in flight, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i] as T, i)
      }
    }),
  )
  return out
}
