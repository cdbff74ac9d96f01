/**
 * Which version of each peer dependency the adapter and BFF tests import: the upper end of each
 * peer range (the version installed under the real name) in the `sqlite` project, its lower end
 * (the npm alias in the devDependencies) in `peer-floor` (vitest.config.ts), so that a run of both
 * really tests both ends of the ranges in packages/resource-server and packages/client. (Hono
 * exports no package.json; the same plugin maps it, and its floor, 4.7.0, is what made the
 * form-body case of adapters.case.test.ts fail before the Hono adapter read a copy of the body.)
 * @see https://docs.npmjs.com/cli/v11/configuring-npm/package-json#peerdependencies
 * @see issue 8
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import expressPackage from 'express/package.json' with { type: 'json' }
import fastifyPackage from 'fastify/package.json' with { type: 'json' }
import fastifyPluginPackage from 'fastify-plugin/package.json' with { type: 'json' }
import cookiePackage from '@fastify/cookie/package.json' with { type: 'json' }

type Manifest = { peerDependencies: Record<string, string>; devDependencies: Record<string, string> }
const manifest = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Manifest
const resourceServer = manifest('../package.json')
const client = manifest('../../client/package.json')

const FLOOR = process.env.LATCH_PEER_FLOOR === '1'
/** The devDependency `alias` (`npm:fastify@5.0.0`) → `5.0.0`. */
const aliased = (deps: Record<string, string>, alias: string) => /@(\d+\.\d+\.\d+)$/.exec(deps[alias] ?? '')?.[1]

describe(`peer dependency versions under test (${FLOOR ? 'lower' : 'upper'} ends)`, () => {
  const cases = [
    { name: 'express', loaded: expressPackage.version, deps: resourceServer, alias: 'express-4' },
    { name: 'fastify', loaded: fastifyPackage.version, deps: resourceServer, alias: 'fastify-5-0' },
    { name: 'fastify-plugin', loaded: fastifyPluginPackage.version, deps: resourceServer, alias: 'fastify-plugin-5' },
    { name: '@fastify/cookie', loaded: cookiePackage.version, deps: client, alias: 'fastify-cookie-11-0' },
  ]
  for (const c of cases) {
    it(`${c.name}: the ${FLOOR ? 'lowest version of the peer range' : 'version installed as devDependency'}`, () => {
      const expected = FLOOR ? aliased(c.deps.devDependencies, c.alias) : c.deps.devDependencies[c.name]
      expect(expected).toBeDefined()
      expect(c.loaded).toBe(expected)
      if (FLOOR) expect(c.deps.peerDependencies[c.name], 'the range starts at the tested floor').toMatch(new RegExp(`^\\^${expected!.replace(/\./g, '\\.')}\\b`))
    })
  }
})
