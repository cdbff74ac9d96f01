/**
 * Scheduled key rotation per tenant (issue 11, `tokens.rotation_interval`), with an injected clock:
 * due tenants get one new key (published now, signing after the activation delay), tenants with
 * the schedule off or never used get none, and two nodes checking at once add one key between
 * them. Runs on SQLite and PostgreSQL (vitest projects).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { createServer } from '../../src/server.js'
import type { SigningKeyRecord } from '../../src/storage/store.js'
import { hostFetch, startTenantsServer, type TenantName, type TenantsServer } from '../support/tenants.js'
import { TEST_SECRET } from '../helpers.js'

const HOUR = 3600
const clock = new ManualClock(1_900_000_000)
let t: TenantsServer

const TENANT_OF: Record<TenantName, string> = { main: 'default', acme: 'acme', globex: 'globex', initech: 'initech' }

/** The main (non-companion) keys of a tenant, newest first. */
async function mainKeys(name: TenantName): Promise<SigningKeyRecord[]> {
  return (await t.server.ctx.store.forTenant(TENANT_OF[name]).keys.list(clock.now())).filter((k) => k.companion_of === null)
}

/** The tenant's newest key generation: how many main keys it ever had (expired ones leave the list). */
async function generation(name: TenantName): Promise<number> {
  return t.server.ctx.store.forTenant(TENANT_OF[name]).keys.latestGeneration()
}

beforeAll(async () => {
  t = await startTenantsServer({
    clock,
    // Checks run when a test says so: the timer waits an hour of real time.
    config: { tenancy: { reload_interval: HOUR } },
    perTenant: { main: { tokens: { rotation_interval: 2 * HOUR } }, acme: { tokens: { rotation_interval: HOUR } }, initech: { tokens: { rotation_interval: HOUR } } },
  })
  // Keys exist once a tenant is used: acme and globex are, initech is not.
  for (const name of ['acme', 'globex'] as const) expect((await hostFetch(`${t.issuers[name]}/jwks`)).status).toBe(200)
}, 60_000)
afterAll(async () => {
  await t?.close()
})

describe('scheduled key rotation (issue 11, tokens.rotation_interval)', () => {
  it('issue 11 + OIDC Core §10.1.1: a tenant whose newest key is as old as its interval gets one new key, published now and signing after the activation delay; others are left alone', async () => {
    await t.server.reloadTenants()
    expect((await mainKeys('acme')).length).toBe(1)

    clock.advance(HOUR)
    await t.server.reloadTenants()
    const acme = await mainKeys('acme')
    expect(acme).toHaveLength(2)
    const [fresh, old] = acme as [SigningKeyRecord, SigningKeyRecord]
    expect(fresh.created_at).toBe(clock.now())
    expect(fresh.activates_at).toBe(clock.now() + t.server.config.tokens.key_activation_delay)
    expect(old.retired_at).toBe(fresh.activates_at)
    // Published at once by the node that rotated it: the tenant's JWK Set lists both.
    const jwks = (await (await hostFetch(`${t.issuers.acme}/jwks`)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([fresh.kid, old.kid]))
    // Not due yet (2 h), off (globex: 0, the default a tenant gets), never used (initech: no key to rotate).
    expect(await mainKeys('main')).toHaveLength(1)
    expect(await mainKeys('globex')).toHaveLength(1)
    expect(await mainKeys('initech')).toHaveLength(0)
    // A second check at the same time adds nothing: the newest key is new.
    await t.server.reloadTenants()
    expect(await mainKeys('acme')).toHaveLength(2)

    clock.advance(HOUR)
    await t.server.reloadTenants()
    expect(await mainKeys('main')).toHaveLength(2)
    expect(await mainKeys('acme')).toHaveLength(3)
    expect(await mainKeys('globex')).toHaveLength(1)
  })

  it('issue 11: two nodes that find a tenant due at once add one key between them (the loser adopts the winner\'s)', async () => {
    // A second node on the same database: the stored tenants are its too.
    const second = await node()
    try {
      const before = { main: await generation('main'), acme: await generation('acme') }
      clock.advance(2 * HOUR)
      await Promise.all([t.server.reloadTenants(), second.reloadTenants()])
      expect(await generation('main')).toBe(before.main + 1)
      expect(await generation('acme')).toBe(before.acme + 1)
    } finally {
      await second.close()
    }
  })

  it('issue 11: every node runs the schedule on its own every tenancy.reload_interval', async () => {
    const third = await node({ tenancy: { reload_interval: 1 } })
    try {
      const before = await generation('acme')
      clock.advance(HOUR)
      const deadline = Date.now() + 10_000
      while ((await generation('acme')) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      expect(await generation('acme')).toBe(before + 1)
    } finally {
      await third.close()
    }
  })
})

/** Another node of the deployment: the default tenant's config, the same database and clock. */
function node(config: Record<string, unknown> = {}) {
  return createServer({
    config: { database: t.db.url, issuer: t.issuers.main, tokens: { rotation_interval: 2 * HOUR }, ...config },
    env: { LATCH_SECRET: TEST_SECRET },
    logger: pino({ level: 'silent' }),
    cwd: t.db.dir,
    clock,
  })
}
