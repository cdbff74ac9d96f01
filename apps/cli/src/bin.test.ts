import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../', import.meta.url)

describe('latch bin', () => {
  it('architecture.md §2 Commands: `npx latch` works straight after `npm ci` — the bin is a committed file, not a build output', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { bin: Record<string, string> }
    const bin = pkg.bin.latch as string
    expect(bin.startsWith('./dist/')).toBe(false)
    // npm links a bin at install time only if the file exists then, i.e. before `prepare` builds.
    const tracked = execFileSync('git', ['ls-files', '--error-unmatch', bin], { cwd: new URL('.', root), encoding: 'utf8' })
    expect(tracked.trim()).toBe(bin.replace(/^\.\//, ''))
    expect(readFileSync(new URL(bin, root), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
  })
})
