/**
 * Test helper (not built into dist): makes sure the CLI's build (`packages/server/dist/cli/main.js`,
 * from apps/cli/src) is current before tests
 * spawn the real `latch` command. Shared by the CLI tests and the multi-node cluster tests.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../../../..', import.meta.url)))
export const CLI_MAIN = join(ROOT, 'packages/server/dist/cli/main.js')
const MAIN = CLI_MAIN

/** Newest mtime of the .ts sources under `dir` that the build compiles (not tests, not test-* helpers). */
function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.startsWith('test-')) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
    }
  }
  return newest
}

/**
 * Runs `tsc -b` on `projects` (incremental: a no-op when dist is current) under a lock directory:
 * test files run in parallel, so one builds and the others wait for it. `when` is re-checked
 * under the lock, so a build another file just finished is not repeated; `built` runs under the
 * lock after a build.
 */
export async function buildUnderLock(projects: string[], when: () => boolean = () => true, built: () => void = () => {}): Promise<void> {
  if (!when()) return
  const lock = join(tmpdir(), 'latch-test-build.lock')
  const deadline = Date.now() + 300_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      // Another file is building; a lock older than the deadline is from a killed run.
      const held = statSync(lock, { throwIfNoEntry: false })
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  try {
    if (when()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', ...projects], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 })
      built()
    }
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/**
 * Builds the CLI when dist is missing or older than the sources (the root `prepare` script
 * normally did).
 */
export async function ensureCliBuilt(): Promise<void> {
  const stale = () => {
    const built = existsSync(MAIN) ? statSync(MAIN).mtimeMs : 0
    return built < Math.max(newestSource(join(ROOT, 'apps/cli/src')), newestSource(join(ROOT, 'packages/server/src')))
  }
  // tsc writes only the outputs whose text changed: a source saved without a change (or a change
  // to a file main.js does not import) leaves main.js older than the sources, and every CLI test
  // file would run tsc again. tsc has just said dist is current: main.js's time says so from now on.
  const current = () => {
    if (existsSync(MAIN) && stale()) {
      const now = new Date()
      utimesSync(MAIN, now, now)
    }
  }
  await buildUnderLock(['packages/server', 'apps/cli'], stale, current)
  if (!existsSync(MAIN)) throw new Error(`${MAIN} was not built`)
}
