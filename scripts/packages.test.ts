/**
 * What every published package promises (issue 8, issue 14 "Packaging"): the Apache-2.0 LICENSE
 * text and a README shipped inside it (npm publishes only the package directory, so each carries
 * a copy of the root LICENSE, listed in `files`), the Node versions of the root `engines`, peer
 * dependencies as ranges (an exact pin makes npm refuse any other version of express, fastify,
 * hono or react beside ours with ERESOLVE), `exports` with types, public access for the scope, and
 * a tarball (`npm pack --dry-run --json`) of built code, types, README and LICENSE only, whose
 * every bare import is a declared dependency. The ranges' floors are tested by the `peer-floor`
 * vitest project; scripts/pack-install.mjs (CI, after `npm test`) installs the real tarballs
 * outside the monorepo at both ends of every peer range.
 * @see https://docs.npmjs.com/cli/v11/configuring-npm/package-json#files
 * @see https://docs.npmjs.com/cli/v11/configuring-npm/package-json#peerdependencies
 * @see https://nodejs.org/api/packages.html#package-entry-points
 * @see issue 8
 * @see issue 14
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const root = JSON.parse(read('package.json')) as { engines: { node: string } }
/** The packages published to npm; the `latch` command is @latch/server's bin (apps/cli is private sources). */
const PUBLISHED = ['packages/server', 'packages/client', 'packages/resource-server', 'packages/react']

type Condition = { types?: string; default?: string }
interface Manifest {
  name: string
  version: string
  private?: boolean
  license?: string
  files?: string[]
  main?: string
  types?: string
  bin?: Record<string, string>
  exports?: Record<string, Condition>
  engines?: { node?: string }
  publishConfig?: { access?: string }
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

interface PackEntry { path: string; mode: number }

const manifests = new Map(PUBLISHED.map((dir) => [dir, JSON.parse(read(`${dir}/package.json`)) as Manifest]))
const versions = new Map([...manifests.values()].map((m) => [m.name, m.version]))

/** What `npm pack` would put in the tarball (no scripts run, nothing written). */
function packFiles(dir: string): PackEntry[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(ROOT, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
  const [result] = JSON.parse(out) as [{ files: PackEntry[] }]
  return result.files
}

/**
 * The package names of the bare imports of a module tsc emitted: `import … from`, `export … from`
 * and `import '…'` statements (one per line, at the line's start, so never a comment's example) and
 * dynamic `import('…')`.
 */
function bareImports(code: string): Set<string> {
  const names = new Set<string>()
  const statements = /^(?:import|export)\s[^'"\n]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm
  for (const m of code.matchAll(statements)) {
    const spec = (m[1] ?? m[2] ?? m[3]) as string
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string)
    if (builtinModules.includes(name)) continue
    names.add(name)
  }
  return names
}

describe('published packages', () => {
  for (const dir of PUBLISHED) {
    const manifest = manifests.get(dir) as Manifest
    it(`${manifest.name}: ships the Apache-2.0 LICENSE and a README, supports the root's Node versions, takes peer ranges`, () => {
      expect(manifest.private).toBeUndefined()
      expect(manifest.license).toBe('Apache-2.0')
      expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']))
      expect(read(`${dir}/LICENSE`), `${dir}/LICENSE is the root LICENSE`).toBe(read('LICENSE'))
      expect(read(`${dir}/README.md`)).toMatch(new RegExp(`^# ${manifest.name.replace('/', '\\/')}\\n`))
      expect(manifest.engines?.node).toBe(root.engines.node)
      for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
        expect(range, `peer ${name} is a range, not an exact version`).not.toMatch(/^\d+\.\d+\.\d+$/)
      }
      // A scoped package is private on the registry unless published with public access.
      expect(manifest.publishConfig?.access).toBe('public')
    })

    it(`Node.js "Package entry points": ${manifest.name}'s exports name types first, then the code, both in dist/`, () => {
      expect(manifest.exports?.['.']).toBeDefined()
      expect(manifest.types).toBe(manifest.exports?.['.']?.types)
      expect(manifest.main).toBe(manifest.exports?.['.']?.default)
      for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
        // TypeScript takes the first matching condition: `types` must come before `default`.
        expect(Object.keys(conditions), subpath).toEqual(['types', 'default'])
        expect(conditions.types, subpath).toMatch(/^\.\/dist\/.+\.d\.ts$/)
        expect(conditions.default, subpath).toBe(conditions.types?.replace(/\.d\.ts$/, '.js'))
      }
    })

    it(`npm pack: ${manifest.name}'s tarball holds built code, types, README and LICENSE only, and every import it makes is declared`, () => {
      const files = packFiles(dir)
      const paths = files.map((f) => f.path)
      for (const path of paths) {
        expect(path, `${manifest.name} ships ${path}`).toMatch(/^(package\.json|README\.md|LICENSE|bin\/[a-z-]+\.js|dist\/.+\.(js|d\.ts))$/)
        expect(path, 'no test or test helper is published').not.toMatch(/(\.test\.|\/test-|\/test\/)/)
      }
      expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']))
      for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
        expect(paths, `exports["${subpath}"].types`).toContain(conditions.types?.slice(2))
        expect(paths, `exports["${subpath}"].default`).toContain(conditions.default?.slice(2))
      }
      for (const [name, target] of Object.entries(manifest.bin ?? {})) {
        const entry = files.find((f) => f.path === target.replace(/^\.\//, ''))
        expect(entry, `bin ${name}`).toBeDefined()
        expect((entry as PackEntry).mode & 0o111, `bin ${name} is executable`).not.toBe(0)
      }
      // Declared: a dependency, a peer, or the package itself (the CLI imports '@latch/server/admin').
      const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})])
      const missing = new Map<string, string>()
      for (const path of paths.filter((p) => p.endsWith('.js'))) {
        for (const name of bareImports(read(`${dir}/${path}`))) if (!declared.has(name)) missing.set(name, path)
      }
      expect(Object.fromEntries(missing), `${manifest.name}: imported but not in dependencies or peerDependencies`).toEqual({})
      // Workspace siblings are pinned to the version published beside them.
      for (const [name, version] of Object.entries(manifest.dependencies ?? {})) {
        if (versions.has(name)) expect(version, name).toBe(versions.get(name))
      }
    })
  }

  it('issue 14: @latch/server carries the `latch` command (apps/cli is built into its dist/cli/), and apps/cli is not published', () => {
    const server = manifests.get('packages/server') as Manifest
    expect(server.bin).toEqual({ latch: './bin/latch.js' })
    expect(server.files).toContain('bin')
    const paths = packFiles('packages/server').map((f) => f.path)
    expect(paths).toEqual(expect.arrayContaining(['bin/latch.js', 'dist/cli/main.js', 'dist/cli/commands/serve.js']))
    const cli = JSON.parse(read('apps/cli/package.json')) as Manifest & { dependencies: Record<string, string> }
    expect(cli.private).toBe(true)
    // The CLI's own dependencies are the server's, at the same versions, since they ship in its tarball.
    for (const [name, version] of Object.entries(cli.dependencies)) {
      if (name !== '@latch/server') expect(server.dependencies?.[name], name).toBe(version)
    }
  })

  it('LICENSE is the Apache License 2.0 text', () => {
    const text = read('LICENSE')
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//)
    expect(text).toContain('END OF TERMS AND CONDITIONS')
  })
})
