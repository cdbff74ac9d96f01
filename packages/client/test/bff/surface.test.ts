/**
 * Mechanical honesty of `@latch/client/bff` (STYLE.md habit 11): `index.ts` only re-exports, every
 * value it exports has JSDoc with an `@example`, and the README documents every option and route.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as bff from '../../src/bff/index.js'

const BFF = fileURLToPath(new URL('../../src/bff', import.meta.url))
const README = readFileSync(join(BFF, 'README.md'), 'utf8')
const sources = [BFF, join(BFF, 'routes')]
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => readFileSync(join(dir, f), 'utf8')))
  .join('\n')

describe('@latch/client/bff surface', () => {
  it('STYLE.md: index.ts only re-exports', () => {
    const lines = readFileSync(join(BFF, 'index.ts'), 'utf8').split('\n')
    for (const line of lines.filter((l) => l.trim() !== '' && !/^\s*(\/\*\*|\*|\*\/)/.test(l))) expect(line).toMatch(/^export\b/)
  })

  it('STYLE.md: every value the subpath exports has JSDoc with an @example', () => {
    for (const name of Object.keys(bff)) {
      const decl = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export (?:async )?(?:function|class|const) ${name}\\b`)
      const doc = decl.exec(sources)
      expect(doc, `no JSDoc for ${name}`).not.toBeNull()
      expect(doc?.[1], `no @example for ${name}`).toContain('@example')
    }
  })

  it('the README documents every option of LatchBffOptions and every route', () => {
    const options = /export interface LatchBffOptions \{([\s\S]*?)\n\}/.exec(sources)?.[1] ?? ''
    const keys = [...options.matchAll(/^\s{2}(\w+)\??:/gm)].map((m) => m[1] as string)
    expect(keys.length).toBeGreaterThan(15)
    for (const key of keys) expect(README, key).toContain(`\`${key}\``)
    for (const route of ['GET /auth/login', 'GET /auth/callback', 'GET /auth/me', 'POST /auth/refresh', 'POST /auth/logout', 'ANY /api/*']) expect(README, route).toContain(route)
  })
})
