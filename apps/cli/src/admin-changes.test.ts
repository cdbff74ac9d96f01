/**
 * Issue 14: every administrative change made with the CLI is in the audit log ("who changed what,
 * before and after, secrets masked"; DESIGN14b), read back with `latch audit list --type … --json`.
 */
import { userInfo } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '@latch/server/admin'
import { cliTestFile, latch, migrated, ok } from './test-harness.js'

cliTestFile()

const records = async (dir: string, type: string): Promise<AuditRecord[]> => JSON.parse(await ok(dir, ['audit', 'list', '--type', type, '--json'])) as AuditRecord[]

const admin = (() => {
  try {
    return userInfo().username
  } catch {
    return process.env.USER || 'unknown'
  }
})()

describe.concurrent('latch: administrative changes in the audit log', { timeout: 90_000 }, () => {
  it('DESIGN14b: clients create is admin.client.created by the OS user, after without the secret or its hash; delete has after null', async () => {
    const dir = await migrated()
    const created = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'web', '--redirect-uris', 'https://app.example.com/cb', '--json'])) as { client_secret: string }
    const [record] = await records(dir, 'admin.client.created')
    expect(record).toMatchObject({ version: 1, tenant: 'default', actor: { type: 'admin', id: admin }, subject: { type: 'client', id: 'web' }, outcome: 'success', ip: null, data: { before: null, via: 'cli' } })
    const after = record!.data.after as Record<string, unknown>
    expect(after).toMatchObject({ client_id: 'web', redirect_uris: ['https://app.example.com/cb'], client_secret_hash: '[masked]' })
    expect(JSON.stringify(record)).not.toContain(created.client_secret)
    await ok(dir, ['clients', 'delete', 'web'])
    const [deleted] = await records(dir, 'admin.client.deleted')
    expect(deleted!.data).toMatchObject({ before: { client_id: 'web' }, after: null })
  })

  it('DESIGN14b: users set-password is admin.user.password_set, with no hash and no password', async () => {
    const dir = await migrated()
    await ok(dir, ['users', 'create', '--email', 'alice@example.com', '--password-stdin'], { input: 'first-password-123\n' })
    await ok(dir, ['users', 'set-password', 'alice@example.com', '--password-stdin'], { input: 'second-password-456\n' })
    const [record] = await records(dir, 'admin.user.password_set')
    expect(record).toMatchObject({ actor: { type: 'admin', id: admin }, subject: { type: 'user' }, data: { before: { email: 'alice@example.com', has_password: true }, after: { has_password: true }, signed_out: true, via: 'cli' } })
    const all = await ok(dir, ['audit', 'list', '--json'])
    expect(all).not.toContain('first-password-123')
    expect(all).not.toContain('second-password-456')
    expect(all).not.toContain('$argon2')
  })

  it('DESIGN14b: orgs delete is admin.organization.deleted with before present and after null', async () => {
    const dir = await migrated()
    await ok(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Acme', '--domains', 'acme.example'])
    await ok(dir, ['orgs', 'delete', 'acme'])
    const [record] = await records(dir, 'admin.organization.deleted')
    expect(record).toMatchObject({ subject: { type: 'organization', id: 'acme' }, data: { before: { id: 'acme', name: 'Acme', domains: ['acme.example'] }, after: null } })
  })

  it('DESIGN14b: keys rotate is admin.key.rotated naming the new key; a failed command records nothing', async () => {
    const dir = await migrated()
    const kid = (await ok(dir, ['keys', 'rotate'])).trim()
    const [record] = await records(dir, 'admin.key.rotated')
    expect(record).toMatchObject({ actor: { type: 'admin', id: admin }, subject: { type: 'key', id: kid }, data: { after: { kid }, via: 'cli' } })
    expect(JSON.stringify(record)).not.toMatch(/private/)
    await ok(dir, ['users', 'create', '--email', 'bob@example.com'])
    const before = (JSON.parse(await ok(dir, ['audit', 'list', '--json'])) as unknown[]).length
    const failed = await latch(dir, ['users', 'create', '--email', 'bob@example.com'])
    expect(failed.code).toBe(1)
    expect((JSON.parse(await ok(dir, ['audit', 'list', '--json'])) as unknown[]).length).toBe(before)
  })

  it('issue 14: users disable ends the user\'s sessions and keeps them out (admin.user.disabled); users sign-out is admin.user.signed_out', async () => {
    const dir = await migrated()
    // The user and a session written directly.
    const db = new Database(join(dir, 'latch.db'))
    try {
      db.prepare("insert into users (tenant_id, id, email, email_verified, password_hash, claims, roles, attributes, created_at, updated_at) values ('default', 'u-dave', 'dave@example.com', 1, null, '{}', '[]', '{}', 1, 1)").run()
      db.prepare("insert into sessions (tenant_id, session_hash, id, user_id, auth_time, amr, created_at, expires_at) values ('default', 'h', 'sid-1', 'u-dave', 1, '[\"pwd\"]', 1, 4000000000)").run()
    } finally {
      db.close()
    }
    expect(await ok(dir, ['users', 'sign-out', 'Dave@example.com'])).toContain('dave@example.com signed out: 1 session ended')
    expect(await ok(dir, ['users', 'disable', 'dave@example.com'])).toContain('dave@example.com is disabled')
    const all = JSON.parse(await ok(dir, ['audit', 'list', '--json'])) as AuditRecord[]
    expect(all.find((r) => r.type === 'admin.user.signed_out')).toMatchObject({ actor: { type: 'admin', id: admin }, subject: { type: 'user', id: 'u-dave' }, data: { sessions_ended: 1, via: 'cli' } })
    expect(all.find((r) => r.type === 'admin.user.disabled')).toMatchObject({ subject: { type: 'user', id: 'u-dave' }, data: { before: { disabled_at: null }, via: 'cli' } })
    const check = new Database(join(dir, 'latch.db'), { readonly: true })
    try {
      expect((check.prepare("select disabled_at from users where id = 'u-dave'").get() as { disabled_at: number | null }).disabled_at).toEqual(expect.any(Number))
      expect(check.prepare("select count(*) as n from sessions where user_id = 'u-dave'").get()).toEqual({ n: 0 })
    } finally {
      check.close()
    }
    await ok(dir, ['users', 'enable', 'dave@example.com'])
    const enabled = (JSON.parse(await ok(dir, ['audit', 'list', '--json', '--type', 'admin.user.enabled'])) as AuditRecord[])[0]
    expect(enabled).toMatchObject({ subject: { type: 'user', id: 'u-dave' }, data: { after: { disabled_at: null }, via: 'cli' } })
    const again = new Database(join(dir, 'latch.db'), { readonly: true })
    try {
      expect(again.prepare("select disabled_at from users where id = 'u-dave'").get()).toEqual({ disabled_at: null })
    } finally {
      again.close()
    }
  })
})
