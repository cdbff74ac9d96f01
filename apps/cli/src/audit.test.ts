/**
 * Issue 14: `latch audit list`: the audit log of the tenant, newest first, filtered by time
 * (relative or ISO), type, user (as actor or subject, and the failed sign-ins of that account by its
 * keyed hash, even with no such user), client and outcome, paged with a cursor; a table by default,
 * a JSON array of schema-version-1 records with --json. Records are planted through the store's
 * own `audit.append`, as the server's batch writer writes them. Runs the built CLI (test-harness.ts).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { accountTagOf, createStore, type AuditRecord } from '@latch/server/admin'
import { SECRET, cliTestFile, expectOneLineError, latch, migrated, ok } from './test-harness.js'

cliTestFile()

let serial = 0
function rec(ms: number, over: Partial<AuditRecord>): AuditRecord {
  const id = `${ms.toString(16).padStart(12, '0')}00000000${(++serial).toString(16).padStart(8, '0')}`
  return {
    id, type: 'token.issued', version: 1, time: new Date(ms).toISOString(), tenant: 'default',
    actor: { type: 'client', id: 'svc' }, subject: { type: 'client', id: 'svc' }, client_id: 'svc',
    ip: '192.0.2.1', user_agent: 'curl/8', outcome: 'success', data: {}, ...over,
  }
}

/** A workspace with Alice and a log: two hours ago, then five records in the last minute. */
async function withLog(): Promise<{ dir: string; alice: string }> {
  const dir = await migrated()
  const store = await createStore(`sqlite:${join(dir, 'latch.db')}`)
  try {
    // Straight into the store: \`latch users create\` would add its own audit record (admin.user.created).
    const alice = (await store.users.upsert({ email: 'alice@example.com', email_verified: false, password_hash: null, claims: {} }, Math.floor(Date.now() / 1000))).id
    const now = Date.now()
    await store.audit.append([
      rec(now - 2 * 3_600_000, { type: 'key.rotated', actor: { type: 'system', id: null }, subject: { type: 'key', id: 'old' }, client_id: null }),
      rec(now - 50_000, { type: 'login.failed', actor: { type: 'anonymous', id: null }, subject: { type: 'account', id: accountTagOf(SECRET, 'ghost@example.com') }, client_id: null, outcome: 'failure', data: { reason: 'bad_credentials' } }),
      rec(now - 40_000, { type: 'login.failed', actor: { type: 'anonymous', id: null }, subject: { type: 'account', id: accountTagOf(SECRET, 'alice@example.com') }, client_id: null, outcome: 'failure', data: { reason: 'bad_credentials' } }),
      rec(now - 30_000, { type: 'login.succeeded', actor: { type: 'user', id: alice }, subject: { type: 'session', id: 's1' }, client_id: null }),
      rec(now - 20_000, { type: 'token.issued', actor: { type: 'client', id: 'web' }, subject: { type: 'user', id: alice }, client_id: 'web', data: { grant_type: 'authorization_code' } }),
      rec(now - 10_000, { data: { grant_type: 'client_credentials' } }),
    ])
    return { dir, alice }
  } finally {
    await store.close()
  }
}

const types = (stdout: string) => (JSON.parse(stdout) as AuditRecord[]).map((r) => r.type)

