/**
 * Child processes of the benchmark scripts: servers that print one `READY <json>` line once they
 * listen, and load generators that print one JSON result line. Each may be pinned to a core with
 * `taskset` (the scripts put servers on core 0 and load on core 1), so the two never share one.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createServer as createNetServer } from 'node:net'
import { cpus } from 'node:os'

/** Whether `taskset` can pin processes here. */
export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** `node …argv`, pinned to `core` when taskset exists and the machine has that core. */
function nodeCommand(argv, core) {
  return core !== null && core !== undefined && hasTaskset && core < cpus().length
    ? ['taskset', ['-c', String(core), process.execPath, ...argv]]
    : [process.execPath, argv]
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createNetServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

/**
 * Starts `node [nodeArgs] script` and resolves once it printed `READY <json>`, with that JSON as
 * `ready`; `stop()` sends SIGTERM (SIGKILL after 15 s) and waits for the exit.
 */
export async function spawnReady({ name, script, nodeArgs = [], core, cwd, env = {}, timeoutMs = 60_000 }) {
  const [cmd, args] = nodeCommand([...nodeArgs, script], core)
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-8000)))
  const ready = await new Promise((res, rej) => {
    let out = ''
    const timer = setTimeout(() => rej(new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${stderr}`)), timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('READY '))
      if (line) {
        clearTimeout(timer)
        res(JSON.parse(line.slice(6)))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      rej(new Error(`${name} exited with ${code} before it was ready:\n${stderr}`))
    })
  })
  return {
    child,
    ready,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Runs `node script '<options as JSON>'` (pinned to `core` unless null) and parses its last stdout line. */
export function runJson({ script, options, core, cwd }) {
  const [cmd, args] = nodeCommand([script, JSON.stringify(options)], core)
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)))
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop()
      if (code !== 0 || !line) return rej(new Error(`${script} exited with ${code}:\n${err}`))
      res(JSON.parse(line))
    })
  })
}
