/**
 * Mechanical honesty of the package (STYLE.md habit 11): the core stays free of Node-only
 * imports so it runs in browsers, `index.ts` only re-exports, every value export documents an
 * `@example`, and every `ClientValidationError` code is documented in the README.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'
import { CLIENT_VALIDATION_CODES } from '../src/index.js'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const coreFiles = readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))

describe('package surface', () => {
  it('STYLE.md dependency rules: the core imports no node: modules and nothing but oauth4webapi, jose (logout tokens, issue 12) and itself', () => {
    for (const file of coreFiles) {
      const text = readFileSync(join(SRC, file), 'utf8')
      const statements = /^(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+)(?:\s*,\s*\{[^}]*\})?\s+from\s+'([^']+)'|^import\s+'([^']+)'/gm
      const specifiers = [...text.matchAll(statements)].map((m) => (m[1] ?? m[2]) as string)
      for (const spec of specifiers) expect(spec === 'oauth4webapi' || spec === 'jose' || spec.startsWith('./'), `${file} imports ${spec}`).toBe(true)
    }
  })

  it('STYLE.md: index.ts only re-exports', () => {
    const lines = readFileSync(join(SRC, 'index.ts'), 'utf8').split('\n')
    const code = lines.filter((l) => l.trim() !== '' && !/^\s*(\/\*\*|\*|\*\/)/.test(l))
    for (const line of code) expect(line, line).toMatch(/^(export\b|\s+[\w ,]+,?$|\}\s+from\s)/)
  })

  it('STYLE.md: every value the package exports has JSDoc with an @example', () => {
    const sources = coreFiles.map((f) => readFileSync(join(SRC, f), 'utf8')).join('\n')
    for (const name of Object.keys(api)) {
      if (name === 'CLIENT_VALIDATION_CODES') continue
      const decl = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export (?:async )?(?:function|class|const) ${name}\\b`)
      const doc = decl.exec(sources)
      expect(doc, `no JSDoc for ${name}`).not.toBeNull()
      expect(doc?.[1], `no @example for ${name}`).toContain('@example')
    }
  })

  it('every ClientValidationError code is documented in the README table, and nothing else is', () => {
    const documented = [...README.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1])
    expect(new Set(documented)).toEqual(new Set(Object.keys(CLIENT_VALIDATION_CODES)))
  })
})