describe.concurrent('latch audit list', { timeout: 90_000 }, () => {
  it('issue 14: --since, --type, --client and --outcome filter; newest first; --json is an array of version-1 records', async () => {
    const { dir } = await withLog()
    expect(types(await ok(dir, ['audit', 'list', '--since', '1h', '--json']))).toEqual(['token.issued', 'token.issued', 'login.succeeded', 'login.failed', 'login.failed'])
    expect(types(await ok(dir, ['audit', 'list', '--json']))).toHaveLength(6)
    expect(types(await ok(dir, ['audit', 'list', '--until', '1h', '--json']))).toEqual(['key.rotated'])
    expect(types(await ok(dir, ['audit', 'list', '--since', new Date(Date.now() - 3_600_000).toISOString(), '--type', 'login.failed,login.succeeded', '--json']))).toEqual(['login.succeeded', 'login.failed', 'login.failed'])
    const web = JSON.parse(await ok(dir, ['audit', 'list', '--client', 'web', '--json'])) as AuditRecord[]
    expect(web).toEqual([expect.objectContaining({ version: 1, type: 'token.issued', client_id: 'web', data: { grant_type: 'authorization_code' } })])
    expect(types(await ok(dir, ['audit', 'list', '--outcome', 'failure', '--json']))).toEqual(['login.failed', 'login.failed'])
  })

  it('issue 14: --user EMAIL finds the user as actor or subject and the failed sign-ins of the account, by its keyed hash; an unknown email its failures only', async () => {
    const { dir, alice } = await withLog()
    const mine = JSON.parse(await ok(dir, ['audit', 'list', '--user', 'Alice@Example.com', '--json'])) as AuditRecord[]
    expect(mine.map((r) => r.type)).toEqual(['token.issued', 'login.succeeded', 'login.failed'])
    expect(mine[0]!.subject).toEqual({ type: 'user', id: alice })
    const ghost = JSON.parse(await ok(dir, ['audit', 'list', '--user', 'ghost@example.com', '--json'])) as AuditRecord[]
    expect(ghost).toEqual([expect.objectContaining({ type: 'login.failed', subject: { type: 'account', id: accountTagOf(SECRET, 'ghost@example.com') } })])
    // The email itself is in no record.
    expect(JSON.stringify(ghost)).not.toContain('ghost@')
    // Issue 14 (admin API, audit/user-filter.ts shared with it): a user id finds the same records as the email.
    const byId = JSON.parse(await ok(dir, ['audit', 'list', '--user', alice, '--json'])) as AuditRecord[]
    expect(byId.map((r) => r.id)).toEqual(mine.map((r) => r.id))
  })

  it('security review: --user matches subjects and actors by type and id (a client or key with the user\'s id is not the user); a secret not from the environment is warned about on stderr', async () => {
    const { dir, alice } = await withLog()
    const store = await createStore(`sqlite:${join(dir, 'latch.db')}`)
    try {
      const now = Date.now()
      await store.audit.append([
        rec(now - 5_000, { type: 'token.revoked', actor: { type: 'client', id: alice }, subject: { type: 'client', id: alice }, client_id: alice }),
        rec(now - 4_000, { type: 'key.rotated', actor: { type: 'system', id: null }, subject: { type: 'key', id: alice }, client_id: null }),
      ])
    } finally {
      await store.close()
    }
    const run = await latch(dir, ['audit', 'list', '--user', 'alice@example.com', '--json'])
    expect(run.code).toBe(0)
    expect(types(run.stdout)).toEqual(['token.issued', 'login.succeeded', 'login.failed'])
    expect(run.stderr).not.toContain('LATCH_SECRET')
    // The same secret from the development secret file: the hash matches, and stderr says where the secret came from.
    writeFileSync(join(dir, 'latch.secret'), SECRET, { mode: 0o600 })
    const fromFile = await latch(dir, ['audit', 'list', '--user', 'alice@example.com', '--json'], { env: { LATCH_SECRET: '' } })
    expect(fromFile.code).toBe(0)
    expect(types(fromFile.stdout)).toEqual(['token.issued', 'login.succeeded', 'login.failed'])
    expect(fromFile.stderr).toMatch(/warning: LATCH_SECRET is not set in the environment/)
  })

  it('issue 14: --limit pages, stderr names the --cursor of the next page; a table by default', async () => {
    const { dir } = await withLog()
    const first = await latch(dir, ['audit', 'list', '--limit', '4', '--json'])
    expect(first.code).toBe(0)
    expect(types(first.stdout)).toEqual(['token.issued', 'token.issued', 'login.succeeded', 'login.failed'])
    const cursor = /more: --cursor ([0-9a-f]+)/.exec(first.stderr)?.[1]
    expect(cursor).toBe((JSON.parse(first.stdout) as AuditRecord[])[3]!.id)
    const second = await latch(dir, ['audit', 'list', '--limit', '4', '--cursor', cursor!, '--json'])
    expect(types(second.stdout)).toEqual(['login.failed', 'key.rotated'])
    expect(second.stderr).not.toContain('more:')
    const table = await ok(dir, ['audit', 'list', '--type', 'login.succeeded'])
    expect(table.split('\n')[0]).toMatch(/^TIME\s+TYPE\s+OUTCOME\s+ACTOR\s+SUBJECT\s+CLIENT\s+IP\s+ID$/)
    expect(table).toMatch(/login\.succeeded\s+success\s+user:\S+\s+session:s1\s+-\s+192\.0\.2\.1/)
  })

  it('issue 14: bad flags are usage errors (exit 2); an unknown tenant exit 1', async () => {
    const dir = await migrated()
    expectOneLineError(await latch(dir, ['audit', 'list', '--since', 'yesterday']), 2, /--since "yesterday" must be a duration/)
    expectOneLineError(await latch(dir, ['audit', 'list', '--type', 'login.nope']), 2, /--type login\.nope: no such event/)
    expectOneLineError(await latch(dir, ['audit', 'list', '--limit', '0']), 2, /--limit must be an integer from 1 to 1000/)
    expectOneLineError(await latch(dir, ['audit', 'list', '--outcome', 'maybe']), 2, /--outcome must be success or failure/)
    expectOneLineError(await latch(dir, ['audit', 'list', '--tenant', 'nope']), 1, /no tenant nope/)
    expect((await latch(dir, ['audit', 'list'])).stderr).toContain('no audit records')
  })
})
