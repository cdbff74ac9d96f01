/**
 * Issue 12: `latch clients create --backchannel-logout-uri URL [--backchannel-logout-session-required]`
 * (OIDC Back-Channel Logout 1.0 §2.2 client metadata), validated like the config file's key, and
 * shown by `clients list --json`. Runs the built CLI (test-harness.ts).
 */
import { describe, expect, it } from 'vitest'
import { cliTestFile, expectOneLineError, latch, migrated, ok } from './test-harness.js'

// Each test has a workspace (config file, database) of its own, and much of its time is spent
// waiting on the database and argon2: the tests run side by side (maxConcurrency, vitest.config.ts).
cliTestFile()

describe.concurrent('latch clients create: back-channel logout', { timeout: 90_000 }, () => {
  it('OIDC Back-Channel Logout §2.2: --backchannel-logout-uri registers the URI (and --backchannel-logout-session-required), listed by clients list --json', async () => {
    const dir = await migrated()
    const created = JSON.parse(
      await ok(dir, [
        'clients', 'create', '--id', 'bff', '--redirect-uris', 'https://app.example/auth/callback',
        '--backchannel-logout-uri', 'https://app.example/auth/backchannel-logout', '--backchannel-logout-session-required', '--json',
      ]),
    ) as Record<string, unknown>
    expect(created).toMatchObject({ backchannel_logout_uri: 'https://app.example/auth/backchannel-logout', backchannel_logout_session_required: true })
    await ok(dir, ['clients', 'create', '--id', 'plain', '--redirect-uris', 'https://app.example/cb'])
    const listed = JSON.parse(await ok(dir, ['clients', 'list', '--json'])) as Record<string, unknown>[]
    expect(listed.find((c) => c.client_id === 'bff')).toMatchObject({ backchannel_logout_uri: 'https://app.example/auth/backchannel-logout', backchannel_logout_session_required: true })
    expect(listed.find((c) => c.client_id === 'plain')).toMatchObject({ backchannel_logout_uri: null, backchannel_logout_session_required: false })
  })

  it('OIDC Back-Channel Logout §2.2: a URI with a fragment, a relative one, or http off this machine is a usage error naming the flag (exit 2)', async () => {
    const dir = await migrated()
    const create = (uri: string) => latch(dir, ['clients', 'create', '--id', 'x', '--redirect-uris', 'https://app.example/cb', '--backchannel-logout-uri', uri])
    expectOneLineError(await create('https://app.example/bcl#frag'), 2, /--backchannel-logout-uri .*fragment/)
    expectOneLineError(await create('/bcl'), 2, /--backchannel-logout-uri must be an absolute URL/)
    expectOneLineError(await create('http://app.example/bcl'), 2, /--backchannel-logout-uri must use https/)
    // http to this machine is fine (a receiver in development).
    expect(JSON.parse(await ok(dir, ['clients', 'create', '--id', 'dev', '--redirect-uris', 'http://localhost:5173/cb', '--backchannel-logout-uri', 'http://localhost:5173/auth/backchannel-logout', '--json'])))
      .toMatchObject({ backchannel_logout_uri: 'http://localhost:5173/auth/backchannel-logout' })
  })
})
