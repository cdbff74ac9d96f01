import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

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
})
