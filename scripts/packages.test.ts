/**
 * What every published package promises in its package.json (issue 8): the Apache-2.0 LICENSE
 * text shipped inside it (npm publishes only the package directory, so each carries a copy of the
 * root LICENSE, listed in `files`), the Node versions of the root `engines`, and peer dependencies
 * as ranges (an exact pin makes npm refuse any other version of express, fastify, hono or react
 * beside ours with ERESOLVE). The ranges' floors are tested by the `peer-floor` vitest project.
 * @see https://docs.npmjs.com/cli/v11/configuring-npm/package-json#files
 * @see https://docs.npmjs.com/cli/v11/configuring-npm/package-json#peerdependencies
 * @see issue 8
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const root = JSON.parse(read('package.json')) as { engines: { node: string } }
const PUBLISHED = ['packages/server', 'packages/client', 'packages/resource-server', 'packages/react', 'apps/cli']

interface Manifest {
  name: string
  private?: boolean
  license?: string
  files?: string[]
  engines?: { node?: string }
  peerDependencies?: Record<string, string>
}

describe('published packages', () => {
  for (const dir of PUBLISHED) {
    const manifest = JSON.parse(read(`${dir}/package.json`)) as Manifest
    it(`${manifest.name}: ships the Apache-2.0 LICENSE, supports the root's Node versions, takes peer ranges`, () => {
      expect(manifest.private).toBeUndefined()
      expect(manifest.license).toBe('Apache-2.0')
      expect(manifest.files).toContain('LICENSE')
      expect(read(`${dir}/LICENSE`), `${dir}/LICENSE is the root LICENSE`).toBe(read('LICENSE'))
      expect(manifest.engines?.node).toBe(root.engines.node)
      for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
        expect(range, `peer ${name} is a range, not an exact version`).not.toMatch(/^\d+\.\d+\.\d+$/)
      }
    })
  }

  it('LICENSE is the Apache License 2.0 text', () => {
    const text = read('LICENSE')
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//)
    expect(text).toContain('END OF TERMS AND CONDITIONS')
  })
})
