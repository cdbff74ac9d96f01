/**
 * The harness of the CLI tests: the BUILT CLI (packages/server/dist/cli/, built by `beforeAll` when
 * missing or older than the sources), each test in a temporary directory with its own config file
 * and SQLite database, `LATCH_SECRET` in the environment. `latch()` runs a command line in this
 * process (`runCli` of run-cli.ts, with the workspace as its working directory, its own
 * environment, standard input and captured output): what the bin runs, minus a Node start and
 * the import of the server's modules, hundreds of times per file. `latch serve` runs until a
 * signal, so it is spawned (`node dist/cli/main.js`), as is whatever needs a real process (a
 * terminal, signals, the bin itself: `MAIN`). Imported by `*.test.ts` only (kept out of dist by
 * apps/cli/tsconfig.json).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { Readable } from 'node:stream'
import { connect } from 'node:net'
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect } from 'vitest'
import { ensureCliBuilt } from '../../../packages/server/test/support/build.js'
import type { runCli } from './run-cli.js'

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
export const MAIN = join(ROOT, 'packages/server/dist/cli/main.js')
/** The built `runCli` (run-cli.ts), which MAIN runs with the process's own directory, environment and streams. */
const RUN_CLI = join(ROOT, 'packages/server/dist/cli/run-cli.js')
export const SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz'

export const CONFIG = `
issuer: http://localhost:9000
database: sqlite:./latch.db
log_level: warn
resources:
  - identifier: https://api.example.com
    scopes: [read:data]
scopes:
  - name: read:data
    description: Read your data
clients:
  - client_id: from-file
    client_secret: from-file-secret-0123456789abcdefghijkl
    redirect_uris: [http://localhost:3000/cb]
`

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}


export const dirs: string[] = []

/** Whether the test PostgreSQL (127.0.0.1:5432) accepts a TCP connection. */
function postgresReachable(): Promise<boolean> {
  return new Promise((resolveReachable) => {
    const socket = connect({ host: '127.0.0.1', port: 5432 })
    const done = (up: boolean) => {
      socket.destroy()
      resolveReachable(up)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}
export const POSTGRES_UP = await postgresReachable()

/** A fresh directory with latch.config.yaml (and so its own database). */
export function workspace(config = CONFIG): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-cli-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'latch.config.yaml'), config)
  return dir
}

/**
 * Node's on-disk cache of compiled code (https://nodejs.org/api/module.html#module-compile-cache)
 * for the spawned CLIs: each of the few hundred runs starts in less CPU. It changes how fast the
 * code is compiled, not what runs. Under node_modules, so `npm ci` starts it afresh.
 */
const COMPILE_CACHE = join(ROOT, 'node_modules/.cache/latch-cli-compile')

/** The environment a user would have: none of Latch's variables leaking in from the test runner. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('LATCH_') || k === 'PORT') delete env[k]
  return { ...env, NODE_COMPILE_CACHE: COMPILE_CACHE, LATCH_SECRET: SECRET, ...extra }
}

/** The built `runCli`, imported once per worker (after `cliTestFile`'s build). */
let built: Promise<typeof runCli> | undefined

/**
 * `latch ARGS` in `cwd`, as from a shell: `input` on standard input (not a terminal), the
 * environment of `cleanEnv`. In-process but for `serve` (see above).
 */
export async function latch(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  if (args[0] === 'serve') return spawnLatch(cwd, args, options)
  built ??= import(RUN_CLI).then((m: { runCli: typeof runCli }) => m.runCli)
  const run = await built
  let stdout = ''
  let stderr = ''
  const code = await run(args, {
    cwd,
    env: cleanEnv(options.env),
    stdin: Readable.from(options.input === undefined || options.input === '' ? [] : [Buffer.from(options.input)]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  })
  return { code, stdout, stderr }
}

/** `node MAIN ARGS` in `cwd`: the bin itself, in a process of its own. */
export function spawnLatch(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

/**
 * A SQLite database made by `latch migrate`, once per test file: `migrate` only creates the schema
 * (no seeding, nothing from the config file but the database URL), so each `migrated()` workspace
 * gets a copy of it rather than a CLI run of its own.
 */
let template: Promise<string> | undefined

/** A workspace whose database exists (`latch migrate`): commands other than serve/migrate create none. */
export async function migrated(config = CONFIG): Promise<string> {
  const dir = workspace(config)
  template ??= (async () => {
    const made = workspace()
    await ok(made, ['migrate'])
    return join(made, 'latch.db')
  })()
  const db = await template
  for (const suffix of ['', '-wal']) if (existsSync(db + suffix)) copyFileSync(db + suffix, join(dir, `latch.db${suffix}`))
  return dir
}

/** Runs and expects success; returns stdout. */
export async function ok(cwd: string, args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<string> {
  const run = await latch(cwd, args, options)
  expect(run.stderr.match(/^error:.*$/m)?.[0] ?? '', `latch ${args.join(' ')}`).toBe('')
  expect(run.code, `latch ${args.join(' ')}: ${run.stderr}`).toBe(0)
  return run.stdout
}

/** One line on stderr, starting with `error:`, and no stack trace. */
export function expectOneLineError(run: Run, code: number, pattern: RegExp): void {
  expect(run.code).toBe(code)
  const lines = run.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^error: /)
  expect(lines[0]).toMatch(pattern)
  expect(run.stderr).not.toMatch(/^\s+at /m)
}

/**
 * The hooks of one CLI test file, called at its top: build the CLI when needed before its tests,
 * remove its workspaces after them. Not at this module's top level: a vitest worker runs file after
 * file without re-evaluating shared modules (`isolate: false`, vitest.config.ts), so hooks
 * registered here would belong to the first file of each worker only.
 */
export function cliTestFile(): void {
  beforeAll(async () => {
    await ensureCliBuilt()
    expect(existsSync(MAIN), `${MAIN} was not built`).toBe(true)
  }, 300_000)
  afterAll(() => {
    template = undefined
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
}

/**
 * `latch serve --port 0` in `dir`, started: its "Latch listening on" log line (JSON), the child,
 * its exit and its stderr so far. The caller stops it with SIGTERM.
 */
export async function serve(dir: string): Promise<{ line: Record<string, unknown>; child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<number | null>; stderr: () => string; stdout: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0'], { cwd: dir, env: cleanEnv({ LATCH_LOG_LEVEL: 'info' }), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
  const line = await new Promise<Record<string, unknown>>((resolveLine, reject) => {
    // Generous: the CLI files run their tests side by side, and all of them start first (vitest.config.ts).
    // A server that does not start is stopped, not left running after its test.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not start: ${stdout}${stderr}`))
    }, 60_000)
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      const found = stdout.split('\n').find((l) => l.includes('Latch listening on'))
      if (found) {
        clearTimeout(timer)
        resolveLine(JSON.parse(found) as Record<string, unknown>)
      }
    })
    child.on('close', () => reject(new Error(`serve exited: ${stderr}`)))
  })
  return { line, child, exited, stderr: () => stderr, stdout: () => stdout }
}

