/**
 * Issue 14 (review M5b): who may change a client the config file owns. The file is written again
 * at every start and reload, so through the admin API or the console (`via` 'api', 'console') a
 * change to it is `conflict`; the CLI, whose user holds the file, may still make it. And a
 * client's secret rotated: a new one returned once, the old one's hash replaced, recorded masked.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js'
import { loadConfig } from '../config/load.js'
import { systemClock } from '../lib/clock.js'
import { createStore } from '../storage/kysely-store.js'
import type { Store } from '../storage/store.js'
import { MASKED } from './admin-change.js'
import { createClient, deleteClient, rotateClientSecret, updateClient } from './clients.js'
import type { ManagementScope } from './scope.js'

const SECRET = 'clients-test-secret-0123456789abcdef0123'
const opened: { store: Store; db: TestDatabase }[] = []

afterEach(async () => {
  for (const { store, db } of opened.splice(0)) {
    await store.close()
    await db.dispose()
  }
})

async function scopes(): Promise<Record<'cli' | 'api', ManagementScope>> {
  const db = await createTestDatabase('sqlite')
  const { config } = loadConfig({ config: { issuer: 'https://id.example.com', database: db.url }, env: { LATCH_SECRET: SECRET }, cwd: db.dir })
  const store = await createStore(db.url, { migrate: true })
  opened.push({ store, db })
  const base = { store, config, clock: systemClock, tenant: 'default' }
  return { cli: { ...base, actor: { type: 'admin', id: 'ops' }, via: 'cli' }, api: { ...base, actor: { type: 'client', id: 'ops-api' }, via: 'api', ip: '192.0.2.7' } }
}

describe('issue 14: config-owned clients and secret rotation', () => {
  it('review M5b: a config-owned client is conflict through the API, but the CLI may still delete it', async () => {
    const { cli, api } = await scopes()
    const { client } = await createClient(cli, { client_id: 'filed', grant_types: ['client_credentials'] })
    await cli.store.clients.upsert(client, systemClock.now(), 'config')
    await expect(updateClient(api, 'filed', { client_name: 'X' })).rejects.toMatchObject({ code: 'conflict', detail: { source: 'config' } })
    await expect(rotateClientSecret(api, 'filed')).rejects.toMatchObject({ code: 'conflict' })
    await expect(deleteClient(api, 'filed')).rejects.toMatchObject({ code: 'conflict' })
    expect(await api.store.clients.get('filed')).not.toBeNull()
    await deleteClient(cli, 'filed')
    expect(await cli.store.clients.get('filed')).toBeNull()
  })

  it('RFC 6749 §2.3.1: rotateClientSecret replaces the hash, keeps the registration and records the change masked; a public client has none', async () => {
    const { api } = await scopes()
    const created = await createClient(api, { client_id: 'svc', client_name: 'Service', grant_types: ['client_credentials'] })
    const { client, secret } = await rotateClientSecret(api, 'svc')
    expect(secret).not.toBe(created.secret)
    expect(client.client_secret_hash).not.toBe(created.client.client_secret_hash)
    expect(await api.store.clients.get('svc')).toMatchObject({ client_name: 'Service', client_secret_hash: client.client_secret_hash, auth_method_pinned: false })
    const [record] = (await api.store.audit.list({ types: ['admin.client.secret_rotated'] })).records
    expect(record).toMatchObject({ actor: { type: 'client', id: 'ops-api' }, client_id: 'ops-api', ip: '192.0.2.7', data: { via: 'api', after: { client_secret_hash: MASKED } } })
    expect(JSON.stringify(record)).not.toContain(secret)
    await createClient(api, { client_id: 'pub', token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example.com/cb'] })
    await expect(rotateClientSecret(api, 'pub')).rejects.toMatchObject({ code: 'refused' })
    await expect(rotateClientSecret(api, 'ghost')).rejects.toMatchObject({ code: 'not_found' })
  })
})
