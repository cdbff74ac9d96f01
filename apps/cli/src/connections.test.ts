/**
 * Issue 12: `latch connections create|list|delete` on a real database: validated like the config
 * file (usage errors naming the flag), the secret stored encrypted and never printed, the redirect
 * URI printed, `--tenant`, and delete taking the identities but leaving the users.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exportPKCS8, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { createStore, type Store } from '@latch/server/admin'
import { connectionFromRecord } from '../../../packages/server/src/connections/records.js'
import { SECRET, cliTestFile, expectOneLineError, latch, migrated, ok } from './test-harness.js'

const UPSTREAM_SECRET = 'GOCSPX-upstream-secret-${NOT_A_VAR}-value'

async function withDb<T>(dir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await createStore(`sqlite:${join(dir, 'latch.db')}`, { migrate: false })
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

// Each test has a workspace (config file, database) of its own, and much of its time is spent
// waiting on the database and argon2: the tests run side by side (maxConcurrency, vitest.config.ts).
cliTestFile()

describe.concurrent('latch connections (issue 12)', { timeout: 120_000 }, () => {
  it('create prints the redirect URI; the secret (from stdin) is stored encrypted and never printed; list shows it', async () => {
    const dir = await migrated()
    const run = await latch(dir, ['connections', 'create', '--id', 'google', '--type', 'google', '--client-id', '123.apps.googleusercontent.com', '--client-secret-stdin'], { input: `${UPSTREAM_SECRET}\n` })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe('created connection google; redirect URI: http://localhost:9000/connections/google/callback\n')
    expect(run.stdout + run.stderr).not.toContain('upstream-secret')

    await withDb(dir, async (store) => {
      const record = (await store.connections.get('google'))!
      expect(record).toMatchObject({ type: 'google', display_name: 'Google', source: 'cli' })
      expect(record.secrets_encrypted).not.toContain('upstream-secret')
      expect(JSON.stringify(record.settings)).not.toContain('upstream-secret')
      // The `${…}` in it was not substituted: the secret is kept byte for byte.
      expect((await connectionFromRecord(record, SECRET)).secrets).toEqual({ client_secret: UPSTREAM_SECRET })
    })

    const table = await ok(dir, ['connections', 'list'])
    expect(table.split('\n')[0]).toMatch(/^ID\s+TYPE\s+NAME\s+ORGANIZATION\s+SOURCE\s+REDIRECT_URI$/)
    expect(table).toMatch(/^google\s+google\s+Google\s+-\s+cli\s+http:\/\/localhost:9000\/connections\/google\/callback$/m)
    const listed = JSON.parse(await ok(dir, ['connections', 'list', '--json'])) as Record<string, unknown>[]
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ id: 'google', type: 'google', issuer: 'https://accounts.google.com', scope: 'openid email profile', redirect_uri: 'http://localhost:9000/connections/google/callback' })
    expect(JSON.stringify(listed)).not.toMatch(/secrets_encrypted|digest|upstream-secret/)

    expectOneLineError(await latch(dir, ['connections', 'create', '--id', 'google', '--type', 'github', '--client-id', 'x', '--client-secret-env', 'GH'], { env: { GH: 'gh-secret' } }), 1, /connection google already exists/)
  })

  it('--client-secret-env, --json (no secret in it), oauth2 endpoints and an Apple key file', async () => {
    const dir = await migrated()
    const json = JSON.parse(await ok(dir, ['connections', 'create', '--id', 'corp', '--type', 'oauth2', '--name', 'Corp', '--client-id', 'latch',
      '--client-secret-env', 'CORP_SECRET', '--authorization-endpoint', 'https://corp.example/authorize', '--token-endpoint', 'https://corp.example/token',
      '--userinfo-endpoint', 'https://corp.example/me', '--scope', 'profile  email', '--federated-logout', '--json'], { env: { CORP_SECRET: 'corp-secret-value' } })) as Record<string, unknown>
    expect(json).toMatchObject({ id: 'corp', type: 'oauth2', display_name: 'Corp', scope: 'profile email', federated_logout: true, token_endpoint: 'https://corp.example/token', source: 'cli', redirect_uri: 'http://localhost:9000/connections/corp/callback' })
    expect(JSON.stringify(json)).not.toContain('corp-secret-value')

    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    writeFileSync(join(dir, 'AuthKey_KEY1234567.p8'), await exportPKCS8(privateKey))
    expect(await ok(dir, ['connections', 'create', '--id', 'apple', '--type', 'apple', '--client-id', 'com.example.web', '--team-id', 'TEAM123456', '--key-id', 'KEY1234567', '--private-key-file', 'AuthKey_KEY1234567.p8']))
      .toContain('redirect URI: http://localhost:9000/connections/apple/callback')
    await withDb(dir, async (store) => {
      const apple = await connectionFromRecord((await store.connections.get('apple'))!, SECRET)
      expect(apple).toMatchObject({ response_mode: 'form_post', apple: { team_id: 'TEAM123456', key_id: 'KEY1234567' } })
      expect(apple.secrets.private_key).toContain('BEGIN PRIVATE KEY')
      expect((await store.connections.get('apple'))!.secrets_encrypted).not.toContain('PRIVATE KEY')
    })
  })

  it('validated like the config file: usage errors (exit 2) name the flag, never the secret', async () => {
    const dir = await migrated()
    const create = (args: string[], env: Record<string, string> = { S: 'hidden-secret-value' }) => latch(dir, ['connections', 'create', ...args], { env })
    expectOneLineError(await create(['--id', 'Bad_Id', '--type', 'google', '--client-id', 'x', '--client-secret-env', 'S']), 2, /^error: --id /)
    expectOneLineError(await create(['--id', 'corp', '--type', 'oidc', '--client-id', 'x', '--client-secret-env', 'S']), 2, /^error: --issuer is required for type oidc/)
    expectOneLineError(await create(['--id', 'corp', '--type', 'oidc', '--client-id', 'x', '--client-secret-env', 'S', '--issuer', 'http://idp.example.com']), 2, /^error: --issuer must use https/)
    expectOneLineError(await create(['--id', 'gh', '--type', 'github', '--client-id', 'x']), 2, /^error: --client-secret-stdin \(or --client-secret-env\) is required/)
    expectOneLineError(await create(['--id', 'gh', '--type', 'github', '--client-id', 'x', '--client-secret-env', 'UNSET_VAR']), 2, /--client-secret-env: UNSET_VAR is not set/)
    expectOneLineError(await create(['--id', 'gh', '--type', 'github', '--client-secret-env', 'S']), 2, /--client-id is required/)
    expectOneLineError(await create(['--id', 'ap', '--type', 'apple', '--client-id', 'x', '--team-id', 'T']), 2, /^error: --key-id is required for Apple/)
    const unknownType = await create(['--id', 'x', '--type', 'myspace', '--client-id', 'x'])
    expect(unknownType.code).toBe(2)
    expect(unknownType.stderr).toMatch(/--type/)
    writeFileSync(join(dir, 'not-a-key.p8'), 'hidden-secret-value')
    const badKey = await create(['--id', 'ap', '--type', 'apple', '--client-id', 'x', '--team-id', 'T', '--key-id', 'K', '--private-key-file', 'not-a-key.p8'])
    expectOneLineError(badKey, 2, /^error: --private-key-file must be a PKCS#8 PEM private key/)
    for (const run of [badKey]) expect(run.stderr).not.toContain('hidden-secret-value')
    expect(await withDb(dir, (store) => store.connections.list())).toEqual([])
  })

  it('delete removes the connection and its identities; the user stays; --yes is needed without a terminal; --tenant works on one tenant', async () => {
    const dir = await migrated()
    await ok(dir, ['connections', 'create', '--id', 'gh', '--type', 'github', '--client-id', 'x', '--client-secret-env', 'S'], { env: { S: 's3cret' } })
    await ok(dir, ['users', 'create', '--email', 'ada@example.com', '--password-stdin'], { input: 'a-long-password-123\n' })
    await withDb(dir, async (store) => {
      const user = (await store.users.getByEmail('ada@example.com'))!
      expect(await store.identities.link({ connection_id: 'gh', subject: '583231', user_id: user.id, email: 'ada@example.com', email_verified: true }, 1_800_000_000)).toBe('linked')
    })
    expectOneLineError(await latch(dir, ['connections', 'delete', 'gh']), 2, /add --yes/)
    expectOneLineError(await latch(dir, ['connections', 'delete', 'nope', '--yes']), 1, /no connection nope/)
    expect(await ok(dir, ['connections', 'delete', 'gh', '--yes'])).toBe('deleted connection gh; its identities were removed, the users stay\n')
    await withDb(dir, async (store) => {
      const user = await store.users.getByEmail('ada@example.com')
      expect(user).not.toBeNull()
      expect(await store.identities.listForUser(user!.id)).toEqual([])
      expect(await store.connections.list()).toEqual([])
    })

    await ok(dir, ['tenants', 'create', '--id', 'acme', '--issuer', 'https://login.acme.example'])
    expect(await ok(dir, ['connections', 'create', '--tenant', 'acme', '--id', 'gh', '--type', 'github', '--client-id', 'x', '--client-secret-env', 'S'], { env: { S: 's3cret' } }))
      .toBe('created connection gh; redirect URI: https://login.acme.example/connections/gh/callback\n')
    expect(JSON.parse(await ok(dir, ['connections', 'list', '--json']))).toEqual([])
    expect((JSON.parse(await ok(dir, ['connections', 'list', '--tenant', 'acme', '--json'])) as { id: string }[]).map((c) => c.id)).toEqual(['gh'])
    expectOneLineError(await latch(dir, ['connections', 'delete', 'gh', '--yes']), 1, /no connection gh/)
    await ok(dir, ['connections', 'delete', 'gh', '--yes', '--tenant', 'acme'])
  })
  it('review H1: set-password, update and orgs add-member refuse a user who signs in through a connection with an email never verified (exit 1, one line); create still refuses the taken email', async () => {
    const dir = await migrated()
    await ok(dir, ['connections', 'create', '--id', 'gh', '--type', 'github', '--client-id', 'x', '--client-secret-env', 'S'], { env: { S: 's3cret' } })
    await ok(dir, ['orgs', 'create', '--id', 'victim', '--name', 'Victim'])
    const squatter = await withDb(dir, async (store) => {
      const made = await store.identities.provision(
        { email: 'ceo@victim.example', email_verified: false, claims: {} },
        { connection_id: 'gh', subject: '1', email: 'ceo@victim.example', email_verified: false },
        1_800_000_000,
      )
      return made.outcome === 'created' ? made.user : null
    })
    expect(squatter).not.toBeNull()
    const refused = /^error: user ceo@victim\.example signs in through a connection and never verified that email/
    expectOneLineError(await latch(dir, ['users', 'set-password', 'CEO@victim.example', '--password-stdin'], { input: 'real-ceo-password-1\n' }), 1, refused)
    expectOneLineError(await latch(dir, ['users', 'update', 'ceo@victim.example', '--roles', 'admin']), 1, refused)
    expectOneLineError(await latch(dir, ['orgs', 'add-member', 'victim', 'ceo@victim.example', '--roles', 'admin']), 1, refused)
    expectOneLineError(await latch(dir, ['users', 'create', '--email', 'ceo@victim.example', '--password-stdin'], { input: 'real-ceo-password-1\n' }), 1, /already exists/)
    await withDb(dir, async (store) => {
      expect(await store.users.getById(squatter!.id)).toEqual(squatter)
      expect(await store.organizations.members('victim')).toEqual([])
    })
    // Once verified (the operator checked who it is), the user is provisioned as any other.
    await withDb(dir, (store) => store.users.upsert({ email: 'ceo@victim.example', email_verified: true, password_hash: null, claims: {} }, 1_800_000_001))
    await ok(dir, ['users', 'update', 'ceo@victim.example', '--roles', 'admin'])
  })
})
