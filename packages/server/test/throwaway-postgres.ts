/**
 * A PostgreSQL server that a test creates, owns, stops, starts and removes: `initdb` in a temp
 * directory, its own free port on 127.0.0.1 (and its socket in that directory), `pg_ctl` to stop
 * and start it. The outage test stops its database; it must never stop (or need root to stop) the
 * PostgreSQL of the machine it runs on, which other tests, or the user's own work, are using.
 *
 * initdb refuses to run as root, so as root the cluster runs as the `postgres` OS user (through
 * `runuser`), in a temp directory it owns; otherwise as the current user. The binaries come from
 * `/usr/lib/postgresql/<version>/bin` (Debian, Ubuntu), else from PATH (`pg_config --bindir`).
 * The cluster is stopped and removed by `destroy()`, and by process `exit` and signal hooks
 * should the test run die or be interrupted first.
 * @see https://www.postgresql.org/docs/current/app-initdb.html
 * @see https://www.postgresql.org/docs/current/app-pg-ctl.html
 */
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './helpers.js'

const run = promisify(execFile)
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** The directory holding initdb and pg_ctl, or null. */
function binDir(): string | null {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const dir = join(root, version, 'bin')
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  } catch {
    // no pg_config on PATH
  }
  return null
}

/** Who runs the cluster: the current user, or `postgres` (uid, gid) through runuser when root. */
function owner(): { prefix: string[]; uid?: number; gid?: number } | string {
  if (process.getuid?.() !== 0) return { prefix: [] }
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    // runuser lives in sbin, which a minimal PATH (CI's `env -i`, cron) leaves out.
    const runuser = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin'].map((dir) => join(dir, 'runuser')).find((path) => existsSync(path))
    if (runuser === undefined) throw new Error('no runuser')
    return { prefix: [runuser, '-u', 'postgres', '--'], uid, gid }
  } catch {
    return 'skipped: running as root (initdb refuses to), and there is no `postgres` user and `runuser` to own a throwaway cluster'
  }
}

export class ThrowawayPostgres {
  #stopped = true
  readonly #onExit = () => this.#cleanUpNow()
  /** Interrupted (Ctrl-C, a killed worker): clean up, then let the signal do what it would have. */
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.destroy()
    process.kill(process.pid, signal)
  }

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly prefix: string[],
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/postgres`, trust authentication. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  get #data(): string {
    return join(this.dir, 'data')
  }

  /** Why no throwaway cluster can be made on this machine (one `skipped: …` line), or undefined. */
  static skipReason(): string | undefined {
    if (binDir() === null) return 'skipped: no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or from pg_config --bindir'
    const who = owner()
    return typeof who === 'string' ? who : undefined
  }

  /** initdb in a fresh temp directory, then start on a free port. */
  static async create(): Promise<ThrowawayPostgres> {
    const bin = binDir()
    const who = owner()
    if (bin === null || typeof who === 'string') throw new Error(ThrowawayPostgres.skipReason())
    const dir = mkdtempSync(join(tmpdir(), 'latch-pg-'))
    if (who.uid !== undefined && who.gid !== undefined) chownSync(dir, who.uid, who.gid)
    const pg = new ThrowawayPostgres(dir, await freePort(), bin, who.prefix)
    process.once('exit', pg.#onExit)
    for (const signal of SIGNALS) process.once(signal, pg.#onSignal)
    try {
      await pg.#exec('initdb', ['-D', pg.#data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'])
      await pg.start()
    } catch (err) {
      pg.destroy()
      throw err
    }
    return pg
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    // fsync off: this data is thrown away; unix socket in our own directory, TCP on 127.0.0.1 only.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off -c max_connections=100`
    await this.#exec('pg_ctl', ['-D', this.#data, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start'])
    this.#stopped = false
  }

  /** Stops the server (fast: open connections are cut, as in a real outage). */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.#exec('pg_ctl', ['-D', this.#data, '-m', 'fast', '-w', '-t', '60', 'stop'])
  }

  /** The server's own log, for failure messages. */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8')
    } catch {
      return ''
    }
  }

  /** Stops the server if it runs and removes its directory; safe to call more than once. */
  destroy(): void {
    process.removeListener('exit', this.#onExit)
    for (const signal of SIGNALS) process.removeListener(signal, this.#onSignal)
    this.#cleanUpNow()
  }

  #cleanUpNow(): void {
    if (!this.#stopped || existsSync(join(this.#data, 'postmaster.pid'))) {
      try {
        this.#execSync('pg_ctl', ['-D', this.#data, '-m', 'immediate', '-w', '-t', '30', 'stop'])
      } catch {
        // not running
      }
      this.#stopped = true
    }
    rmSync(this.dir, { recursive: true, force: true })
  }

  async #exec(tool: string, args: string[]): Promise<void> {
    const [cmd, ...rest] = [...this.prefix, join(this.bin, tool), ...args] as [string, ...string[]]
    await run(cmd, rest, { cwd: this.dir, timeout: 90_000 })
  }

  #execSync(tool: string, args: string[]): void {
    const [cmd, ...rest] = [...this.prefix, join(this.bin, tool), ...args] as [string, ...string[]]
    execFileSync(cmd, rest, { cwd: this.dir, stdio: 'ignore', timeout: 60_000 })
  }
}
