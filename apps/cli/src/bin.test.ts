import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cliTestFile, expectOneLineError, spawnLatch, workspace } from './test-harness.js'

// The other CLI files run their command lines in-process (test-harness.ts `latch`): this one runs
// the bin as a shell does, so its exit codes and streams are those of a real process.
cliTestFile()

const root = new URL('../../../', import.meta.url)
const server = new URL('packages/server/', root)

describe('latch bin', () => {
  it('architecture.md §2 Commands: `npx latch` works straight after `npm ci` — the bin is a committed file of @latch/server, not a build output', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', server), 'utf8')) as { name: string; bin: Record<string, string> }
    expect(pkg.name).toBe('@latch/server')
    const bin = pkg.bin.latch as string
    expect(bin.startsWith('./dist/')).toBe(false)
    // npm links a bin at install time only if the file exists then, i.e. before `prepare` builds.
    const tracked = execFileSync('git', ['ls-files', '--error-unmatch', bin], { cwd: server, encoding: 'utf8' })
    expect(tracked.trim()).toBe(bin.replace(/^\.\//, ''))
    const text = readFileSync(new URL(bin, server), 'utf8')
    expect(text).toMatch(/^#!\/usr\/bin\/env node\n/)
    // The shim runs the CLI that apps/cli/tsconfig.json builds into the server package's dist/cli/.
    expect(text).toMatch(/^import '\.\.\/dist\/cli\/main\.js'$/m)
    const tsconfig = readFileSync(new URL('apps/cli/tsconfig.json', root), 'utf8')
    expect(tsconfig).toContain('"outDir": "../../packages/server/dist/cli"')
  })

  it('architecture.md §2 Commands: the one `latch` bin of the workspace is @latch/server\'s; apps/cli is private sources', () => {
    const cli = JSON.parse(readFileSync(new URL('apps/cli/package.json', root), 'utf8')) as { private?: boolean; bin?: unknown }
    expect(cli.private).toBe(true)
    expect(cli.bin).toBeUndefined()
  })

  it('architecture.md §2 Commands: the built bin, spawned, exits 0 with its result on stdout, 1 when the command fails and 2 for a wrong command line, with one `error:` line on stderr', async () => {
    const dir = workspace()
    const migrated = await spawnLatch(dir, ['migrate'])
    expect(migrated, migrated.stderr).toMatchObject({ code: 0, stderr: '' })
    expect(migrated.stdout).toMatch(/^database is up to date \(sqlite:.*latch\.db\)\n$/)
    const listed = await spawnLatch(dir, ['clients', 'list', '--json'])
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as { client_id: string }[]).map((c) => c.client_id)).toEqual([])
    expectOneLineError(await spawnLatch(dir, ['clients', 'delete', 'gone']), 1, /no client with client_id gone/)
    expectOneLineError(await spawnLatch(dir, ['clients', 'list', '--bogus']), 2, /unknown option '--bogus'/)
  })
})
