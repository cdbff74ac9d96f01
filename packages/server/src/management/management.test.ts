/**
 * Issue 14: the management services against a real store (SQLite; the clients on PostgreSQL too
 * when it answers): each change validated, written, and recorded in the audit log at once, with
 * secrets masked; nothing recorded when `audit.enabled` is false.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase } from '../../test/support/database.js'
import { loadConfig } from '../config/load.js'
import { ConfigError } from '../errors.js'
import { systemClock } from '../lib/clock.js'
import { createStore } from '../storage/kysely-store.js'
import type { AuditRecord, Store } from '../storage/store.js'
import { MASKED } from './admin-change.js'
import { createClient, deleteClient, updateClient } from './clients.js'
import { rotateKeys } from './keys.js'
import { addOrganizationMember, createOrganization, deleteOrganization, removeOrganizationMember } from './organizations.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { createUser, deleteUser, setUserPassword, updateUser } from './users.js'

const SECRET = 'management-test-secret-0123456789abcdef'
const POSTGRES_UP = await postgresReachable()
const opened: { store: Store; db: TestDatabase }[] = []

async function scopeOn(dialect: 'sqlite' | 'postgres' = 'sqlite', audit = true): Promise<ManagementScope> {
  const db = await createTestDatabase(dialect)
  const { config } = loadConfig({ config: { issuer: 'https://id.example.com', database: db.url, audit: { enabled: audit } }, env: { LATCH_SECRET: SECRET }, cwd: db.dir })
  const store = await createStore(db.url, { migrate: true })
  opened.push({ store, db })
  return { store, config, clock: systemClock, tenant: 'default', actor: { type: 'admin', id: 'ops' }, via: 'cli' }
}

afterEach(async () => {
  for (const { store, db } of opened.splice(0)) {
    await store.close()
    await db.dispose()
  }
})

const log = async (scope: ManagementScope, type?: string): Promise<AuditRecord[]> => (await scope.store.audit.list(type ? { types: [type] } : {})).records

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: POSTGRES_UP },
])('issue 14: clients service on $dialect', ({ dialect, run }) => {
  it.skipIf(!run)('RFC 7591 §3.2.1: create returns the secret once; the record has actor admin and neither the secret nor its hash', async () => {
    const scope = await scopeOn(dialect)
    const { client, secret } = await createClient(scope, { client_id: 'web', redirect_uris: ['https://app.example.com/cb'] })
    expect(secret).toMatch(/.{20,}/)
    const [record] = await log(scope, 'admin.client.created')
    expect(record).toMatchObject({ actor: { type: 'admin', id: 'ops' }, subject: { type: 'client', id: 'web' }, outcome: 'success', data: { before: null, via: 'cli' } })
    expect((record!.data.after as Record<string, unknown>).client_secret_hash).toBe(MASKED)
    expect(JSON.stringify(record)).not.toContain(secret!)
    expect(JSON.stringify(record)).not.toContain(client.client_secret_hash!)
    await expect(createClient(scope, { client_id: 'web', redirect_uris: ['https://app.example.com/cb'] })).rejects.toMatchObject({ code: 'conflict', resource: 'client' })
    await expect(createClient(scope, { client_id: 'bad', redirect_uris: ['https://x.example.com/cb#frag'] })).rejects.toBeInstanceOf(ConfigError)
  })

  it.skipIf(!run)('issue 14: update and delete record before and after; delete of an unknown client is not_found and records nothing', async () => {
    const scope = await scopeOn(dialect)
    await createClient(scope, { client_id: 'web', redirect_uris: ['https://app.example.com/cb'] })
    const updated = await updateClient(scope, 'web', { client_name: 'Web app' })
    expect(updated.client_name).toBe('Web app')
    const [update] = await log(scope, 'admin.client.updated')
    expect(update!.data).toMatchObject({ before: { client_id: 'web', client_secret_hash: MASKED }, after: { client_name: 'Web app', client_secret_hash: MASKED } })
    await deleteClient(scope, 'web')
    expect(await scope.store.clients.get('web')).toBeNull()
    const [deleted] = await log(scope, 'admin.client.deleted')
    expect(deleted!.data).toMatchObject({ before: { client_id: 'web', client_name: 'Web app' }, after: null })
    await expect(deleteClient(scope, 'web')).rejects.toMatchObject({ code: 'not_found' })
    expect(await log(scope, 'admin.client.deleted')).toHaveLength(1)
  })
})

describe('issue 14: users, organizations and keys services (SQLite)', () => {
  it('RFC 9106: a user created and given a password is recorded without the hash or the password', async () => {
    const scope = await scopeOn()
    const user = await createUser(scope, { email: 'Alice@Example.com', password: 'first-password-123', roles: ['staff'] })
    await setUserPassword(scope, 'alice@example.com', 'second-password-456')
    const records = await log(scope)
    expect(records.map((r) => r.type)).toEqual(['admin.user.password_set', 'admin.user.created'])
    expect(records[0]).toMatchObject({ subject: { type: 'user', id: user.id }, data: { before: { has_password: true }, after: { has_password: true }, signed_out: true } })
    const text = JSON.stringify(records)
    for (const secret of ['first-password-123', 'second-password-456', user.password_hash!, (await scope.store.users.getById(user.id))!.password_hash!]) expect(text).not.toContain(secret)
    await expect(createUser(scope, { email: 'alice@example.com' })).rejects.toMatchObject({ code: 'conflict' })
    await expect(setUserPassword(scope, 'alice@example.com', 'short')).rejects.toBeInstanceOf(ConfigError)
  })

  it('issue 10: update replaces roles and sets claims, recorded before and after; delete records before, after null', async () => {
    const scope = await scopeOn()
    await createUser(scope, { email: 'bob@example.com', roles: ['a'] })
    const { user, missing } = await updateUser(scope, 'bob@example.com', { roles: ['b'], setClaims: { dept: 'x' }, removeClaims: ['nope'] })
    expect(user).toMatchObject({ roles: ['b'], attributes: { dept: 'x' } })
    expect(missing).toEqual(['nope'])
    const [updated] = await log(scope, 'admin.user.updated')
    expect(updated!.data).toMatchObject({ before: { roles: ['a'] }, after: { roles: ['b'], attributes: { dept: 'x' } } })
    await deleteUser(scope, 'bob@example.com')
    const [deleted] = await log(scope, 'admin.user.deleted')
    expect(deleted!.data).toMatchObject({ before: { email: 'bob@example.com' }, after: null })
    await expect(deleteUser(scope, 'bob@example.com')).rejects.toBeInstanceOf(ManagementError)
  })

  it('issue 10: organizations and members: created, member added then updated then removed, deleted (before present, after null)', async () => {
    const scope = await scopeOn()
    await createUser(scope, { email: 'carol@example.com' })
    await createOrganization(scope, { id: 'acme', name: 'Acme', domains: ['acme.example'] })
    await addOrganizationMember(scope, 'acme', 'carol@example.com', ['admin'])
    await addOrganizationMember(scope, 'acme', 'carol@example.com', ['member'])
    await removeOrganizationMember(scope, 'acme', 'carol@example.com')
    await deleteOrganization(scope, 'acme')
    const types = (await log(scope)).map((r) => r.type).reverse()
    expect(types).toEqual([
      'admin.user.created', 'admin.organization.created', 'admin.organization_member.added', 'admin.organization_member.updated',
      'admin.organization_member.removed', 'admin.organization.deleted',
    ])
    const [deleted] = await log(scope, 'admin.organization.deleted')
    expect(deleted).toMatchObject({ subject: { type: 'organization', id: 'acme' }, data: { before: { id: 'acme', name: 'Acme', domains: ['acme.example'], mfa_required: false }, after: null } })
    await expect(createOrganization(scope, { id: 'Bad Id', name: 'x' })).rejects.toBeInstanceOf(ConfigError)
  })

  it('issue 14: an administrator gives the built-in latch: roles to a user, never another latch: role, and never a latch: role to an organization member', async () => {
    const scope = await scopeOn()
    await createUser(scope, { email: 'dave@example.com', roles: ['latch:viewer'] })
    await updateUser(scope, 'dave@example.com', { roles: ['latch:admin', 'editor'] })
    expect((await scope.store.users.getByEmail('dave@example.com'))!.roles).toEqual(['latch:admin', 'editor'])
    await expect(updateUser(scope, 'dave@example.com', { roles: ['latch:root'] })).rejects.toThrow(/users\[0\]\.roles names latch:root: the latch: prefix is reserved/)
    await createOrganization(scope, { id: 'acme', name: 'Acme' })
    await expect(addOrganizationMember(scope, 'acme', 'dave@example.com', ['member', 'latch:admin'])).rejects.toThrow(/users\[0\]\.roles names latch:admin: latch: roles are a user's own/)
    expect(await scope.store.organizations.membership('acme', (await scope.store.users.getByEmail('dave@example.com'))!.id)).toBeNull()
  })

  it('OIDC Core §10.1.1: keys rotated are recorded as admin.key.rotated, with kids and never a private key', async () => {
    const scope = await scopeOn()
    const first = await rotateKeys(scope)
    const second = await rotateKeys(scope)
    expect(second.retired).toEqual([first.kid])
    const records = await log(scope, 'admin.key.rotated')
    expect(records).toHaveLength(2)
    expect(records[0]).toMatchObject({ subject: { type: 'key', id: second.kid }, data: { after: { kid: second.kid, retired: [first.kid] } } })
    const keys = await scope.store.keys.list(systemClock.now())
    for (const k of keys) expect(JSON.stringify(records)).not.toContain(k.private_jwk_encrypted)
  })

  it('issue 14: with audit.enabled false the change is made and nothing is recorded', async () => {
    const scope = await scopeOn('sqlite', false)
    await createClient(scope, { client_id: 'svc', grant_types: ['client_credentials'] })
    expect(await scope.store.clients.get('svc')).not.toBeNull()
    expect(await log(scope)).toEqual([])
  })
})
