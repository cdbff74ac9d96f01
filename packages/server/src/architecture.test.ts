/**
 * The dependency rules of STYLE.md, checked mechanically: data flows endpoint → grant/interaction
 * → store. Only `storage/` talks SQL; grants, tokens, keys, clients and users never see HTTP.
 * Interaction decisions and sessions take plain data and return outcomes and cookie changes; the
 * page routes and the cookie I/O live in endpoints/ (issue 9).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('.', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : []
  })
}

const files = sources(root).map((path) => ({
  path: relative(root, path),
  imports: [...readFileSync(path, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
}))

describe('STYLE dependency rules', () => {
  it('only storage/ imports Kysely and the database drivers', () => {
    const offenders = files.filter((f) => !f.path.startsWith('storage/') && f.imports.some((i) => /^(kysely|better-sqlite3|pg)$/.test(i)))
    expect(offenders.map((f) => f.path)).toEqual([])
  })

  it('grants, tokens, keys, clients, users, config and storage never import Fastify', () => {
    const httpFree = /^(grants|tokens|keys|clients|users|config|storage|lib)\//
    const offenders = files.filter((f) => httpFree.test(f.path) && f.imports.some((i) => i === 'fastify' || i.startsWith('@fastify/')))
    expect(offenders.map((f) => f.path)).toEqual([])
  })

  it('endpoints never import storage implementations (only the Store interface)', () => {
    const offenders = files.filter((f) => /^(endpoints|grants|interaction|sessions)\//.test(f.path) && f.imports.some((i) => /storage\/(kysely-store|dialects|migrations|database)/.test(i)))
    expect(offenders.map((f) => f.path)).toEqual([])
  })

  it('interaction/ and sessions/ import neither Fastify nor endpoints/ (decisions without HTTP, issue 9)', () => {
    const offenders = files.filter(
      (f) => /^(interaction|sessions)\//.test(f.path) && f.imports.some((i) => i === 'fastify' || i.startsWith('@fastify/') || /(^|\/)endpoints\//.test(i)),
    )
    expect(offenders.map((f) => f.path)).toEqual([])
  })

  it('index.ts only re-exports', () => {
    const index = readFileSync(join(root, 'index.ts'), 'utf8')
    const statements = index.split('\n').filter((l) => l.trim() && !l.trim().startsWith('/') && !l.trim().startsWith('*'))
    for (const line of statements) expect(line).toMatch(/^export /)
  })
})
