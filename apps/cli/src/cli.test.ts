/**
 * The `latch` command as users and scripts run it: the BUILT CLI (packages/server/dist/cli/, run
 * in-process by test-harness.ts `latch`, spawned for `serve` and the terminal) in a temporary
 * directory with its own config file and SQLite database, `LATCH_SECRET` in the environment. Titles name the contract each test proves: docs/architecture.md §2 "Commands",
 * "Environment" and "Config file".
 *
 * The root `prepare` script builds before tests; if dist is missing or older than the sources,
 * `beforeAll` builds it (`tsc -b packages/server apps/cli`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONFIG, MAIN, POSTGRES_UP, cleanEnv, cliTestFile, dirs, expectOneLineError, latch, migrated, ok, serve, workspace } from './test-harness.js'

// Each test has a workspace (config file, database) of its own, and much of its time is spent
// waiting on the database, argon2 and `latch serve`: the tests run side by side (maxConcurrency,
// vitest.config.ts).
cliTestFile()

describe.concurrent('latch CLI', { timeout: 90_000 }, () => {
  it('architecture.md §2 Commands: `latch migrate` brings the database up to date', async () => {
    const dir = workspace()
    expect(await ok(dir, ['migrate'])).toMatch(/database is up to date/)
    expect(existsSync(join(dir, 'latch.db'))).toBe(true)
    // Idempotent.
    expect(await ok(dir, ['migrate'])).toMatch(/database is up to date/)
  })

  it('architecture.md §2 Commands: every listing command has --json (a JSON array on stdout)', async () => {
    const dir = await migrated()
    for (const args of [['clients', 'list'], ['users', 'list'], ['orgs', 'list'], ['keys', 'list'], ['audit', 'list']]) {
      const out = await ok(dir, [...args, '--json'])
      expect(Array.isArray(JSON.parse(out)), `${args.join(' ')} --json`).toBe(true)
    }
  })

  it('architecture.md §2 Commands: `clients create` prints a confidential client\'s secret once and stores only its hash', async () => {
    const dir = await migrated()
    const created = JSON.parse(
      await ok(dir, [
        'clients', 'create', '--id', 'web', '--name', 'Web App', '--grant-types', 'authorization_code,refresh_token',
        '--redirect-uris', 'http://localhost:3000/cb,http://localhost:3000/cb2', '--scope', 'openid profile read:data', '--json',
      ]),
    ) as Record<string, unknown>
    expect(created).toMatchObject({
      client_id: 'web',
      client_name: 'Web App',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://localhost:3000/cb', 'http://localhost:3000/cb2'],
      scope: 'openid profile read:data',
    })
    const secret = created.client_secret as string
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(created).not.toHaveProperty('client_secret_hash')

    // Human output: the secret on its own line.
    const human = await ok(dir, ['clients', 'create', '--id', 'svc', '--grant-types', 'client_credentials'])
    expect(human).toMatch(/^client_secret: [A-Za-z0-9_-]{43}$/m)

    const listed = await ok(dir, ['clients', 'list', '--json'])
    expect(listed).not.toContain(secret)
    const clients = JSON.parse(listed) as Record<string, unknown>[]
    expect(clients.map((c) => c.client_id)).toEqual(['svc', 'web'])
    for (const c of clients) {
      expect(c).not.toHaveProperty('client_secret')
      expect(c).not.toHaveProperty('client_secret_hash')
    }

    // What is stored is the secret's SHA-256, so the server can authenticate the client with it.
    const { createStore, hashHandle } = await import('@latch/server')
    const store = await createStore(`sqlite:${join(dir, 'latch.db')}`, { migrate: false })
    try {
      expect((await store.clients.get('web'))?.client_secret_hash).toBe(hashHandle(secret))
    } finally {
      await store.close()
    }

    const table = await ok(dir, ['clients', 'list'])
    expect(table.split('\n')[0]).toMatch(/^CLIENT_ID\s+NAME\s+AUTH_METHOD/)
    expect(table).toMatch(/^web\s+Web App\s+client_secret_basic\s+authorization_code,refresh_token/m)
  })

  it('architecture.md §2 Config file: `clients create` validates like the config loader (usage error, exit 2, naming the flag)', async () => {
    const dir = await migrated()
    expectOneLineError(
      await latch(dir, ['clients', 'create', '--id', 'x', '--redirect-uris', 'http://localhost/cb#frag']),
      2,
      /--redirect-uris .*fragment/,
    )
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--redirect-uris', '/relative']), 2, /--redirect-uris must be an absolute URL/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--grant-types', 'implicit', '--redirect-uris', 'http://localhost/cb']), 2, /--grant-types must be one of/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--type', 'public', '--grant-types', 'client_credentials']), 2, /client_credentials needs a confidential client/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--scope', 'openid write:all', '--redirect-uris', 'http://localhost/cb']), 2, /--scope names scope "write:all"/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--type', 'sideways']), 2, /--type/)
    expect(JSON.parse(await ok(dir, ['clients', 'list', '--json']))).toEqual([])

    // A public client gets no secret.
    const spa = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'spa', '--type', 'public', '--redirect-uris', 'http://localhost:5173/cb', '--json'])) as Record<string, unknown>
    expect(spa.token_endpoint_auth_method).toBe('none')
    expect(spa).not.toHaveProperty('client_secret')
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'spa', '--type', 'public', '--redirect-uris', 'http://localhost:5173/cb']), 1, /already exists/)
  })

  /** @see issue 8 */
  it('RFC 8707 §2: `clients create --resource URI` (repeatable) registers the resources a client may get tokens for; an unknown one is a usage error naming the flag', async () => {
    const dir = await migrated()
    expectOneLineError(
      await latch(dir, ['clients', 'create', '--id', 'x', '--grant-types', 'client_credentials', '--resource', 'https://payments.example.com']),
      2,
      /--resource "https:\/\/payments\.example\.com" names resource .* not one of the resources' identifiers/,
    )
    const created = JSON.parse(
      await ok(dir, ['clients', 'create', '--id', 'svc', '--grant-types', 'client_credentials', '--scope', 'read:data', '--resource', 'https://api.example.com', '--json']),
    ) as Record<string, unknown>
    expect(created.resources).toEqual(['https://api.example.com'])
    // Without the flag the client names none: it may get tokens for default_resource only.
    const plain = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'plain', '--grant-types', 'client_credentials', '--json'])) as Record<string, unknown>
    expect(plain.resources).toBeNull()
    const listed = JSON.parse(await ok(dir, ['clients', 'list', '--json'])) as Record<string, unknown>[]
    expect(listed.find((c) => c.client_id === 'svc')?.resources).toEqual(['https://api.example.com'])
  })

  it('issue 14 (README "Admin API"): `clients create` registers an admin client for the built-in admin API resource; a public client may not have an admin scope', async () => {
    const dir = await migrated()
    const admin = 'http://localhost:9000/admin/api/v1'
    const created = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'ops', '--grant-types', 'client_credentials', '--scope', 'admin:read', '--resource', admin, '--json'])) as Record<string, unknown>
    expect(created).toMatchObject({ scope: 'admin:read', resources: [admin] })
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'ops2', '--grant-types', 'client_credentials', '--scope', 'admin:read']), 2, /admin API/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'spa2', '--type', 'public', '--redirect-uris', 'http://localhost:5173/cb', '--scope', 'openid admin:read', '--resource', admin]), 2, /granted only to a confidential client/)
  })

  /** @see issue 8 */
  it('RFC 7591 §2, OIDC Dynamic Client Registration §2: `clients create` pins the auth method only with --auth-method, and --id-token-alg RS256 adds an RS256 key beside an ES256 signing key', async () => {
    const dir = await migrated(CONFIG.replace('log_level: warn', 'log_level: warn\ntokens:\n  signing_alg: ES256'))
    const either = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'either', '--grant-types', 'client_credentials', '--json'])) as Record<string, unknown>
    expect(either).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', auth_method_pinned: false, id_token_signed_response_alg: null })
    const pinned = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'pinned', '--auth-method', 'client_secret_post', '--grant-types', 'client_credentials', '--json'])) as Record<string, unknown>
    expect(pinned).toMatchObject({ token_endpoint_auth_method: 'client_secret_post', auth_method_pinned: true })
    expect(await ok(dir, ['clients', 'create', '--id', 'human', '--grant-types', 'client_credentials'])).toMatch(/client_secret_basic or client_secret_post/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--id-token-alg', 'HS256', '--redirect-uris', 'http://localhost/cb']), 2, /--id-token-alg/)
    expectOneLineError(await latch(dir, ['clients', 'create', '--id', 'x', '--id-token-alg', 'PS256', '--redirect-uris', 'http://localhost/cb']), 2, /--id-token-alg must be RS256 or tokens.signing_alg/)
    await ok(dir, ['keys', 'rotate', '--now'])
    const before = JSON.parse(await ok(dir, ['keys', 'list', '--json'])) as { alg: string }[]
    expect(before.map((k) => k.alg)).not.toContain('RS256')
    const rp = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'rp', '--id-token-alg', 'RS256', '--redirect-uris', 'http://localhost/cb', '--json'])) as Record<string, unknown>
    expect(rp.id_token_signed_response_alg).toBe('RS256')
    const after = JSON.parse(await ok(dir, ['keys', 'list', '--json'])) as { alg: string }[]
    expect(after.map((k) => k.alg)).toContain('RS256')
  })

  it('architecture.md §2 Commands: `clients delete` removes a client; an unknown id exits 1', async () => {
    const dir = await migrated()
    await ok(dir, ['clients', 'create', '--id', 'gone', '--type', 'public', '--redirect-uris', 'http://localhost/cb'])
    expect(await ok(dir, ['clients', 'delete', 'gone'])).toMatch(/deleted client gone/)
    expect(JSON.parse(await ok(dir, ['clients', 'list', '--json']))).toEqual([])
    expectOneLineError(await latch(dir, ['clients', 'delete', 'gone']), 1, /no client with client_id gone/)
  })

  it('architecture.md §2 Commands: users create|list|set-password|delete, passwords stored as argon2id and never printed', async () => {
    const dir = await migrated()
    const alice = JSON.parse(
      await ok(dir, ['users', 'create', '--email', 'Alice@Example.com', '--password-stdin', '--name', 'Alice Example', '--json'], { input: 'correct-horse-battery\n' }),
    ) as Record<string, unknown>
    expect(alice).toMatchObject({ email: 'alice@example.com', claims: { name: 'Alice Example' }, has_password: true })
    expect(alice.id).toEqual(expect.any(String))
    await ok(dir, ['users', 'create', '--email', 'bob@example.com', '--password', 'bobs-password-1'])

    const listed = await ok(dir, ['users', 'list', '--json'])
    expect(listed).not.toMatch(/argon2|password_hash|correct-horse/)
    const users = JSON.parse(listed) as Record<string, unknown>[]
    expect(users.map((u) => u.email)).toEqual(['alice@example.com', 'bob@example.com'])
    const table = await ok(dir, ['users', 'list'])
    expect(table).not.toMatch(/argon2/)
    expect(table).toMatch(/^alice@example\.com\s+Alice Example\s+no\s+set\s/m)

    expectOneLineError(await latch(dir, ['users', 'create', '--email', 'alice@example.com', '--password', 'another-pass']), 1, /already exists/)
    expectOneLineError(await latch(dir, ['users', 'create', '--email', 'carol@example.com', '--password', 'short']), 2, /--password must be 8 to 1024 characters/)
    expectOneLineError(await latch(dir, ['users', 'create', '--email', 'not-an-email', '--password', 'long-enough']), 2, /--email must be an email address/)

    const { createStore, verifyPassword } = await import('@latch/server')
    const hashOf = async () => {
      const store = await createStore(`sqlite:${join(dir, 'latch.db')}`, { migrate: false })
      try {
        return (await store.users.getByEmail('alice@example.com'))?.password_hash ?? null
      } finally {
        await store.close()
      }
    }
    const before = await hashOf()
    expect(before).toMatch(/^\$argon2id\$/)
    expect(await verifyPassword(before, 'correct-horse-battery')).toBe(true)

    await ok(dir, ['users', 'set-password', 'alice@example.com', '--password-stdin'], { input: 'a-brand-new-password\n' })
    const after = await hashOf()
    expect(await verifyPassword(after, 'a-brand-new-password')).toBe(true)
    expect(await verifyPassword(after, 'correct-horse-battery')).toBe(false)
    // Not a terminal (stdin is a pipe here): nobody to ask, so the flags are named.
    expectOneLineError(await latch(dir, ['users', 'set-password', 'alice@example.com']), 2, /--password-stdin .*terminal/)
    expectOneLineError(await latch(dir, ['users', 'set-password', 'nobody@example.com', '--password', 'whatever-123']), 1, /no user with email nobody@example\.com/)

    expect(await ok(dir, ['users', 'delete', 'bob@example.com'])).toMatch(/deleted user bob@example\.com/)
    expect((JSON.parse(await ok(dir, ['users', 'list', '--json'])) as { email: string }[]).map((u) => u.email)).toEqual(['alice@example.com'])
    expectOneLineError(await latch(dir, ['users', 'delete', 'bob@example.com']), 1, /no user with email/)
  })

  /** @see issue 8 */
  it('OIDC Core §10.1.1: `keys rotate` says running servers publish the new key within tokens.key_reload_interval, not "now"', async () => {
    const dir = await migrated()
    await ok(dir, ['keys', 'rotate'])
    const run = await latch(dir, ['keys', 'rotate'])
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(/running servers publish it in their JWK Set within 30 s \(tokens\.key_reload_interval\)/)
    expect(run.stderr).not.toMatch(/published now/)
  })

  /** @see issue 8 */
  it('RFC 9700 §4.14.2: `users set-password` signs the user out everywhere (sessions ended, grants revoked, offline_access included); --keep-sessions keeps them', async () => {
    const dir = await migrated()
    await ok(dir, ['users', 'create', '--email', 'alice@example.com', '--password', 'correct-horse-battery'])
    await ok(dir, ['users', 'create', '--email', 'bob@example.com', '--password', 'battery-staple-horse'])
    const { createStore } = await import('@latch/server')
    const withDb = async <T>(fn: (store: Awaited<ReturnType<typeof createStore>>) => Promise<T>): Promise<T> => {
      const store = await createStore(`sqlite:${join(dir, 'latch.db')}`, { migrate: false })
      try {
        return await fn(store)
      } finally {
        await store.close()
      }
    }
    const t = Math.floor(Date.now() / 1000)
    /** A session and an offline_access grant for each user; returns their ids. */
    const signIn = () =>
      withDb(async (store) => {
        const out: Record<string, { session: string; grant: string }> = {}
        for (const email of ['alice@example.com', 'bob@example.com']) {
          const user = await store.users.getByEmail(email)
          if (!user) throw new Error(`no ${email}`)
          const session = { session_hash: randomUUID(), id: randomUUID(), user_id: user.id, auth_time: t, amr: ['pwd'], created_at: t, expires_at: t + 3600 }
          await store.sessions.insert(session)
          const grant = { id: randomUUID(), client_id: 'from-file', user_id: user.id, scope: 'openid offline_access', resource: null, auth_time: t, session_id: session.id, organization_id: null, created_at: t, revoked_at: null }
          await store.grants.open(grant, null)
          out[email] = { session: session.id, grant: grant.id }
        }
        return out
      })
    const state = (ids: { session: string; grant: string }) =>
      withDb(async (store) => ({
        session: (await store.sessions.getById(ids.session, t)) !== null,
        grantRevoked: (await store.grants.get(ids.grant))?.revoked_at != null,
      }))

    const first = await signIn()
    expect(await ok(dir, ['users', 'set-password', 'alice@example.com', '--password-stdin'], { input: 'a-brand-new-password\n' })).toMatch(/signed out everywhere/)
    expect(await state(first['alice@example.com'] as { session: string; grant: string })).toEqual({ session: false, grantRevoked: true })
    expect(await state(first['bob@example.com'] as { session: string; grant: string })).toEqual({ session: true, grantRevoked: false })

    const second = await signIn()
    expect(await ok(dir, ['users', 'set-password', 'alice@example.com', '--password-stdin', '--keep-sessions'], { input: 'yet-another-password\n' })).toMatch(/sessions and tokens kept/)
    expect(await state(second['alice@example.com'] as { session: string; grant: string })).toEqual({ session: true, grantRevoked: false })
  })

  /** @see issue 8 */
  it('architecture.md §2 Commands: `users set-password EMAIL` in a terminal asks for the new password twice, hidden (a real pty via script(1))', async (ctx) => {
    if (spawnSync('script', ['--version']).status !== 0) return ctx.skip()
    const dir = await migrated()
    await ok(dir, ['users', 'create', '--email', 'alice@example.com', '--password', 'correct-horse-battery'])
    /** Runs the command on a pseudo-terminal, answering each prompt once it is shown. */
    const onTerminal = (answers: string[]) =>
      new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
        const command = `${process.execPath} ${MAIN} users set-password alice@example.com`
        const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: dir, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
        let output = ''
        let asked = 0
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString()
          // Answer only after the prompt is on screen, so nothing is typed while echo is still on.
          const prompts = output.match(/password: /gi)?.length ?? 0
          while (asked < prompts && asked < answers.length) child.stdin.write(`${answers[asked++]}\r`)
        })
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          child.stdin.destroy()
          resolveRun({ code, output })
        })
      })
    const typed = await onTerminal(['typed-in-a-terminal', 'typed-in-a-terminal'])
    expect(typed.code, typed.output).toBe(0)
    expect(typed.output).toMatch(/New password: /)
    expect(typed.output).toMatch(/Repeat the new password: /)
    expect(typed.output).toMatch(/password set for alice@example\.com/)
    expect(typed.output).not.toContain('typed-in-a-terminal')
    const { createStore, verifyPassword } = await import('@latch/server')
    const store = await createStore(`sqlite:${join(dir, 'latch.db')}`, { migrate: false })
    try {
      expect(await verifyPassword((await store.users.getByEmail('alice@example.com'))?.password_hash ?? null, 'typed-in-a-terminal')).toBe(true)
    } finally {
      await store.close()
    }
    const mismatch = await onTerminal(['one-password-here', 'another-password'])
    expect(mismatch.code).toBe(2)
    expect(mismatch.output).toMatch(/error: the passwords did not match/)
  })

  it('architecture.md §2 Commands: `keys rotate` publishes a pending key; `--now` activates it at once; `keys list` shows each state', async () => {
    const dir = await migrated()
    const at = () => Math.floor(Date.now() / 1000)
    expect(JSON.parse(await ok(dir, ['keys', 'list', '--json']))).toEqual([])
    const first = (await ok(dir, ['keys', 'rotate'])).trim()
    const second = JSON.parse(await ok(dir, ['keys', 'rotate', '--json'])) as { kid: string; activates_at: number; retired: string[] }
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/) // RFC 7638 SHA-256 thumbprint
    expect(second.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(second.kid).not.toBe(first)
    expect(second.retired).toEqual([first])
    // OIDC Core §10.1.1: stored now (published by running servers at their next reload), signing after the derived delay (2 × 30 s reload + 300 s JWKS max-age).
    expect(second.activates_at - at()).toBeGreaterThan(350)

    const listed = JSON.parse(await ok(dir, ['keys', 'list', '--json'])) as Record<string, unknown>[]
    expect(listed.find((k) => k.kid === second.kid)).toMatchObject({ status: 'pending', activates_at: second.activates_at, expires_at: null })
    expect(listed.find((k) => k.kid === first)).toMatchObject({ status: 'active', retired_at: second.activates_at })
    for (const k of listed) expect(Object.keys(k).sort()).toEqual(['activates_at', 'alg', 'companion_of', 'created_at', 'expires_at', 'kid', 'retired_at', 'status'])

    const table = await ok(dir, ['keys', 'list'])
    expect(table.split('\n')[0]).toMatch(/^KID\s+ALG\s+STATUS\s+CREATED_AT\s+ACTIVATES_AT\s+EXPIRES_AT$/)
    expect(table).toContain(`${second.kid}  RS256  pending`)

    // A compromised key: the new one signs now and every other key leaves the JWK Set now.
    const third = (await ok(dir, ['keys', 'rotate', '--now'])).trim()
    const keys = JSON.parse(await ok(dir, ['keys', 'list', '--json'])) as Record<string, unknown>[]
    expect(keys.map((k) => k.kid)).toEqual([third])
    expect(keys[0]).toMatchObject({ alg: 'RS256', status: 'active', expires_at: null })

    // A config with another signing_alg is refused unless the switch is explicit.
    writeFileSync(join(dir, 'es.yaml'), 'database: sqlite:./latch.db\ntokens:\n  signing_alg: ES256\n')
    expectOneLineError(await latch(dir, ['keys', 'rotate', '--config', join(dir, 'es.yaml')]), 1, /signing key is RS256 but tokens\.signing_alg is ES256.*--switch-alg/)
    const switched = JSON.parse(await ok(dir, ['keys', 'rotate', '--switch-alg', '--json', '--config', join(dir, 'es.yaml')])) as { alg: string; activates_at: number }
    expect(switched.alg).toBe('ES256')
    expect(switched.activates_at - at()).toBeGreaterThan(350)
    expect(JSON.parse(await ok(dir, ['keys', 'list', '--json']))).toHaveLength(2)

    // Keys are encrypted under LATCH_SECRET: another secret cannot rotate (it could not sign).
    expectOneLineError(await latch(dir, ['keys', 'rotate'], { env: { LATCH_SECRET: 'a-different-secret-0123456789abcdefghij' } }), 1, /LATCH_SECRET/)
  })

  it('architecture.md §2 Config file: an invalid config exits 1 with one line naming the key', async () => {
    const dir = workspace('tokens:\n  acess_token_ttl: 900\n')
    for (const args of [['migrate'], ['clients', 'list'], ['serve', '--port', '0']]) {
      expectOneLineError(await latch(dir, args), 1, /tokens\.acess_token_ttl/)
    }
    const ttl = workspace('tokens:\n  access_token_ttl: 15m\n')
    expectOneLineError(await latch(ttl, ['users', 'list', '--json']), 1, /tokens\.access_token_ttl must be an integer number of seconds/)
    expectOneLineError(await latch(dir, ['migrate', '--config', join(dir, 'missing.yaml')]), 1, /missing\.yaml/)
  })

  it('architecture.md §2 Environment: LATCH_DATABASE_URL and LATCH_SECRET override the config file', async () => {
    const dir = workspace()
    const out = await ok(dir, ['migrate'], { env: { LATCH_DATABASE_URL: 'sqlite:./from-env.db' } })
    expect(out).toContain(join(dir, 'from-env.db'))
    expect(existsSync(join(dir, 'from-env.db'))).toBe(true)
    expect(existsSync(join(dir, 'latch.db'))).toBe(false)
    expectOneLineError(await latch(dir, ['keys', 'list'], { env: { LATCH_SECRET: 'too-short' } }), 1, /LATCH_SECRET must be at least 32 characters/)
  })

  it('architecture.md §2 Commands: `--config FILE` selects the config file on every command', async () => {
    const dir = workspace()
    const other = join(dir, 'other.json')
    writeFileSync(other, JSON.stringify({ database: 'sqlite:./other.db' }))
    for (const args of [['migrate'], ['clients', 'list', '--json'], ['users', 'list', '--json'], ['keys', 'list', '--json']]) {
      await ok(dir, [...args, '--config', other])
    }
    expect(existsSync(join(dir, 'other.db'))).toBe(true)
    expect(existsSync(join(dir, 'latch.db'))).toBe(false)
  })

  it('architecture.md §2 Commands: usage errors exit 2 with one line and no stack trace', async () => {
    const dir = workspace()
    expectOneLineError(await latch(dir, ['clients', 'list', '--bogus']), 2, /unknown option '--bogus'/)
    expectOneLineError(await latch(dir, ['users', 'create']), 2, /--email/)
    expectOneLineError(await latch(dir, ['serve', '--port', 'http']), 2, /--port/)
    expect((await latch(dir, ['frobnicate'])).code).toBe(2)
    const help = await latch(dir, ['--help'])
    expect(help.code).toBe(0)
    for (const cmd of ['serve', 'migrate', 'clients', 'users', 'orgs', 'keys']) expect(help.stdout).toContain(cmd)
  })

  it('architecture.md §2 Commands: `latch serve` listens, seeds the config clients, answers /healthz and stops on SIGTERM', async () => {
    const dir = workspace()
    const serving = await serve(dir)
    try {
      expect(serving.line.msg).toBe(`Latch listening on http://localhost:9000 (database: sqlite:${join(dir, 'latch.db')})`)
      const health = await fetch(`${String(serving.line.address)}/healthz`)
      expect(health.status).toBe(200)
    } finally {
      serving.child.kill('SIGTERM')
    }
    expect(await serving.exited).toBe(0)
    expect(serving.stderr()).not.toMatch(/^error:|^\s+at /m)
    // Config clients were created at start (architecture.md §2 Config file).
    expect((JSON.parse(await ok(dir, ['clients', 'list', '--json'])) as { client_id: string }[]).map((c) => c.client_id)).toEqual(['from-file'])
  })

  it('security review (bug): `latch serve` (which opens its own store) fills latch_db_query_duration_seconds', async () => {
    const dir = workspace()
    const serving = await serve(dir)
    try {
      const res = await fetch(`${String(serving.line.address)}/metrics`)
      const text = await res.text()
      expect(res.status, text).toBe(200)
      const count = /^latch_db_query_duration_seconds_count\{outcome="ok"\} (\d+)$/m.exec(text)
      // Seeding the config's clients and opening the keystore ran queries on the served store.
      expect(Number(count?.[1] ?? 0)).toBeGreaterThan(0)
    } finally {
      serving.child.kill('SIGTERM')
    }
    expect(await serving.exited).toBe(0)
  })

  it('architecture.md §2 Commands: `latch serve` exits 1 with one line when the database cannot be opened', async () => {
    const dir = workspace()
    writeFileSync(join(dir, 'not-a-database.db'), 'this is not sqlite '.repeat(20))
    expectOneLineError(
      await latch(dir, ['serve', '--port', '0'], { env: { LATCH_DATABASE_URL: 'sqlite:./not-a-database.db' } }),
      1,
      /cannot open database sqlite:.*not-a-database\.db/,
    )
  })

  /** @see issue 8 */
  it('issue 8: commands other than serve and migrate create no database and no secret; they name the database URL they would have used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-cli-'))
    dirs.push(dir)
    const noSecret = { LATCH_SECRET: '' } // unset for Latch: the development secret file would be used
    const commands = [['users', 'list'], ['clients', 'list', '--json'], ['keys', 'list'], ['keys', 'rotate'], ['clients', 'delete', 'x'], ['users', 'create', '--email', 'a@example.com', '--password', 'correct-horse-battery']]
    for (const args of commands) {
      expectOneLineError(await latch(dir, args, { env: noSecret }), 1, new RegExp(`no Latch database at sqlite:${join(dir, 'data', 'latch.db')} \\(no config file.*latch migrate`))
    }
    expect(existsSync(join(dir, 'data')), 'no ./data directory, database or secret').toBe(false)
    // With a config file naming a database that does not exist, the same.
    const configured = workspace()
    expectOneLineError(await latch(configured, ['users', 'list']), 1, new RegExp(`no Latch database at sqlite:${join(configured, 'latch.db')} \\(the database of the config\\)`))
    expect(existsSync(join(configured, 'latch.db'))).toBe(false)
    // migrate creates both; then the other commands work.
    await ok(dir, ['migrate'], { env: noSecret })
    expect(existsSync(join(dir, 'data', 'latch.secret'))).toBe(true)
    expect(await ok(dir, ['users', 'list', '--json'], { env: noSecret })).toBe('[]\n')
    // A lost development secret is not replaced by a new one (its keys could not be decrypted).
    rmSync(join(dir, 'data', 'latch.secret'))
    expectOneLineError(await latch(dir, ['keys', 'list'], { env: noSecret }), 1, /LATCH_SECRET is not set, and there is no development secret at .*latch\.secret/)
    expect(existsSync(join(dir, 'data', 'latch.secret'))).toBe(false)
  })

  /** @see issue 8 */
  it('issue 8 + RFC 3986 §3.2.1: a PostgreSQL URL\'s password (userinfo and ?password=) never appears in CLI output, boot logs or errors', async () => {
    const dir = workspace()
    const closed = await new Promise<number>((resolvePort) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolvePort(port))
      })
    })
    const url = `postgres://latch:hunter2-pw@127.0.0.1:${closed}/latch?password=query-pw&pool_size=2`
    const shown = `postgres://latch:***@127.0.0.1:${closed}/latch?password=***&pool_size=2`
    for (const args of [['migrate'], ['users', 'list'], ['serve', '--port', '0']]) {
      const run = await latch(dir, args, { env: { LATCH_DATABASE_URL: url, LATCH_LOG_LEVEL: 'info' } })
      expectOneLineError(run, 1, new RegExp(`cannot open database ${shown.replace(/[?*]/g, '\\$&')}: .*ECONNREFUSED`))
      expect(`${run.stdout}${run.stderr}`, args.join(' ')).not.toMatch(/hunter2|query-pw/)
    }
    // A URL the driver cannot parse (Node's TypeError carries it whole in `input`).
    const bad = await latch(dir, ['migrate'], { env: { LATCH_DATABASE_URL: 'postgres://latch:hunter2-pw@127.0.0.1:99999/latch?password=query-pw' } })
    expect(bad.code).toBe(1)
    expect(`${bad.stdout}${bad.stderr}`).not.toMatch(/hunter2|query-pw/)
  })

  /** @see issue 8 */
  it.skipIf(!POSTGRES_UP)('issue 8: on PostgreSQL, a command other than serve/migrate refuses a schema without Latch tables and creates nothing', async () => {
    const dir = workspace()
    const schema = `latch_cli_absent_${process.pid}_${Date.now()}`
    const url = `postgres://postgres:hunter2-pw@127.0.0.1:5432/test?schema=${schema}&password=query-pw`
    const run = await latch(dir, ['users', 'list'], { env: { LATCH_DATABASE_URL: url } })
    expectOneLineError(run, 1, new RegExp(`no Latch database at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:5432/test\\?schema=${schema}&password=\\*\\*\\*`))
    expect(run.stderr).not.toMatch(/hunter2|query-pw/)
    const pg = (await import('pg')).default
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' })
    await client.connect()
    try {
      const { rows } = await client.query('select 1 from pg_namespace where nspname = $1', [schema])
      expect(rows, 'the schema was not created').toEqual([])
    } finally {
      await client.end()
    }
  })

  it('issue 10: orgs create|list; a taken id exits 1, a malformed id or domain exits 2', async () => {
    const dir = await migrated()
    const acme = JSON.parse(await ok(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Acme Corp', '--domains', 'acme.example,acme.test', '--json'])) as Record<string, unknown>
    expect(acme).toMatchObject({ id: 'acme', name: 'Acme Corp', domains: ['acme.example', 'acme.test'] })
    expect(await ok(dir, ['orgs', 'create', '--id', 'globex', '--name', 'Globex Corporation'])).toMatch(/created organization globex \(Globex Corporation\)/)
    expect((JSON.parse(await ok(dir, ['orgs', 'list', '--json'])) as { id: string }[]).map((o) => o.id)).toEqual(['acme', 'globex'])
    const table = await ok(dir, ['orgs', 'list'])
    expect(table).toMatch(/^ID\s+NAME\s+DOMAINS\s+CREATED_AT$/m)
    expect(table).toMatch(/^acme\s+Acme Corp\s+acme\.example,acme\.test\s+\d{4}-/m)
    expect(table).toMatch(/^globex\s+Globex Corporation\s+-\s+/m)

    expectOneLineError(await latch(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Again']), 1, /organization acme already exists/)
    expectOneLineError(await latch(dir, ['orgs', 'create', '--id', 'Acme!', '--name', 'Bad']), 2, /^error: --id /)
    expectOneLineError(await latch(dir, ['orgs', 'create', '--id', 'x', '--name', 'X', '--domains', 'Upper.Example']), 2, /^error: --domains /)
  })

  it('issue 10: orgs add-member|members|remove-member|delete; the memberships go with the organization; unknown organization or user exits 1, a malformed id exits 2', async () => {
    const dir = await migrated()
    await ok(dir, ['users', 'create', '--email', 'alice@example.com'])
    await ok(dir, ['users', 'create', '--email', 'bob@example.com'])
    await ok(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Acme Corp'])
    await ok(dir, ['orgs', 'create', '--id', 'globex', '--name', 'Globex Corporation'])

    expect(await ok(dir, ['orgs', 'add-member', 'acme', 'Alice@Example.com', '--roles', 'admin,billing'])).toMatch(/added alice@example\.com to acme: roles admin,billing/)
    expect(await ok(dir, ['orgs', 'add-member', 'acme', 'alice@example.com', '--roles', 'member'])).toMatch(/updated alice@example\.com in acme: roles member/)
    expect(await ok(dir, ['orgs', 'add-member', 'acme', 'bob@example.com'])).toMatch(/added bob@example\.com to acme: roles none/)
    const members = JSON.parse(await ok(dir, ['orgs', 'members', 'acme', '--json'])) as Record<string, unknown>[]
    expect(members.map(({ email, roles, organization_id }) => ({ email, roles, organization_id }))).toEqual([
      { email: 'alice@example.com', roles: ['member'], organization_id: 'acme' },
      { email: 'bob@example.com', roles: [], organization_id: 'acme' },
    ])
    expect(members[0]?.user_id).toEqual(expect.any(String))
    expect(await ok(dir, ['orgs', 'members', 'acme'])).toMatch(/^alice@example\.com\s+member\s+\S+$/m)

    expectOneLineError(await latch(dir, ['orgs', 'add-member', 'initech', 'alice@example.com']), 1, /no organization initech/)
    expectOneLineError(await latch(dir, ['orgs', 'add-member', 'Not_An_Id', 'alice@example.com']), 2, /organization id "Not_An_Id" must be/)
    expectOneLineError(await latch(dir, ['orgs', 'add-member', 'acme', 'nobody@example.com']), 1, /no user with email nobody@example\.com/)
    expectOneLineError(await latch(dir, ['orgs', 'add-member', 'acme', 'alice@example.com', '--roles', 'has space']), 2, /^error: --roles /)
    expectOneLineError(await latch(dir, ['orgs', 'members', 'initech']), 1, /no organization initech/)
    expectOneLineError(await latch(dir, ['orgs', 'members', 'UPPER']), 2, /organization id "UPPER"/)

    expect(await ok(dir, ['orgs', 'remove-member', 'acme', 'bob@example.com'])).toMatch(/removed bob@example\.com from acme/)
    expectOneLineError(await latch(dir, ['orgs', 'remove-member', 'acme', 'bob@example.com']), 1, /bob@example\.com is not a member of acme/)
    expectOneLineError(await latch(dir, ['orgs', 'remove-member', 'initech', 'bob@example.com']), 1, /no organization initech/)

    expect(await ok(dir, ['orgs', 'delete', 'acme'])).toMatch(/deleted organization acme/)
    expect((JSON.parse(await ok(dir, ['orgs', 'list', '--json'])) as { id: string }[]).map((o) => o.id)).toEqual(['globex'])
    expectOneLineError(await latch(dir, ['orgs', 'delete', 'acme']), 1, /no organization acme/)
    expectOneLineError(await latch(dir, ['orgs', 'delete', '../acme']), 2, /organization id/)
    // The memberships went with the organization: a new acme starts empty.
    await ok(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Acme Again'])
    expect(JSON.parse(await ok(dir, ['orgs', 'members', 'acme', '--json']))).toEqual([])
  })

  it('issue 11: orgs create|update --branding FILE (css_file relative to it, stored as text), --no-branding; a bad branding exits 2 naming the key; a colour below WCAG AA warns', async () => {
    const dir = await migrated()
    mkdirSync(join(dir, 'brand'))
    writeFileSync(join(dir, 'brand', 'acme.yaml'), 'product_name: Acme ID\nlogo_url: https://cdn.acme.example/logo.svg\nprimary_color: "#0F766E"\ncss_file: acme.css\n')
    writeFileSync(join(dir, 'brand', 'acme.css'), 'h1{color:#0f766e}\n')
    writeFileSync(join(dir, 'yellow.json'), JSON.stringify({ primary_color: '#ffd400' }))
    writeFileSync(join(dir, 'bad.yaml'), 'logo_url: http://cdn.acme.example/logo.svg\n')
    writeFileSync(join(dir, 'typo.yaml'), 'primary_colour: "#000000"\n')

    expect(await ok(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Acme Corp', '--branding', 'brand/acme.yaml'])).toMatch(/created organization acme \(Acme Corp\)/)
    const shown = JSON.parse(await ok(dir, ['orgs', 'update', 'acme', '--name', 'Acme Corporation', '--json'])) as Record<string, unknown>
    expect(shown).toMatchObject({ id: 'acme', name: 'Acme Corporation', branding: { product_name: 'Acme ID', logo_url: 'https://cdn.acme.example/logo.svg', primary_color: '#0f766e', css: 'h1{color:#0f766e}\n' } })

    const yellow = await latch(dir, ['orgs', 'update', 'acme', '--branding', 'yellow.json'])
    expect(yellow.code).toBe(0)
    expect(yellow.stdout).toMatch(/updated organization acme \(Acme Corporation\): branding set/)
    expect(yellow.stderr).toMatch(/^warning: branding\.primary_color \(organization acme\): #ffd400 on #ffffff \(links on the card\) has a contrast of 1\.4\d:1, below the 4\.5:1 of WCAG 2\.2 AA/m)

    expectOneLineError(await latch(dir, ['orgs', 'update', 'acme', '--branding', 'bad.yaml']), 2, /^error: --branding bad\.yaml: logo_url must use https/)
    expectOneLineError(await latch(dir, ['orgs', 'update', 'acme', '--branding', 'typo.yaml']), 2, /^error: --branding typo\.yaml: primary_colour is not a known key/)
    expectOneLineError(await latch(dir, ['orgs', 'update', 'acme', '--branding', 'missing.yaml']), 1, /cannot read missing\.yaml: ENOENT/)
    expectOneLineError(await latch(dir, ['orgs', 'update', 'acme']), 2, /nothing to update/)
    expectOneLineError(await latch(dir, ['orgs', 'update', 'initech', '--no-branding']), 1, /no organization initech/)

    expect(await ok(dir, ['orgs', 'update', 'acme', '--no-branding'])).toMatch(/branding removed/)
    expect(JSON.parse(await ok(dir, ['orgs', 'update', 'acme', '--domains', 'acme.example', '--json']))).toMatchObject({ domains: ['acme.example'], branding: {} })
  })

  it('issue 10: users create|update --roles and --claim key=value (JSON when it parses), --remove-claim; bad flags exit 2, an unknown user exits 1', async () => {
    const dir = await migrated()
    const carol = JSON.parse(
      await ok(dir, ['users', 'create', '--email', 'carol@example.com', '--roles', 'staff,editor', '--claim', 'department=research', '--claim', 'level=3', '--claim', 'projects=["p1","p2"]', '--claim', 'note=a=b', '--json']),
    ) as Record<string, unknown>
    expect(carol).toMatchObject({ email: 'carol@example.com', roles: ['staff', 'editor'], attributes: { department: 'research', level: 3, projects: ['p1', 'p2'], note: 'a=b' } })

    const updated = JSON.parse(await ok(dir, ['users', 'update', 'carol@example.com', '--roles', 'admin', '--claim', 'team={"name":"x"}', '--claim', 'level=4', '--remove-claim', 'note', '--json'])) as Record<string, unknown>
    expect(updated.roles).toEqual(['admin'])
    expect(updated.attributes).toEqual({ department: 'research', level: 4, projects: ['p1', 'p2'], team: { name: 'x' } })
    expect(updated).not.toHaveProperty('password_hash')
    // Read back from the database, not from the command's own echo.
    const listed = (JSON.parse(await ok(dir, ['users', 'list', '--json'])) as Record<string, unknown>[])[0]
    expect(listed).toMatchObject({ roles: ['admin'], attributes: { department: 'research', level: 4, projects: ['p1', 'p2'], team: { name: 'x' } } })

    expect(await ok(dir, ['users', 'update', 'carol@example.com', '--roles', ''])).toMatch(/updated user carol@example\.com: roles none; claims department,level,projects,team/)
    const removing = await latch(dir, ['users', 'update', 'carol@example.com', '--remove-claim', 'absent'])
    expect(removing.code).toBe(0)
    expect(removing.stderr).toMatch(/has no claim absent/)

    expectOneLineError(await latch(dir, ['users', 'update', 'carol@example.com']), 2, /nothing to update/)
    expectOneLineError(await latch(dir, ['users', 'update', 'nobody@example.com', '--roles', 'a']), 1, /no user with email nobody@example\.com/)
    expectOneLineError(await latch(dir, ['users', 'update', 'carol@example.com', '--claim', 'novalue']), 2, /--claim "novalue" must be key=value/)
    expectOneLineError(await latch(dir, ['users', 'update', 'carol@example.com', '--claim', 'x=1', '--claim', 'x=2']), 2, /--claim x is given twice/)
    expectOneLineError(await latch(dir, ['users', 'update', 'carol@example.com', '--claim', 'x=1', '--remove-claim', 'x']), 2, /both name x/)
    expectOneLineError(await latch(dir, ['users', 'update', 'carol@example.com', '--claim', `${'k'.repeat(65)}=1`]), 2, /^error: --claim key "k+" is longer than 64 characters/)
    expectOneLineError(await latch(dir, ['users', 'update', 'carol@example.com', '--roles', 'a b']), 2, /^error: --roles/)
    expectOneLineError(await latch(dir, ['users', 'create', '--email', 'dave@example.com', '--roles', 'ok,not ok']), 2, /^error: --roles/)
  })

  it('issue 10: `latch serve` loads a TypeScript hooks module (relative to the config file, Node strips the types) and its claims reach the tokens; a missing module stops the start naming hooks', async () => {
    const config = `${CONFIG}  - client_id: svc
    client_secret: svc-secret-0123456789abcdefghijklmnop
    grant_types: [client_credentials]
    scope: read:data
    resources: [https://api.example.com]
default_resource: https://api.example.com
hooks: ./hooks/latch.hooks.ts
`
    const dir = workspace(config)
    mkdirSync(join(dir, 'hooks'))
    writeFileSync(
      join(dir, 'hooks', 'latch.hooks.ts'),
      `interface Input { token: string; user: unknown; client: { client_id: string } }
export function claims({ token, user, client }: Input): Record<string, unknown> {
  return { tenant_tier: user === null ? 'machine-' + client.client_id : 'human', for_token: token, sub: 'forged' }
}
`,
    )
    const serving = await serve(dir)
    const address = String(serving.line.address)
    try {
      const res = await fetch(`${address}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('svc:svc-secret-0123456789abcdefghijklmnop').toString('base64')}` },
        body: 'grant_type=client_credentials',
      })
      const body = (await res.json()) as { access_token: string }
      expect(res.status, JSON.stringify(body)).toBe(200)
      const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
      expect(payload).toMatchObject({ sub: 'svc', client_id: 'svc', tenant_tier: 'machine-svc', for_token: 'access_token' })
    } finally {
      serving.child.kill('SIGTERM')
    }
    expect(await serving.exited).toBe(0)

    rmSync(join(dir, 'hooks'), { recursive: true })
    expectOneLineError(await latch(dir, ['serve', '--port', '0']), 1, /^error: config: hooks cannot load .*latch\.hooks\.ts/)
  })
})
