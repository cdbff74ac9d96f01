/**
 * Dynamic scopes (issue 10) on a real store: an instance of a scope template is granted only when
 * each parameter checks out for this user or client; everything else is dropped (RFC 6749 §3.3).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestContext, TEST_API, TEST_CONFIG, type TestContext } from '../../test/support/context.js'
import { grantDynamicScopes } from './dynamic-scopes.js'
import { joinByEmailDomain } from './membership.js'

const SECRET = 'x'.repeat(40)
const TEMPLATES = [
  { name: 'read:organization:{org_id}', description: 'Read {org_name} data', roles: ['admin', 'member'] },
  { name: 'admin:organization:{org_id}', description: 'Administer {org_name}', roles: ['admin'] },
  { name: 'any:organization:{org_id}', description: 'Use {org_name}' },
  { name: 'deploy:project:{project_id}', description: 'Deploy project {project_id}', parameters: { project_id: { attribute: 'projects' } } },
  { name: 'team:{team_id}', description: 'Team {team_id}' },
]
const registered = 'openid read:organization:{org_id} admin:organization:{org_id} any:organization:{org_id} deploy:project:{project_id} team:{team_id}'

function config(hooks: string | null) {
  return {
    scopes: [...(TEST_CONFIG.scopes as unknown[]), ...TEMPLATES],
    hooks,
    clients: [
      { client_id: 'web', client_secret: SECRET, grant_types: ['authorization_code'], redirect_uris: ['https://rp.example.test/cb'], scope: registered },
      { client_id: 'narrow', client_secret: SECRET, grant_types: ['authorization_code'], redirect_uris: ['https://rp.example.test/cb'], scope: 'openid read:organization:acme' },
      { client_id: 'svc', client_secret: SECRET, grant_types: ['client_credentials'], scope: registered.replace('openid ', ''), organizations: ['acme', 'ghost'] },
    ],
    users: [
      { email: 'alice@example.com', email_verified: true, claims: { projects: ['p1', 'p2'] } },
      { email: 'bob@globex.example', email_verified: true },
      { email: 'eve@globex.example', email_verified: false },
    ],
    organizations: [
      { id: 'acme', name: 'Acme Corp', members: [{ email: 'alice@example.com', roles: ['admin'] }] },
      { id: 'globex', name: 'Globex Corporation', domains: ['globex.example'], members: [{ email: 'alice@example.com', roles: ['viewer'] }] },
    ],
  }
}

describe('dynamic scopes', () => {
  let t: TestContext
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-hooks-'))
    const hooks = join(dir, 'hooks.mjs')
    // A real module: team ids the user's email local part starts with are theirs (whatever the rule, it is the operator's).
    writeFileSync(
      hooks,
      [
        'export function scopeParameter({ tenant, name, value, user, client, organization }) {',
        "  if (value === 'tenant') return tenant.id === 'default' && typeof tenant.issuer === 'string' && Object.isFrozen(tenant)",
        "  if (value === 'boom') throw new Error('hook failure')",
        "  if (value === 'slow') return new Promise((resolve) => setTimeout(() => resolve(true), 1500))",
        "  if (value === 'mutate') { try { organization.id = 'umbrella' } catch {} return Object.isFrozen(organization) && organization.id === 'acme' }",
        "  if (value === 'peek') return user !== null && !('password_hash' in user) && !('client_secret_hash' in client) && Object.isFrozen(user)",
        "  return name === 'team_id' && user !== null && value.startsWith(user.email.split('@')[0]) ? true : 'yes'",
        '}',
        '',
      ].join('\n'),
    )
    t = await createTestContext({ config: config(hooks) })
  })
  afterAll(() => t.close())

  const grant = async (requested: string[], clientId = 'web', email: string | null = 'alice@example.com') =>
    grantDynamicScopes(t.ctx, { requested, client: await t.client(clientId), user: email === null ? null : await t.user(email), resource: TEST_API, organization: null })

  it('issue 10: {org_id} is granted to a member with one of the template roles, with the concrete description', async () => {
    const result = await grant(['read:organization:acme', 'admin:organization:acme', 'any:organization:globex'])
    expect(result.granted).toEqual(['read:organization:acme', 'admin:organization:acme', 'any:organization:globex'])
    expect(result.descriptions).toEqual({ 'read:organization:acme': 'Read Acme Corp data', 'admin:organization:acme': 'Administer Acme Corp', 'any:organization:globex': 'Use Globex Corporation' })
  })

  it('RFC 6749 §3.3: a role the template does not list, or an organization the user is not in, is dropped', async () => {
    const result = await grant(['read:organization:globex', 'admin:organization:globex', 'read:organization:initech', 'read:organization:acme'])
    expect(result.granted).toEqual(['read:organization:acme'])
    expect(result.refused).toEqual(['read:organization:globex', 'admin:organization:globex', 'read:organization:initech'])
  })

  it('RFC 6749 §3.3: injected values are never granted (wildcards, encoded separators, other case)', async () => {
    const result = await grant(['read:organization:acme', 'read:organization:*', 'read:organization:acme%2Fx', 'read:organization:ACME', 'read:organization:acme:x'])
    expect(result.granted).toEqual(['read:organization:acme'])
    expect(result.refused).toHaveLength(4)
  })

  it('a client gets only instances of templates it registers (or the very instance)', async () => {
    expect((await grant(['read:organization:acme', 'any:organization:acme'], 'narrow')).granted).toEqual(['read:organization:acme'])
  })

  it('a declared parameter must be the user\'s attribute (or one of its elements)', async () => {
    const result = await grant(['deploy:project:p2', 'deploy:project:p3'])
    expect(result.granted).toEqual(['deploy:project:p2'])
    expect(result.descriptions['deploy:project:p2']).toBe('Deploy project p2')
    expect((await grant(['deploy:project:p1'], 'web', 'bob@globex.example')).granted).toEqual([])
  })

  it('an undeclared parameter is granted only when the hook answers exactly true', async () => {
    const result = await grant(['team:alice-red', 'team:bob-blue'])
    expect(result.granted).toEqual(['team:alice-red'])
    // The hook answers 'yes' (truthy, not true) for bob's team when asked by alice: refused.
    expect(result.refused).toEqual(['team:bob-blue'])
  })

  it('the hook sees copies without the password or secret hash; one that throws or overruns 1 s refuses (fails closed) and is logged', async () => {
    expect((await grant(['team:peek'])).granted).toEqual(['team:peek'])
    // The organization is a frozen copy too: a hook that writes to it changes no org_id.
    const acme = await t.store.organizations.get('acme')
    const mutated = await grantDynamicScopes(t.ctx, { requested: ['team:mutate'], client: await t.client('web'), user: await t.user(), resource: TEST_API, organization: acme })
    expect(mutated.granted).toEqual(['team:mutate'])
    expect(acme?.id).toBe('acme')
    const started = Date.now()
    const result = await grant(['team:boom', 'team:slow', 'team:alice-ok'])
    expect(result.granted).toEqual(['team:alice-ok'])
    expect(result.refused).toEqual(['team:boom', 'team:slow'])
    expect(Date.now() - started).toBeLessThan(1400)
  })

  it('client credentials: {org_id} must be one of the client\'s organizations, and exist; roles restrict users only', async () => {
    const result = await grant(['admin:organization:acme', 'read:organization:globex', 'read:organization:ghost'], 'svc', null)
    expect(result.granted).toEqual(['admin:organization:acme'])
    expect(result.refused).toEqual(['read:organization:globex', 'read:organization:ghost'])
    // A user parameter has no user to check against.
    expect((await grant(['deploy:project:p1'], 'svc', null)).granted).toEqual([])
  })

  it('email-domain join: a verified email of a listed domain joins with roles [member], once; an unverified one does not', async () => {
    const bob = await t.user('bob@globex.example')
    expect(await joinByEmailDomain(t.store, bob, t.clock.now())).toEqual(['globex'])
    expect(await joinByEmailDomain(t.store, bob, t.clock.now())).toEqual([])
    expect((await t.store.organizations.membership('globex', bob.id))?.roles).toEqual(['member'])
    const eve = await t.user('eve@globex.example')
    expect(await joinByEmailDomain(t.store, eve, t.clock.now())).toEqual([])
    // An existing member keeps their roles.
    const alice = await t.user('alice@example.com')
    await t.store.organizations.upsert({ id: 'globex', name: 'Globex Corporation', domains: ['globex.example', 'example.com'] }, t.clock.now())
    expect(await joinByEmailDomain(t.store, alice, t.clock.now())).toEqual([])
    expect((await t.store.organizations.membership('globex', alice.id))?.roles).toEqual(['viewer'])
  })

  it('seed: organizations and members of the file are created at start; a member who is nobody stops the start naming the key', async () => {
    const alice = await t.user('alice@example.com')
    expect((await t.store.organizations.membershipsOf(alice.id, 10)).map((m) => [m.organization.id, m.roles])).toEqual([['acme', ['admin']], ['globex', ['viewer']]])
    await expect(createTestContext({ config: { organizations: [{ id: 'x', name: 'X', members: [{ email: 'nobody@example.com' }] }] } })).rejects.toThrow(/organizations\[0\]\.members\[0\]\.email names nobody@example\.com/)
  })
  it('issue 11: the hook is told the tenant it runs for (one module serves every tenant)', async () => {
    expect((await grant(['team:tenant'])).granted).toEqual(['team:tenant'])
  })
})
