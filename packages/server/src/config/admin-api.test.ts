/**
 * Issue 14: the admin API's built-in resource and scopes in the config (config/resolve.ts,
 * rules/admin-api.ts, rules/admin-roles.ts, rules/scope.ts): always known, per tenant issuer, granted
 * only to confidential clients that list them, on their own behalf (client credentials) or, at the
 * authorization endpoint only, to a user as far as their admin roles go. Reserved `latch:` roles.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configError } from '../../test/support/config-error.js'
import { ADMIN_SCOPES, adminResourceOf, adminScopeAllows } from '../rules/admin-api.js'
import { adminAccessOfRoles, grantAdminScopes } from '../rules/admin-roles.js'
import { resolveScope } from '../rules/scope.js'
import { parseRelativeTime } from '../lib/relative-time.js'
import { loadConfig } from './load.js'
import { planReload } from './reload.js'

const ISSUER = 'https://id.example.com'
const ADMIN = `${ISSUER}/admin/api/v1`
const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (config: Record<string, unknown>) => loadConfig({ config: { issuer: ISSUER, ...config }, env, cwd: mkdtempSync(join(tmpdir(), 'latch-cfg-')) }).config
const adminClient = (over: Record<string, unknown> = {}) => ({ client_id: 'ops', client_secret: 'x'.repeat(40), grant_types: ['client_credentials'], scope: 'admin:read', resources: [ADMIN], ...over })

describe('issue 14: the admin API resource and scopes in the config', () => {
  it('RFC 8707 §2: the admin API is a resource of every config, at <issuer>/admin/api/v1, with the admin scopes', () => {
    const config = load({})
    expect(config.resources.at(-1)).toEqual({ identifier: ADMIN, name: 'Latch admin API', scopes: [...ADMIN_SCOPES] })
    expect(config.known_scopes).toEqual(expect.arrayContaining([...ADMIN_SCOPES]))
    expect(adminResourceOf('https://id.example.com/t/acme/')).toBe('https://id.example.com/t/acme/admin/api/v1')
  })

  it('issue 14: a confidential client with client credentials or the authorization code flow that lists the scope and the resource may have it; others are refused naming the key', () => {
    expect(load({ clients: [adminClient()] }).clients[0]!.scope).toBe('admin:read')
    expect(load({ clients: [adminClient({ grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb'] })] }).clients[0]!.scope).toBe('admin:read')
    expect(configError(() => load({ clients: [adminClient({ resources: [] })] })).message).toMatch(/clients\[0\]\.resources must list the admin API/)
    expect(configError(() => load({ clients: [adminClient({ grant_types: ['password'] })] })).message).toMatch(/clients\[0\]\.scope names admin:read: the admin scopes are granted only to a confidential client with client_credentials or authorization_code/)
    expect(configError(() => load({ clients: [adminClient({ token_endpoint_auth_method: 'none', client_secret: undefined, grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb'] })] })).message).toMatch(/granted only to a confidential client/)
  })

  it('review L7: an admin client with both client_credentials and authorization_code is refused naming grant_types (its secret would bypass roles and admin.require_mfa)', () => {
    const both = adminClient({ grant_types: ['authorization_code', 'client_credentials'], redirect_uris: ['https://app.example.com/cb'] })
    expect(configError(() => load({ clients: [both] })).message).toMatch(/clients\[0\]\.grant_types must not hold both client_credentials and authorization_code for a client with admin:read/)
    // Without an admin scope the combination is an ordinary client's.
    expect(load({ clients: [{ ...both, scope: 'openid', resources: [] }] }).clients[0]!.grant_types).toEqual(['authorization_code', 'client_credentials'])
  })

  it('issue 14: the built-in resource and scopes cannot be redefined, nor made the default resource', () => {
    expect(configError(() => load({ resources: [{ identifier: ADMIN, scopes: ['x'] }] })).message).toMatch(/resources\[0\]\.identifier is the admin API, a built-in resource/)
    expect(configError(() => load({ resources: [{ identifier: 'https://api.example.com', scopes: ['admin:read'] }] })).message).toMatch(/resources\[0\]\.scopes names/)
    expect(configError(() => load({ scopes: [{ name: 'admin:*', description: 'all' }] })).message).toMatch(/scopes\[0\]\.name is an admin scope/)
    expect(configError(() => load({ default_resource: ADMIN })).message).toMatch(/default_resource must not be the admin API/)
  })

  it('issue 14: resolving is idempotent (the CLI re-validates with a resolved config), and a reload does not see the built-in resource as a change', () => {
    const config = load({ resources: [{ identifier: 'https://api.example.com', scopes: ['read:data'] }] })
    const again = load({ resources: config.resources, clients: [adminClient()] })
    expect(again.resources).toEqual(config.resources)
    const { refused } = planReload(config, load({ issuer: 'https://other.example.com', resources: [{ identifier: 'https://api.example.com', scopes: ['read:data'] }] }))
    expect(refused).toContain('issuer')
    expect(refused).not.toContain('resources')
  })

  it('RFC 6749 §3.3: with a user the admin scopes pass only at the authorization endpoint (elsewhere invalid_scope), are left out of a default, and are granted to the client on its own behalf', () => {
    const config = load({ clients: [adminClient({ grant_types: ['client_credentials', 'password'], scope: 'openid admin:read admin:write' })] })
    const client = { ...config.clients[0]! }
    expect(() => resolveScope('openid admin:read', client, config, ADMIN)).toThrow(/granted with a user only through the authorization code flow/)
    expect(resolveScope('openid admin:read', client, config, ADMIN, { adminScopes: true })).toEqual(['openid', 'admin:read'])
    expect(() => resolveScope('admin:*', client, config, ADMIN, { adminScopes: true })).toThrow(/not allowed for this client/)
    expect(resolveScope(undefined, client, config, ADMIN)).toEqual(['openid'])
    expect(resolveScope(undefined, client, config, ADMIN, { adminScopes: true })).toEqual(['openid'])
    expect(resolveScope(undefined, client, config, ADMIN, { userScopes: false })).toEqual(['admin:read', 'admin:write'])
    expect(() => resolveScope('admin:read', client, config, null, { userScopes: false })).toThrow(/not offered by the requested resource/)
  })

  it('RFC 6749 §3.3: a user grant carries the admin scopes as far as the roles go: admin:* narrows to admin:read for a viewer, nothing for a user without an admin role', () => {
    expect([...adminAccessOfRoles(['editor', 'latch:viewer'])]).toEqual(['admin:read'])
    expect([...adminAccessOfRoles(['latch:admin'])]).toEqual(['admin:read', 'admin:write'])
    expect(adminAccessOfRoles(['admin', 'latch:owner', 'LATCH:ADMIN']).size).toBe(0)
    const asked = ['openid', 'admin:*', 'admin:read', 'admin:write']
    expect(grantAdminScopes(asked, ['latch:admin'])).toEqual({ scope: asked, refused: [] })
    expect(grantAdminScopes(asked, ['latch:viewer'])).toEqual({ scope: ['openid', 'admin:read'], refused: ['admin:*', 'admin:write'] })
    expect(grantAdminScopes(asked, ['editor'])).toEqual({ scope: ['openid'], refused: ['admin:*', 'admin:read', 'admin:write'] })
    expect(grantAdminScopes(['openid', 'read:data'], [])).toEqual({ scope: ['openid', 'read:data'], refused: [] })
  })

  it('issue 14: the latch: prefix is reserved: a user may hold only the built-in admin roles under it, an organization member none (config file, and so the CLI and the management services)', () => {
    expect(load({ users: [{ email: 'a@example.com', roles: ['latch:admin', 'latch:viewer', 'editor'] }] }).users[0]!.roles).toEqual(['latch:admin', 'latch:viewer', 'editor'])
    expect(configError(() => load({ users: [{ email: 'a@example.com', roles: ['latch:admn'] }] })).message).toMatch(/users\[0\]\.roles names latch:admn: the latch: prefix is reserved for the built-in roles latch:admin and latch:viewer/)
    expect(configError(() => load({ users: [{ email: 'a@example.com' }], organizations: [{ id: 'acme', name: 'Acme', members: [{ email: 'a@example.com', roles: ['member', 'latch:admin'] }] }] })).message)
      .toMatch(/organizations\[0\]\.members\[0\]\.roles names latch:admin: latch: roles are a user's own/)
  })

  it('issue 14: admin:read or admin:* allow a GET, admin:write or admin:* a change; admin:write does not imply admin:read', () => {
    expect(adminScopeAllows('admin:read', 'admin:read')).toBe(true)
    expect(adminScopeAllows('admin:*', 'admin:write')).toBe(true)
    expect(adminScopeAllows('admin:write', 'admin:read')).toBe(false)
    expect(adminScopeAllows('admin:readx admin', 'admin:read')).toBe(false)
  })

  it('issue 14: since/until read durations back from now and ISO 8601 times (lib/relative-time.ts, shared with the CLI)', () => {
    expect(parseRelativeTime('90s', 100_000)).toBe(10_000)
    expect(parseRelativeTime('1w', 2 * 604_800_000)).toBe(604_800_000)
    expect(parseRelativeTime('2026-12-07T10:00:00Z', 0)).toBe(Date.UTC(2026, 11, 7, 10))
    for (const bad of ['1y', 'yesterday', '-1h', '2026-13-45', '']) expect(parseRelativeTime(bad, 0)).toBeNull()
  })
})
