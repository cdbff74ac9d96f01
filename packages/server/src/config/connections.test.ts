/**
 * Issue 12: `connections[]` and `sign_in` are checked at boot, each problem naming its key, secrets
 * never echoed, and never kept with a tenant's stored settings.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { CONNECTION_TYPES } from '../rules/connection-presets.js'
import { loadConfig } from './load.js'
import { defineTenant } from './tenant.js'

const env = { LATCH_SECRET: 's'.repeat(40), UPSTREAM_SECRET: 'from-the-environment' }
const load = (config: Record<string, unknown>) => loadConfig({ config, env, cwd: mkdtempSync(join(tmpdir(), 'latch-cfg-')) })
const oidc = { id: 'corp', type: 'oidc', issuer: 'https://idp.example.com', client_id: 'latch', client_secret: 'top-secret-value' }

function configError(config: Record<string, unknown>): string {
  try {
    load(config)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('config: connections (issue 12)', () => {
  it('a generic oidc connection resolves with the OIDC defaults; ${VAR} secrets come from the environment', () => {
    const { config } = load({ connections: [{ ...oidc, client_secret: '${UPSTREAM_SECRET}' }] })
    expect(config.connections[0]).toMatchObject({
      id: 'corp', protocol: 'oidc', display_name: 'OpenID Connect', enabled: true, issuer: 'https://idp.example.com', scope: 'openid email profile',
      token_endpoint_auth_method: 'client_secret_basic', pkce: true, response_mode: 'query', link_by_email: true, jit: true, trust_email_verified: true,
      mapping: { sub: 'sub', email: 'email', email_verified: 'email_verified' }, secrets: { client_secret: 'from-the-environment' },
    })
    expect(config.sign_in).toEqual({ password: true, connections: 'above' })
    expect(config.sessions.upstream_login_ttl).toBe(600)
  })

  it('every preset resolves with its endpoints (Apple with its key)', () => {
    for (const type of CONNECTION_TYPES.filter((t) => t !== 'oidc' && t !== 'oauth2' && t !== 'apple')) {
      const { config } = load({ connections: [{ id: type, type, client_id: 'c', client_secret: 'x' }] })
      const c = config.connections[0]!
      expect(c.protocol === 'oidc' ? c.issuer : c.token_endpoint, type).toMatch(/^https:\/\//)
    }
    expect(load({ connections: [{ id: 'ms', type: 'microsoft', client_id: 'c', client_secret: 'x', tenant: 'organizations' }] }).config.connections[0]?.issuer)
      .toBe('https://login.microsoftonline.com/organizations/v2.0')
  })

  it('an oauth2 connection needs its three endpoints and trusts no email unless a mapping says where it is verified', () => {
    expect(configError({ connections: [{ id: 'o', type: 'oauth2', client_id: 'c', client_secret: 'x' }] })).toMatch(/connections\[0\]\.authorization_endpoint is required for type oauth2/)
    const endpoints = { authorization_endpoint: 'https://as.example/authorize', token_endpoint: 'https://as.example/token', userinfo_endpoint: 'https://api.example/me' }
    const plain = load({ connections: [{ id: 'o', type: 'oauth2', client_id: 'c', client_secret: 'x', ...endpoints }] }).config.connections[0]!
    expect(plain).toMatchObject({ protocol: 'oauth2', trust_email_verified: false, mapping: { sub: 'id' } })
    const mapped = load({ connections: [{ id: 'o', type: 'oauth2', client_id: 'c', client_secret: 'x', ...endpoints, mapping: { sub: 'data.id', email_verified: 'verified' } }] }).config.connections[0]!
    expect(mapped).toMatchObject({ trust_email_verified: true, mapping: { sub: 'data.id', email_verified: 'verified', email: 'email' } })
  })

  it('problems name the key', () => {
    expect(configError({ connections: [{ ...oidc, issuer: undefined }] })).toMatch(/connections\[0\]\.issuer is required for type oidc/)
    expect(configError({ connections: [{ ...oidc, issuer: 'http://idp.example.com' }] })).toMatch(/connections\[0\]\.issuer must use https/)
    expect(configError({ connections: [{ ...oidc, issuer: 'https://idp.example.com/?x=1' }] })).toMatch(/connections\[0\]\.issuer must not have a query/)
    expect(configError({ connections: [oidc, oidc] })).toMatch(/connections\[1\]\.id duplicates corp/)
    expect(configError({ connections: [{ ...oidc, client_secret: undefined }] })).toMatch(/connections\[0\]\.client_secret is required/)
    expect(configError({ connections: [{ ...oidc, authorization_params: { state: 'x' } }] })).toMatch(/connections\[0\]\.authorization_params\.state is set by Latch/)
    expect(configError({ connections: [{ ...oidc, mapping: { password_hash: 'x' } }] })).toMatch(/connections\[0\]\.mapping\.password_hash is not a claim/)
    expect(configError({ connections: [{ ...oidc, scope: 'email' }] })).toMatch(/connections\[0\]\.scope must include openid/)
    expect(configError({ connections: [{ ...oidc, type: 'saml' }] })).toMatch(/connections\[0\]\.type/)
    expect(configError({ connections: [{ ...oidc, team_id: 'T' }] })).toMatch(/connections\[0\]\.team_id applies to type apple only/)
    expect(configError({ connections: [{ id: 'a', type: 'apple', client_id: 'c', team_id: 'T', key_id: 'K', private_key: 'not a pem' }] })).toMatch(/private_key must be a PKCS#8 PEM private key \(value hidden\)/)
    expect(load({ connections: [{ ...oidc, issuer: 'http://127.0.0.1:8080' }] }).config.connections[0]?.issuer).toBe('http://127.0.0.1:8080')
  })

  it('secrets are never echoed in an error', () => {
    const message = configError({ connections: [{ ...oidc, client_secret: ['12345678'] }] })
    expect(message).toMatch(/connections\[0\]\.client_secret/)
    expect(message).not.toContain('12345678')
  })

  it('sign_in.password false without a connection warns', () => {
    expect(load({ sign_in: { password: false } }).warnings.join('\n')).toMatch(/sign_in\.password is false and no enabled connection/)
    expect(configError({ sign_in: { connections: 'left' } })).toMatch(/sign_in\.connections/)
  })

  it('a tenant\'s connections (and their secrets) are seeded, never kept in its stored settings', () => {
    const { config } = load({})
    const { tenant } = defineTenant(config, { id: 'acme', issuer: 'https://acme.example.com', connections: [oidc], sign_in: { connections: 'below' } }, 'tenants[0]')
    expect(tenant.settings).toEqual({ sign_in: { connections: 'below' } })
    expect(JSON.stringify(tenant.settings)).not.toContain('top-secret-value')
    expect(tenant.config.connections[0]?.secrets.client_secret).toBe('top-secret-value')
  })
})
