/**
 * Signing keys across nodes (issue 4; OIDC Core §10.1.1): keys live in the database, and
 * - nodes cold-starting together on an empty schema agree on ONE first key (the unique key
 *   generation is the lock), instead of each generating and retiring the other's;
 * - a rotation (`latch keys rotate`, from any process) reaches every node within
 *   `tokens.key_reload_interval`, and every node's JWKS publishes the new key before any node
 *   signs with it: the key signs only from `activates_at`, `tokens.key_activation_delay` later.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import { decodeProtectedHeader } from 'jose'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { Cluster, clusterConfig, clusterSkipReason, PG_URL, post, SERVICE_AUTH, type LatchNode } from '../cluster.js'

const skipped = await clusterSkipReason()
if (skipped) console.log(skipped)

const clusters: Cluster[] = []
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()))
})

async function jwksKids(node: LatchNode): Promise<string[]> {
  const res = await fetch(`${node.url}${PATHS.jwks}`)
  const body = (await res.json()) as { keys: { kid: string }[] }
  return body.keys.map((k) => k.kid)
}

async function tokenKid(node: LatchNode): Promise<string> {
  const answer = await post(node, PATHS.token, { grant_type: 'client_credentials', scope: 'read:data' }, SERVICE_AUTH)
  expect(answer.status).toBe(200)
  const kid = decodeProtectedHeader(answer.body.access_token as string).kid
  if (kid === undefined) throw new Error('access token without kid')
  return kid
}

async function storedKeys(cluster: Cluster): Promise<{ kid: string; generation: string }[]> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return (await client.query(`SELECT kid, generation FROM "${cluster.schema}".signing_keys ORDER BY generation`)).rows as { kid: string; generation: string }[]
  } finally {
    await client.end()
  }
}

describe.skipIf(skipped !== undefined)('signing keys across nodes (issue 4)', () => {
  it('issue 4: three nodes cold-starting together on an empty schema create one signing key and all sign with it', async () => {
    const cluster = await Cluster.start({ name: 'keys_cold', config: clusterConfig, nodes: 3, startup: 'together' })
    clusters.push(cluster)
    const keys = await storedKeys(cluster)
    expect(keys, cluster.logs()).toHaveLength(1)
    for (const node of cluster.nodes) {
      expect(await jwksKids(node)).toEqual([keys[0]!.kid])
      expect(await tokenKid(node)).toBe(keys[0]!.kid)
    }
  })

  it('OIDC Core §10.1.1: a rotation is published by every node within the reload interval, before any node signs with it', async () => {
    const cluster = await Cluster.start({
      name: 'keys_rotate',
      config: { ...clusterConfig, tokens: { signing_alg: 'ES256', key_reload_interval: 1, key_activation_delay: 8 } },
      nodes: 2,
    })
    clusters.push(cluster)
    const oldKid = await tokenKid(cluster.node(0))
    const rotated = JSON.parse(await cluster.cli(['keys', 'rotate', '--json'])) as { kid: string; activates_at: number }
    const rotatedAt = Date.now() / 1000
    // The CLI's own start-up eats into the delay; on a loaded machine that can be seconds.
    expect(rotated.activates_at - rotatedAt).toBeGreaterThan(3)

    // Until activation: the old key signs everywhere; within the reload bound every JWKS lists both.
    const seen = new Set<string>()
    let publishedEverywhereAt: number | undefined
    while (Date.now() / 1000 < rotated.activates_at - 0.5) {
      for (const node of cluster.nodes) {
        const kid = await tokenKid(node)
        seen.add(kid)
        // A token's kid is always in every node's JWKS at the moment it is issued.
        for (const other of cluster.nodes) expect(await jwksKids(other)).toContain(kid)
      }
      const everywhere = (await Promise.all(cluster.nodes.map(jwksKids))).every((kids) => kids.includes(rotated.kid))
      if (everywhere) publishedEverywhereAt ??= Date.now() / 1000
      await new Promise((r) => setTimeout(r, 200))
    }
    expect([...seen]).toEqual([oldKid])
    expect(publishedEverywhereAt, 'every node publishes the new key').toBeDefined()
    // key_reload_interval is 1 s; allow the timer's and a loaded machine's slack.
    expect(publishedEverywhereAt! - rotatedAt).toBeLessThan(3)

    // After activation every node signs with the new key, by its clock, and the old key stays published.
    await new Promise((r) => setTimeout(r, Math.max(0, (rotated.activates_at + 1) * 1000 - Date.now())))
    for (const node of cluster.nodes) {
      expect(await tokenKid(node)).toBe(rotated.kid)
      expect(await jwksKids(node)).toEqual([rotated.kid, oldKid])
    }
  })
})
