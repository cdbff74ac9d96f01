/**
 * `latch tenants create|list|delete`, `--tenant ID` on the clients, users, orgs and keys commands,
 * and `keys rotate --all-tenants` (issue 11; docs/architecture.md §2 "Commands"), run as the built
 * CLI on a real database, and a running `latch serve` that picks up tenants created or deleted with
 * the CLI, or added to `tenants_dir`, within `tenancy.reload_interval`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStore, type Store } from '@latch/server'
import { hostFetch } from '../../../packages/server/test/support/tenants.js'
import { CONFIG, MAIN, POSTGRES_UP, cleanEnv, cliTestFile, expectOneLineError, latch, migrated, ok, serve, workspace } from './test-harness.js'

/** A tenant's own keys: another signing alg, a client and a user of its own. */
const ACME = `tokens:
  signing_alg: ES256
  access_token_ttl: 600
clients:
  - client_id: acme-svc
    client_secret: acme-svc-secret-0123456789abcdefghijk
    grant_types: [client_credentials]
users:
  - { email: wile@acme.example, password: acme-password-123 }
`

async function withDb<T>(dir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await createStore(`sqlite:${join(dir, 'latch.db')}`, { migrate: false })
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

const ids = (json: string, key = 'id') => (JSON.parse(json) as Record<string, string>[]).map((r) => r[key])

/** Polls `url` until it answers `status` (a running server reloads every second here). */
async function eventually(url: string, status: number): Promise<void> {
  const deadline = Date.now() + 15_000
  let last = 0
  while (Date.now() < deadline) {
    last = (await hostFetch(url)).status
    if (last === status) return
    await new Promise((r) => setTimeout(r, 250))
  }
  expect(last, url).toBe(status)
}

// Each test has a workspace (config file, database) of its own, and much of its time is spent
// waiting on the database and argon2: the tests run side by side (maxConcurrency, vitest.config.ts).
cliTestFile()

describe.concurrent('latch tenants (issue 11)', { timeout: 180_000 }, () => {
  it('issue 11: `tenants create` validates the tenant file against the deployment\'s config, stores its settings and seeds its clients and users; `tenants list` shows the default first', async () => {
    const dir = await migrated()
    writeFileSync(join(dir, 'acme.yaml'), ACME)
    expect(await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example', '--tenant-config', 'acme.yaml'])).toMatch(/^created tenant acme \(https:\/\/login\.acme\.example\) at \d{4}-/)
    const globex = JSON.parse(await ok(dir, ['tenants', 'create', '--id', 'globex', '--issuer', 'https://auth.example.com/t/globex', '--json'])) as Record<string, unknown>
    expect(globex).toMatchObject({ id: 'globex', issuer: 'https://auth.example.com/t/globex', settings: {} })

    const listed = JSON.parse(await ok(dir, ['tenants', 'list', '--json'])) as Record<string, unknown>[]
    expect(listed.map(({ id, issuer, default: d }) => ({ id, issuer, default: d }))).toEqual([
      { id: 'default', issuer: 'http://localhost:9000', default: true },
      { id: 'acme', issuer: 'https://login.acme.example', default: false },
      { id: 'globex', issuer: 'https://auth.example.com/t/globex', default: false },
    ])
    const table = await ok(dir, ['tenants', 'list'])
    expect(table).toMatch(/^ID\s+ISSUER\s+CREATED_AT\ndefault\s+http:\/\/localhost:9000\s+\(default: the top-level config\)\nacme\s+https:\/\/login\.acme\.example\s+\d{4}-/)

    // Settings without the seeded lists; clients and users (hashed) in the tenant's own rows.
    await withDb(dir, async (store) => {
      const acme = await store.tenants.get('acme')
      expect(acme?.settings).toEqual({ tokens: { signing_alg: 'ES256', access_token_ttl: 600 } })
      expect(JSON.stringify(acme)).not.toMatch(/secret|password/)
      expect((await store.forTenant('acme').clients.list()).map((c) => c.client_id)).toEqual(['acme-svc'])
      expect((await store.forTenant('acme').users.getByEmail('wile@acme.example'))?.password_hash).toMatch(/^\$argon2id\$/)
      expect((await store.clients.list()).map((c) => c.client_id)).toEqual([])
    })

    // One line, exit 2 for a wrong command line, 1 for what the database or the file refuses; nothing written.
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'Acme!', '--issuer', 'https://x.example']), 2, /--id "Acme!" must be 1 to 64 of a-z, 0-9 and -/)
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'default', '--issuer', 'https://x.example']), 2, /--id default is the top-level config's tenant/)
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'https://x.example/?q=1']), 2, /^error: --issuer "https:\/\/x\.example\/\?q=1" /)
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'https://login.acme.example']), 1, /issuer https:\/\/login\.acme\.example is taken by tenant acme/)
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'http://localhost:9000']), 1, /is the default tenant's/)
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://other.example']), 1, /tenant acme already exists/)
    writeFileSync(join(dir, 'bad.yaml'), 'tokens:\n  access_token_ttl: 15m\n')
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'https://x.example', '--tenant-config', 'bad.yaml']), 1, /config: bad\.yaml\.tokens\.access_token_ttl must be an integer number of seconds/)
    writeFileSync(join(dir, 'port.yaml'), 'port: 1234\n')
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'https://x.example', '--tenant-config', 'port.yaml']), 1, /port\.yaml\.port is not a key a tenant sets/)
    writeFileSync(join(dir, 'other-id.yaml'), 'id: umbrella\n')
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'https://x.example', '--tenant-config', 'other-id.yaml']), 2, /has id "umbrella", but --id is "initech"/)
    expectOneLineError(await latch(dir, ['tenants', 'create', '--id', 'initech', '--issuer', 'https://x.example', '--tenant-config', 'missing.yaml']), 1, /--tenant-config: cannot read missing\.yaml/)
    expect(ids(await ok(dir, ['tenants', 'list', '--json']))).toEqual(['default', 'acme', 'globex'])
  })

  it('issue 11: `--tenant ID` isolates the clients and users commands, each validating with the tenant\'s own config', async () => {
    const dir = await migrated()
    writeFileSync(join(dir, 'acme.yaml'), ACME)
    await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example', '--tenant-config', 'acme.yaml'])
    const acme = ['--tenant', 'acme']

    await ok(dir, ['clients', 'create', '--id', 'web', '--redirect-uris', 'https://app.acme.example/cb', ...acme])
    expect(ids(await ok(dir, ['clients', 'list', '--json', ...acme]), 'client_id')).toEqual(['acme-svc', 'web'])
    expect(ids(await ok(dir, ['clients', 'list', '--json']), 'client_id')).toEqual([])
    expectOneLineError(await latch(dir, ['clients', 'delete', 'web']), 1, /no client with client_id web/)
    // The default tenant's config has the API as a resource; acme's has none.
    await ok(dir, ['clients', 'create', '--id', 'api-svc', '--grant-types', 'client_credentials', '--resource', 'https://api.example.com'])
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'api-svc', '--grant-types', 'client_credentials', '--resource', 'https://api.example.com', ...acme]), 2, /--resource .* not one of the resources/)
    expect(await ok(dir, ['clients', 'delete', 'web', ...acme])).toMatch(/deleted client web/)

    await ok(dir, ['users', 'create', '--email', 'road@acme.example', '--password', 'beep-beep-1234', ...acme])
    await ok(dir, ['users', 'create', '--email', 'road@acme.example', '--password', 'another-password'])
    expect(ids(await ok(dir, ['users', 'list', '--json', ...acme]), 'email')).toEqual(['road@acme.example', 'wile@acme.example'])
    expect(ids(await ok(dir, ['users', 'list', '--json']), 'email')).toEqual(['road@acme.example'])
    await ok(dir, ['users', 'update', 'wile@acme.example', '--roles', 'genius', ...acme])
    expectOneLineError(await latch(dir, ['users', 'update', 'wile@acme.example', '--roles', 'genius']), 1, /no user with email wile@acme\.example/)
    await ok(dir, ['users', 'set-password', 'wile@acme.example', '--password', 'new-acme-password', ...acme])
    expect(await ok(dir, ['users', 'delete', 'road@acme.example', ...acme])).toMatch(/deleted user/)
    expect(ids(await ok(dir, ['users', 'list', '--json']), 'email')).toEqual(['road@acme.example'])

  })

  it('issue 11: `--tenant ID` isolates the orgs and keys commands (keys rotate uses the tenant\'s tokens.signing_alg); an unknown tenant exits 1 on every family', async () => {
    const dir = await migrated()
    writeFileSync(join(dir, 'acme.yaml'), ACME)
    await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example', '--tenant-config', 'acme.yaml'])
    const acme = ['--tenant', 'acme']

    await ok(dir, ['orgs', 'create', '--id', 'labs', '--name', 'Acme Labs', ...acme])
    await ok(dir, ['orgs', 'add-member', 'labs', 'wile@acme.example', '--roles', 'admin', ...acme])
    expect(ids(await ok(dir, ['orgs', 'members', 'labs', '--json', ...acme]), 'email')).toEqual(['wile@acme.example'])
    expect(ids(await ok(dir, ['orgs', 'list', '--json']))).toEqual([])
    expectOneLineError(await latch(dir, ['orgs', 'members', 'labs']), 1, /no organization labs/)
    await ok(dir, ['orgs', 'remove-member', 'labs', 'wile@acme.example', ...acme])
    await ok(dir, ['orgs', 'delete', 'labs', ...acme])

    // Keys: acme's tokens.signing_alg (ES256), the default tenant's (RS256), apart.
    const acmeKey = JSON.parse(await ok(dir, ['keys', 'rotate', '--json', ...acme])) as { kid: string; alg: string }
    expect(acmeKey.alg).toBe('ES256')
    expect(JSON.parse(await ok(dir, ['keys', 'list', '--json']))).toEqual([])
    await ok(dir, ['keys', 'rotate'])
    const lists = { acme: JSON.parse(await ok(dir, ['keys', 'list', '--json', ...acme])) as { kid: string; alg: string }[], main: JSON.parse(await ok(dir, ['keys', 'list', '--json'])) as { kid: string; alg: string }[] }
    expect(lists.acme.map((k) => k.kid)).toEqual([acmeKey.kid])
    expect(lists.main.map((k) => k.alg)).toEqual(['RS256'])

    for (const args of [['clients', 'list'], ['users', 'create', '--email', 'x@example.com'], ['orgs', 'list'], ['keys', 'rotate'], ['keys', 'list']]) {
      expectOneLineError(await latch(dir, [...args, '--tenant', 'nope']), 1, /^error: no tenant nope \(see `latch tenants list`\)$/)
    }
    expectOneLineError(await latch(dir, ['clients', 'list', '--tenant', 'No Such']), 2, /--tenant "No Such" must be 1 to 64/)
  })

  it('issue 11: `keys rotate --all-tenants` rotates every tenant\'s keys with its own config, the default first', async () => {
    const dir = await migrated()
    writeFileSync(join(dir, 'acme.yaml'), ACME)
    await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example', '--tenant-config', 'acme.yaml'])
    await ok(dir, ['tenants', 'create', '--id', 'globex', '--issuer', 'https://login.globex.example'])
    const first = JSON.parse(await ok(dir, ['keys', 'rotate', '--all-tenants', '--json'])) as { tenant: string; alg: string; kid: string }[]
    expect(first.map(({ tenant, alg }) => ({ tenant, alg }))).toEqual([
      { tenant: 'default', alg: 'RS256' },
      { tenant: 'acme', alg: 'ES256' },
      { tenant: 'globex', alg: 'RS256' },
    ])
    const human = await latch(dir, ['keys', 'rotate', '--all-tenants'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^default \S{43}\nacme \S{43}\nglobex \S{43}\n$/)
    expect(human.stderr).toMatch(/new ES256 signing key of tenant acme \S+ signs from/)
    for (const tenant of ['acme', 'globex']) {
      const keys = JSON.parse(await ok(dir, ['keys', 'list', '--json', '--tenant', tenant])) as { status: string }[]
      expect(keys.map((k) => k.status), tenant).toEqual(['pending', 'active'])
    }
    expectOneLineError(await latch(dir, ['keys', 'rotate', '--all-tenants', '--tenant', 'acme']), 2, /--tenant and --all-tenants are mutually exclusive/)
  })

  it('issue 11: `tenants delete ID --yes` deletes the tenant and all its data; without --yes off a terminal it exits 2; default and unknown tenants are refused', async () => {
    const dir = await migrated()
    writeFileSync(join(dir, 'acme.yaml'), ACME)
    await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example', '--tenant-config', 'acme.yaml'])
    await ok(dir, ['orgs', 'create', '--id', 'labs', '--name', 'Acme Labs', '--tenant', 'acme'])
    await ok(dir, ['keys', 'rotate', '--tenant', 'acme'])
    await ok(dir, ['clients', 'create', '--id', 'keep-me', '--type', 'public', '--redirect-uris', 'http://localhost/cb'])

    expectOneLineError(await latch(dir, ['tenants', 'delete', 'acme']), 2, /deleting tenant acme deletes all its data: add --yes, or run the command in a terminal/)
    expectOneLineError(await latch(dir, ['tenants', 'delete', 'default', '--yes']), 2, /the default tenant .* cannot be deleted/)
    expectOneLineError(await latch(dir, ['tenants', 'delete', 'nope', '--yes']), 1, /no tenant nope/)
    expectOneLineError(await latch(dir, ['tenants', 'delete', '../acme', '--yes']), 2, /tenant id "\.\.\/acme" must be/)
    const deleted = await latch(dir, ['tenants', 'delete', 'acme', '--yes'])
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toBe('deleted tenant acme and all its data\n')
    expect(deleted.stderr).toMatch(/running servers stop answering for https:\/\/login\.acme\.example within 30 s/)

    expect(ids(await ok(dir, ['tenants', 'list', '--json']))).toEqual(['default'])
    expectOneLineError(await latch(dir, ['clients', 'list', '--tenant', 'acme']), 1, /no tenant acme/)
    await withDb(dir, async (store) => {
      const acme = store.forTenant('acme')
      expect(await acme.clients.list()).toEqual([])
      expect(await acme.users.list()).toEqual([])
      expect(await acme.organizations.list()).toEqual([])
      expect(await acme.keys.latestGeneration()).toBe(0)
      // The default tenant keeps everything.
      expect((await store.clients.list()).map((c) => c.client_id)).toEqual(['keep-me'])
    })
  })

  it('issue 11: `tenants delete ID` in a terminal asks for the tenant\'s id first (a real pty via script(1))', async (ctx) => {
    if (spawnSync('script', ['--version']).status !== 0) return ctx.skip()
    const dir = await migrated()
    await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example'])
    const onTerminal = (answer: string) =>
      new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
        const child = spawn('script', ['-qefc', `${process.execPath} ${MAIN} tenants delete acme`, '/dev/null'], { cwd: dir, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
        let output = ''
        let answered = false
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString()
          if (!answered && /to confirm: /.test(output)) {
            answered = true
            child.stdin.write(`${answer}\r`)
          }
        })
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          child.stdin.destroy()
          resolveRun({ code, output })
        })
      })
    const refused = await onTerminal('yes')
    expect(refused.output).toMatch(/Delete tenant acme \(https:\/\/login\.acme\.example\) with all its clients, users, keys, sessions and tokens\? This cannot be undone\. Type acme to confirm: /)
    expect(refused.output).toMatch(/error: tenant acme not deleted \(the answer was not its id\)/)
    expect(refused.code).toBe(1)
    expect(ids(await ok(dir, ['tenants', 'list', '--json']))).toEqual(['default', 'acme'])
    const confirmed = await onTerminal('acme')
    expect(confirmed.code, confirmed.output).toBe(0)
    expect(confirmed.output).toMatch(/deleted tenant acme and all its data/)
    expect(ids(await ok(dir, ['tenants', 'list', '--json']))).toEqual(['default'])
  })

  it('issue 11: a running `latch serve` answers a tenant created with the CLI, or added to tenants_dir, within tenancy.reload_interval, and stops answering one deleted', async () => {
    const dir = workspace(`${CONFIG}tenants_dir: ./tenants\ntenancy:\n  reload_interval: 1\n`)
    mkdirSync(join(dir, 'tenants'))
    const serving = await serve(dir)
    try {
      const port = new URL(String(serving.line.address)).port
      const acme = `http://login.acme.test:${port}`
      const issuerAt = async (base: string) => ((await (await hostFetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer
      // Single-tenant mode: every host is the default tenant's.
      expect(await issuerAt(acme)).toBe('http://localhost:9000')
      await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', acme])
      const deadline = Date.now() + 15_000
      while ((await issuerAt(acme)) !== acme && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
      const doc = (await (await hostFetch(`${acme}/.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string }
      expect(doc).toMatchObject({ issuer: acme, token_endpoint: `${acme}/token` })

      const beta = `http://login.beta.test:${port}`
      writeFileSync(join(dir, 'tenants', 'beta.yaml'), `issuer: ${beta}\n`)
      await eventually(`${beta}/.well-known/openid-configuration`, 200)

      await ok(dir, ['tenants', 'delete', 'acme', '--yes'])
      await eventually(`${acme}/.well-known/openid-configuration`, 404)
      await eventually(`${beta}/.well-known/openid-configuration`, 200)
    } finally {
      serving.child.kill('SIGTERM')
    }
    expect(await serving.exited).toBe(0)
  })

  it.skipIf(!POSTGRES_UP)('issue 11: on PostgreSQL, tenants create, --tenant and tenants delete work the same', async () => {
    const dir = workspace()
    const schema = `latch_cli_tenants_${process.pid}_${Date.now()}`
    const env = { LATCH_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/test?schema=${schema}` }
    try {
      await ok(dir, ['migrate'], { env })
      writeFileSync(join(dir, 'acme.yaml'), ACME)
      await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example', '--tenant-config', 'acme.yaml'], { env })
      await ok(dir, ['clients', 'create', '--id', 'web', '--type', 'public', '--redirect-uris', 'https://app.acme.example/cb', '--tenant', 'acme'], { env })
      expect(ids(await ok(dir, ['clients', 'list', '--json', '--tenant', 'acme'], { env }), 'client_id')).toEqual(['acme-svc', 'web'])
      expect(ids(await ok(dir, ['clients', 'list', '--json'], { env }), 'client_id')).toEqual([])
      expect((JSON.parse(await ok(dir, ['keys', 'rotate', '--all-tenants', '--json'], { env })) as { tenant: string }[]).map((r) => r.tenant)).toEqual(['default', 'acme'])
      await ok(dir, ['tenants', 'delete', 'acme', '--yes'], { env })
      expectOneLineError(await latch(dir, ['clients', 'list', '--tenant', 'acme'], { env }), 1, /no tenant acme/)
    } finally {
      const pg = (await import('pg')).default
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' })
      await client.connect()
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end())
    }
  })
})
