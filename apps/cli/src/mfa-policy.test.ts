/**
 * Issue 13: `latch clients create --mfa-required`, `latch orgs create --mfa-required` and
 * `latch orgs update --mfa-required | --no-mfa-required` record the MFA policy in the
 * `mfa_policies` table the server reads. Runs the built CLI (test-harness.ts).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { cliTestFile, latch, migrated, ok } from './test-harness.js'

function policies(dir: string): { subject: string; subject_id: string }[] {
  const db = new Database(join(dir, 'latch.db'), { readonly: true })
  try {
    return db.prepare('select subject, subject_id from mfa_policies order by subject, subject_id').all() as { subject: string; subject_id: string }[]
  } finally {
    db.close()
  }
}

cliTestFile()

describe.concurrent('latch: MFA policy flags', { timeout: 90_000 }, () => {
  it('issue 13: --mfa-required on clients create and orgs create/update sets the policy; --no-mfa-required clears it', async () => {
    const dir = await migrated()
    const created = JSON.parse(await ok(dir, ['clients', 'create', '--id', 'strict', '--redirect-uris', 'https://app.example/cb', '--mfa-required', '--json'])) as Record<string, unknown>
    expect(created.mfa_required).toBe(true)
    await ok(dir, ['clients', 'create', '--id', 'lax', '--redirect-uris', 'https://app.example/cb'])
    await ok(dir, ['orgs', 'create', '--id', 'acme', '--name', 'Acme', '--mfa-required'])
    await ok(dir, ['orgs', 'create', '--id', 'other', '--name', 'Other'])
    expect(policies(dir)).toEqual([{ subject: 'client', subject_id: 'strict' }, { subject: 'organization', subject_id: 'acme' }])
    const updated = JSON.parse(await ok(dir, ['orgs', 'update', 'acme', '--no-mfa-required', '--json'])) as Record<string, unknown>
    expect(updated.mfa_required).toBe(false)
    await ok(dir, ['orgs', 'update', 'other', '--mfa-required'])
    expect(policies(dir)).toEqual([{ subject: 'client', subject_id: 'strict' }, { subject: 'organization', subject_id: 'other' }])
    expect((await latch(dir, ['orgs', 'update', 'other'])).code).toBe(2)
  })

  it('issue 13: users reset-mfa removes the TOTP authenticator and the recovery codes, and with --passkeys the passkeys', async () => {
    const dir = await migrated()
    await ok(dir, ['users', 'create', '--email', 'lost@example.com', '--password-stdin'], { input: 'lost-phone-password-1\n' })
    const db = new Database(join(dir, 'latch.db'))
    try {
      const { id } = db.prepare('select id from users where email = ?').get('lost@example.com') as { id: string }
      db.prepare("insert into mfa_totp (user_id, tenant_id, secret_encrypted, failures, confirmed_at, created_at) values (?, 'default', 'jwe', 0, 1, 1)").run(id)
      db.prepare("insert into mfa_recovery_codes (user_id, code_hash, tenant_id, created_at) values (?, 'h', 'default', 1)").run(id)
      db.prepare("insert into passkeys (tenant_id, credential_id, user_id, public_key, sign_count, transports, backup_eligible, backed_up, aaguid, name, created_at, last_used_at) values ('default', 'cred', ?, 'k', 0, '[]', 0, 0, '', 'Phone', 1, null)").run(id)
    } finally {
      db.close()
    }
    expect(await ok(dir, ['users', 'reset-mfa', 'lost@example.com'])).toContain('two-step verification removed for lost@example.com')
    const after = new Database(join(dir, 'latch.db'), { readonly: true })
    try {
      expect(after.prepare('select count(*) as n from mfa_totp').get()).toEqual({ n: 0 })
      expect(after.prepare('select count(*) as n from mfa_recovery_codes').get()).toEqual({ n: 0 })
      // Passkeys are first factors too: only --passkeys removes them.
      expect(after.prepare('select count(*) as n from passkeys').get()).toEqual({ n: 1 })
    } finally {
      after.close()
    }
    expect(await ok(dir, ['users', 'reset-mfa', 'lost@example.com'])).toContain('had no two-step verification')
    expect(await ok(dir, ['users', 'reset-mfa', 'lost@example.com', '--passkeys'])).toContain('1 passkey removed for lost@example.com')
    const last = new Database(join(dir, 'latch.db'), { readonly: true })
    try {
      expect(last.prepare('select count(*) as n from passkeys').get()).toEqual({ n: 0 })
    } finally {
      last.close()
    }
  })
})
