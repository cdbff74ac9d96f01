/**
 * The `@example`s in the JSDoc of @latch/client, @latch/resource-server and @latch/react compile
 * (STYLE.md "Tests and comments": the public API has `@example`s that compile in CI). Each
 * fenced ```ts / ```tsx block becomes a module of its own and the lot is type-checked with the
 * repository's compiler options against the packages' built declarations, as a user's editor
 * would see them. An example that imports a name that no longer exists, or calls an API with the
 * wrong shape, fails here instead of misleading a reader.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildUnderLock, ROOT } from '../packages/server/test/support/build.js'

const PACKAGES = ['packages/client', 'packages/resource-server', 'packages/react']
const FENCED = /@example[^\n]*\n\s*\*\s*```(tsx?)\n([\s\S]*?)\n\s*\*\s*```/g

interface Example {
  source: string
  lang: 'ts' | 'tsx'
  code: string
}

function examplesOf(dir: string): Example[] {
  const found: Example[] = []
  for (const entry of readdirSync(join(ROOT, dir, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name) || entry.name.startsWith('test-')) continue
    const path = join(entry.parentPath, entry.name)
    for (const match of readFileSync(path, 'utf8').matchAll(FENCED)) {
      const code = (match[2] ?? '').split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n')
      found.push({ source: relative(ROOT, path), lang: match[1] as 'ts' | 'tsx', code })
    }
  }
  return found
}

const dir = mkdtempSync(join(ROOT, 'node_modules', '.doc-examples-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('documentation examples', () => {
  it('STYLE.md: every @example of the public packages compiles against their declarations', async () => {
    await buildUnderLock(PACKAGES)
    const examples = PACKAGES.flatMap(examplesOf)
    // Every package documents its API with examples; finding none means the extraction broke.
    for (const pkg of PACKAGES) expect(examples.some((e) => e.source.startsWith(pkg)), pkg).toBe(true)
    const names = new Map<string, string>()
    examples.forEach((example, i) => {
      const file = `example-${i}.${example.lang}`
      names.set(file, example.source)
      // `export {}` makes each one a module, so top-level await and local names stay its own.
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, file), `${example.code}\nexport {}\n`)
    })
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.base.json'),
        compilerOptions: { noEmit: true, composite: false, declaration: false, lib: ['ES2023', 'DOM'], jsx: 'react-jsx', noUnusedLocals: false, noUnusedParameters: false },
        include: ['*.ts', '*.tsx'],
      }),
    )
    let output = ''
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: ROOT, encoding: 'utf8' })
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err)
    }
    // Name the JSDoc each error comes from, not the temp file.
    const report = output.replace(/\S*(example-\d+\.tsx?)/g, (_path, file: string) => names.get(file) ?? file)
    expect(report, `${examples.length} examples`).toBe('')
    // One tsc over the examples and the packages' declarations: ~15 s of one core, more while other files share it.
  }, 120_000)
})
