/**
 * Issue 10 config: organizations, scope templates, custom claims and the hooks module are checked
 * at boot, each problem naming its key (docs/architecture.md §2 "Config file").
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfig } from './load.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (config: Record<string, unknown>) => loadConfig({ config, env, cwd: mkdtempSync(join(tmpdir(), 'latch-cfg-')) }).config
const TEMPLATE = { name: 'read:organization:{org_id}', description: 'Read {org_name} data', roles: ['admin'] }
const web = { client_id: 'web', client_secret: 'x'.repeat(40), redirect_uris: ['https://rp.example/cb'] }

function configError(config: Record<string, unknown>): string {
  try {
    load(config)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('config: organizations (issue 10)', () => {
  it('organizations need a stable id ([a-z0-9-]{1,64}), unique, and unique member emails', () => {
    expect(configError({ organizations: [{ id: 'Acme', name: 'A' }] })).toMatch(/^config: organizations\[0\]\.id /)
    expect(configError({ organizations: [{ id: 'acme', name: 'A' }, { id: 'acme', name: 'B' }] })).toMatch(/organizations\[1\]\.id duplicates acme/)
    expect(configError({ organizations: [{ id: 'acme', name: 'A', members: [{ email: 'a@x.io' }, { email: 'A@x.io' }] }] })).toMatch(/organizations\[0\]\.members\[1\]\.email duplicates/)
    expect(configError({ organizations: [{ id: 'acme', name: 'A', domains: ['Acme.Example'] }] })).toMatch(/organizations\[0\]\.domains\[0\]/)
  })

  it('a template is not grantable as written: its name is kept out of known_scopes but clients may register it', () => {
    const config = load({ scopes: [TEMPLATE, { name: 'read:data', description: 'd' }], clients: [{ ...web, scope: 'openid read:organization:{org_id}' }] })
    expect(config.scope_templates.map((t) => t.name)).toEqual(['read:organization:{org_id}'])
    expect(config.known_scopes).toContain('read:data')
    expect(config.known_scopes).not.toContain('read:organization:{org_id}')
    expect(config.clients[0]?.scope).toBe('openid read:organization:{org_id}')
  })

  it('a template listed under a resource stays a template of that resource', () => {
    const config = load({ resources: [{ identifier: 'https://api.example', scopes: ['read:organization:{org_id}'] }], scopes: [TEMPLATE] })
    expect(config.known_scopes).not.toContain('read:organization:{org_id}')
  })

  it('template problems stop the server naming the key', () => {
    expect(configError({ scopes: [{ name: 'read:{Org}', description: 'd' }] })).toMatch(/scopes\[0\]\.name has a "\{" but no/)
    expect(configError({ scopes: [{ name: 'read:data', description: 'd', roles: ['admin'] }] })).toMatch(/scopes\[0\]\.roles applies to scope templates only/)
    expect(configError({ scopes: [{ name: 'deploy:{project_id}', description: 'd', roles: ['admin'] }] })).toMatch(/scopes\[0\]\.roles needs an \{org_id\}/)
    expect(configError({ scopes: [{ name: 'deploy:{project_id}', description: 'd' }] })).toMatch(/scopes\[0\]\.name has the parameter \{project_id\}, which neither/)
    expect(configError({ scopes: [{ name: 'deploy:{project_id}', description: 'd', parameters: { other: { attribute: 'x' } } }] })).toMatch(/scopes\[0\]\.parameters\.other is not a parameter/)
    expect(configError({ scopes: [{ name: 'r:{org_id}', description: 'd', parameters: { org_id: { attribute: 'x' } } }] })).toMatch(/parameters\.org_id is built in/)
    expect(configError({ scopes: [TEMPLATE, TEMPLATE] })).toMatch(/scopes\[1\]\.name duplicates/)
  })

  it('an undeclared parameter is allowed when a hooks module can decide it, and the hooks path is taken from the config file\'s directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-hooks-'))
    const file = join(dir, 'latch.config.yaml')
    writeFileSync(file, "hooks: ./my-hooks.mjs\nscopes:\n  - { name: 'deploy:{project_id}', description: d }\n")
    const { config } = loadConfig({ file, env, cwd: mkdtempSync(join(tmpdir(), 'latch-cwd-')) })
    expect(config.hooks).toBe(join(dir, 'my-hooks.mjs'))
  })

  it('client metadata: organization_required needs a grant with a page; organizations needs client_credentials', () => {
    expect(configError({ clients: [{ ...web, grant_types: ['authorization_code', 'password'], organization_required: true }] })).toMatch(/clients\[0\]\.organization_required is not supported with the password grant/)
    expect(configError({ clients: [{ ...web, organizations: ['acme'] }] })).toMatch(/clients\[0\]\.organizations is for client credentials/)
    expect(configError({ clients: [{ ...web, grant_types: ['client_credentials'], organizations: ['Acme'] }] })).toMatch(/clients\[0\]\.organizations\[0\]/)
    const config = load({ clients: [{ ...web, organization_required: true }, { client_id: 'svc', client_secret: 'y'.repeat(40), grant_types: ['client_credentials'], organizations: ['acme'] }] })
    expect(config.clients.map((c) => [c.organization_required, c.organizations])).toEqual([[true, null], [false, ['acme']]])
  })

  it('custom claims may never name a protocol claim, and read only what users carry', () => {
    expect(configError({ claims: [{ claim: 'sub', from: 'roles' }] })).toMatch(/claims\[0\]\.claim names the protocol claim sub/)
    expect(configError({ claims: [{ claim: 'org_id', from: 'roles' }] })).toMatch(/protocol claim org_id/)
    expect(configError({ claims: [{ claim: 'x', from: 'password_hash' }] })).toMatch(/claims\[0\]\.from must be roles, attributes/)
    expect(configError({ claims: [{ claim: 'x', from: 'roles' }, { claim: 'x', from: 'email', tokens: ['id_token'] }] })).toMatch(/claims\[1\]\.claim x is already mapped for id_token/)
    expect(load({ claims: [{ claim: 'department', from: 'attributes.department', tokens: ['access_token'] }, { claim: 'roles', from: 'roles' }] }).claims).toHaveLength(2)
  })

  it('users carry roles and custom attributes', () => {
    const config = load({ users: [{ email: 'a@x.io', roles: ['staff'], claims: { department: 'r', projects: ['p1'] } }] })
    expect(config.users[0]).toMatchObject({ roles: ['staff'], claims: { department: 'r', projects: ['p1'] } })
  })

  it('users[].claims keys are 1 to 64 characters (as the CLI\'s --claim), any JSON values', () => {
    expect(configError({ users: [{ email: 'a@x.io', claims: { ['k'.repeat(65)]: 1 } }] })).toMatch(/users\[0\]\.claims\.k{65} is not a known key/)
    expect(configError({ users: [{ email: 'a@x.io', claims: { '': 1 } }] })).toMatch(/users\[0\]\.claims/)
    expect(load({ users: [{ email: 'a@x.io', claims: { ['k'.repeat(64)]: { any: ['json'] } } }] }).users[0]?.claims).toBeDefined()
  })

  it('custom claims read attributes by one name only (no paths)', () => {
    for (const from of ['attributes.', 'attributes.a.b', 'user.id']) expect(configError({ claims: [{ claim: 'x', from }] })).toMatch(/claims\[0\]\.from must be/)
    expect(load({ claims: [{ claim: 'v', from: 'email_verified' }, { claim: 'l', from: 'locale' }] }).claims).toHaveLength(2)
  })

  it('a relative hooks path is taken from the config file\'s directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-cfg-'))
    mkdirSync(join(dir, 'conf'))
    const file = join(dir, 'conf', 'latch.yaml')
    writeFileSync(file, 'hooks: ./hooks/latch.hooks.mjs\n')
    expect(loadConfig({ file, env, cwd: tmpdir() }).config.hooks).toBe(join(dir, 'conf', 'hooks', 'latch.hooks.mjs'))
    expect(load({}).hooks).toBeNull()
  })
})
