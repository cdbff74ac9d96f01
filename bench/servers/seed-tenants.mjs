/**
 * Stores the tenants of the tenants scenarios (issue 11) in a Latch database before the server
 * starts on it, in a process of its own so that the server's peak RSS is that of serving, not of
 * writing 10,000 tenants. Tenant `t<N>` (issuer `http://t<N>.bench.test:<port>`) gets the demo
 * config's settings (lib/tenants.mjs), its clients (the secrets hashed once, by the config
 * loader, and stored per tenant) and alice (one argon2id hash, stored per tenant). Written through
 * the store's own API (`tenants.upsert`, `forTenant(id).clients/users.upsert`) rather than as
 * config entries, which every start would resolve. No signing key is stored: each tenant makes
 * its own on its first request.
 * Run as `node servers/seed-tenants.mjs '<json>'` with { database, dir, port, alg, count }.
 */
import { latchBenchConfig } from '../lib/latch-config.mjs'
import { USER } from '../lib/fixtures.mjs'
import { tenantId, tenantSettings, TENANT_DOMAIN } from '../lib/tenants.mjs'

const o = JSON.parse(process.argv[2])
const { createStore, hashPassword, loadConfig } = await import(o.module ?? '@latch/server')
const { config } = loadConfig({
  config: latchBenchConfig({ issuer: `http://127.0.0.1:${o.port}`, port: o.port, alg: o.alg, dir: o.dir, database: o.database }),
  env: { LATCH_SECRET: o.secret },
  cwd: o.dir,
})
const store = await createStore(config.database, { migrate: true })
try {
  const now = Math.floor(Date.now() / 1000)
  const settings = tenantSettings(o.alg)
  const { email, password, email_verified, ...claims } = USER
  const passwordHash = await hashPassword(password)
  for (let n = 0; n < o.count; n++) {
    const id = tenantId(n)
    await store.tenants.upsert({ id, issuer: `http://${id}${TENANT_DOMAIN}:${o.port}`, settings }, now)
    const tenant = store.forTenant(id)
    for (const client of config.clients) await tenant.clients.upsert(client, now)
    await tenant.users.upsert({ email, email_verified, password_hash: passwordHash, claims }, now)
  }
} finally {
  await store.close()
}
