/**
 * Issue 14, the outside security review of the SIGHUP configuration reload, findings M5a, M5b and
 * M5c, over real servers (createServer on a config file, real HTTP, the test database):
 * - M5a: a refused file writes nothing (seed.ts checks every refusal before its first write).
 * - M5b: clients the file owns (`clients.source` 'config', migration 0022) and no longer lists are
 *   deleted at start too, their grants revoked; CLI-made clients stay.
 * - M5c: a removed client is dropped from the client cache just before and just after its delete.
 * L9 (SIGHUP during `latch serve`'s start) is tested with the spawned CLI (apps/cli/src/lifecycle.test.ts).
 * @see issue 14
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServer, type LatchServer } from '../../src/server.js'
import { ConfigError } from '../../src/errors.js'
import type { ClientRecord } from '../../src/storage/store.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { TEST_SECRET, basic, postForm } from '../helpers.js'

const SECRET = 'review-secret-0123456789abcdefghijklmnop'
const PASSWORD = 'erin-correct-horse-battery'
const issuer = 'http://127.0.0.1:1'

const client = (client_id: string, extra: Record<string, unknown> = {}) => ({
  client_id,
  client_secret: SECRET,
  grant_types: ['client_credentials', 'password', 'refresh_token'],
  scope: 'openid offline_access',
  ...extra,
})
const fileOf = (config: Record<string, unknown>) => JSON.stringify({ issuer, log_level: 'warn', users: [{ email: 'erin@example.com', password: PASSWORD, email_verified: true }], ...config })

describe('issue 14: security review of the configuration reload', () => {
  let db: TestDatabase
  let dir: string
  let file: string
  const servers: LatchServer[] = []

  beforeEach(async () => {
    db = await createTestDatabase()
    dir = mkdtempSync(join(tmpdir(), 'latch-reload-review-'))
    file = join(dir, 'latch.config.yaml')
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
    await db?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  async function start(config: Record<string, unknown>): Promise<{ server: LatchServer; url: string }> {
    writeFileSync(file, fileOf(config))
    const server = await createServer({ file, env: { LATCH_SECRET: TEST_SECRET, LATCH_DATABASE_URL: db.url }, logger: pino({ level: 'silent' }) })
    servers.push(server)
    return { server, url: await server.listen(0, '127.0.0.1') }
  }
  async function stop(server: LatchServer): Promise<void> {
    servers.splice(servers.indexOf(server), 1)
    await server.close()
  }
  const token = (url: string, clientId: string, params: Record<string, string> = { grant_type: 'client_credentials' }) =>
    postForm(`${url}/token`, params, { authorization: basic(clientId, SECRET) })
  const status = (url: string, clientId: string) => token(url, clientId).then(async (r) => (await r.arrayBuffer(), r.status))

  it('security review M5a: a reload refused for an unknown organization member writes nothing (the new client does not exist)', async () => {
    const { server, url } = await start({ clients: [client('svc')] })
    writeFileSync(
      file,
      fileOf({
        clients: [client('svc'), client('newapp', { redirect_uris: ['https://evil.example/cb'], grant_types: ['authorization_code'] })],
        users: [{ email: 'erin@example.com', password: 'a-changed-password-for-erin' }, { email: 'frank@example.com', password: 'frank-correct-horse-battery' }],
        organizations: [{ id: 'acme', name: 'Acme', members: [{ email: 'nobody@example.com' }] }],
      }),
    )
    const before = server.ctx
    const refused = await server.reloadConfig().catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(ConfigError)
    expect((refused as ConfigError).message).toContain('organizations[0].members[0].email')
    expect(server.ctx).toBe(before)
    const store = server.ctx.store
    expect(await store.clients.get('newapp')).toBeNull()
    expect(await store.users.getByEmail('frank@example.com')).toBeNull()
    expect(await store.organizations.get('acme')).toBeNull()
    // Erin's password did not change (a change would also have signed her out).
    const erin = await token(url, 'svc', { grant_type: 'password', username: 'erin@example.com', password: PASSWORD, scope: 'openid' })
    expect(erin.status).toBe(200)
  })

  it('security review M5a: a start refused for an unknown organization member writes nothing either', async () => {
    writeFileSync(
      file,
      fileOf({
        clients: [client('early')],
        users: [{ email: 'frank@example.com', password: 'frank-correct-horse-battery' }],
        organizations: [{ id: 'acme', name: 'Acme', members: [{ email: 'nobody@example.com' }] }],
      }),
    )
    await expect(createServer({ file, env: { LATCH_SECRET: TEST_SECRET, LATCH_DATABASE_URL: db.url }, logger: pino({ level: 'silent' }) })).rejects.toBeInstanceOf(ConfigError)
    // The same database, with a file that starts: the refused one left no user behind (nor a
    // client, though this start would delete a config-owned one it no longer lists anyway).
    const { server } = await start({ clients: [client('svc')] })
    expect(await server.ctx.store.users.getByEmail('frank@example.com')).toBeNull()
    expect(await server.ctx.store.clients.get('early')).toBeNull()
  })

  it('security review M5b: a client removed from the file is deleted at the next start, its refresh token refused; a CLI-made client stays', async () => {
    const first = await start({ clients: [client('svc'), client('gone')] })
    const tokens = (await (
      await token(first.url, 'gone', { grant_type: 'password', username: 'erin@example.com', password: PASSWORD, scope: 'openid offline_access' })
    ).json()) as { refresh_token?: string }
    expect(tokens.refresh_token).toBeTypeOf('string')
    // Made with the CLI (`latch clients create` upserts with the default source, 'cli').
    const cliClient: ClientRecord = { ...(await first.server.ctx.store.clients.get('svc'))!, client_id: 'from-cli' }
    await first.server.ctx.store.clients.upsert(cliClient, 0)
    expect(await first.server.ctx.store.clients.configOwned()).toEqual(['gone', 'svc'])
    await stop(first.server)

    const second = await start({ clients: [client('svc')] })
    const store = second.server.ctx.store
    expect(await store.clients.get('gone')).toBeNull()
    expect(await store.clients.get('from-cli')).not.toBeNull()
    expect(await status(second.url, 'from-cli')).toBe(200)
    expect(await status(second.url, 'gone')).toBe(401)
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }
    expect((await token(second.url, 'gone', refresh)).status).toBe(401)
    // Even a client registered again under the same id cannot use it: the grant was revoked with the delete.
    await store.clients.upsert({ ...cliClient, client_id: 'gone' }, 0)
    second.server.ctx.clients.invalidate('gone')
    const reused = await token(second.url, 'gone', refresh)
    expect(reused.status).toBe(400)
    expect(((await reused.json()) as { error: string }).error).toBe('invalid_grant')
  })

  it('security review M5c: a client removed by a reload is not served from the client cache once deleted', async () => {
    const { server, url } = await start({ clients: [client('svc'), client('gone-a'), client('gone-b')] })
    // Both cached (the client cache keeps a client for a few seconds).
    expect(await status(url, 'gone-a')).toBe(200)
    expect(await status(url, 'gone-b')).toBe(200)
    const area = server.ctx.store.clients
    const original = area.delete
    const during: Record<string, number> = {}
    area.delete = async (id, now) => {
      // While gone-b is being deleted, gone-a is already deleted: a token request for it must be refused.
      if (id === 'gone-b') during['gone-a'] = await status(url, 'gone-a')
      return original.call(area, id, now)
    }
    try {
      writeFileSync(file, fileOf({ clients: [client('svc')] }))
      const result = await server.reloadConfig()
      expect(result.removedClients).toEqual(['gone-a', 'gone-b'])
    } finally {
      area.delete = original
    }
    expect(during).toEqual({ 'gone-a': 401 })
    expect(await status(url, 'gone-a')).toBe(401)
    expect(await status(url, 'gone-b')).toBe(401)
    expect(await status(url, 'svc')).toBe(200)
  })
})
