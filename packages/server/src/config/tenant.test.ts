import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfig } from './load.js'
import { tenantConfig } from './tenant.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (config: Record<string, unknown>, cwd = mkdtempSync(join(tmpdir(), 'latch-tenants-'))) => loadConfig({ config, env, cwd })

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('tenants in config (issue 11)', () => {
  it('issue 11: a tenant omits a key and gets its default, not the default tenant\'s value', () => {
    const { config } = load({ tokens: { access_token_ttl: 300 }, tenants: [{ id: 'acme', issuer: 'https://login.acme.example' }] })
    expect(config.tokens.access_token_ttl).toBe(300)
    expect(config.tenants[0]?.config.tokens.access_token_ttl).toBe(900)
    expect(config.tenants[0]?.config.issuer).toBe('https://login.acme.example')
  })

  it('issue 11: ids and issuers are unique, default is the top level\'s, and deployment-wide keys stay at the top level', () => {
    const acme = { id: 'acme', issuer: 'https://login.acme.example' }
    expect(configError(() => load({ tenants: [acme, { ...acme, issuer: 'https://x.example' }] })).key).toBe('tenants[1].id')
    expect(configError(() => load({ tenants: [acme, { id: 'globex', issuer: acme.issuer }] })).key).toBe('tenants[1].issuer')
    expect(configError(() => load({ issuer: 'https://auth.example', tenants: [{ id: 'x', issuer: 'https://auth.example/' }] })).key).toBe('tenants[0].issuer')
    expect(configError(() => load({ tenants: [{ id: 'default', issuer: 'https://x.example' }] })).key).toBe('tenants[0].id')
    expect(configError(() => load({ tenants: [{ ...acme, security: { body_limit: 2048 } }] })).key).toBe('tenants[0].security.body_limit')
    expect(configError(() => load({ tenants: [{ ...acme, port: 1 }] })).key).toBe('tenants[0].port')
    expect(configError(() => load({ tenants: [{ ...acme, tokens: { access_token_ttl: 'x' } }] })).key).toBe('tenants[0].tokens.access_token_ttl')
  })

  it('issue 11 review: an issuer path may not hold a route of every tenant (it would win the longest-prefix match for another tenant\'s routes)', () => {
    for (const path of ['/token', '/t/interaction', '/.well-known', '/x/authorize']) {
      expect(configError(() => load({ tenants: [{ id: 'acme', issuer: `https://auth.example${path}` }] })).key, path).toBe('tenants[0].issuer')
    }
    expect(load({ tenants: [{ id: 'acme', issuer: 'https://auth.example/t/acme' }] }).config.tenants[0]?.issuer).toBe('https://auth.example/t/acme')
  })

  it('issue 11 review: a path tenant\'s root-relative branding URLs stay under its path (on the shared host, /logout is another tenant\'s route)', () => {
    const tenant = { id: 'acme', issuer: 'https://auth.example/t/acme' }
    expect(configError(() => load({ tenants: [{ ...tenant, branding: { logo_url: '/logout' } }] })).key).toBe('tenants[0].branding.logo_url')
    expect(load({ tenants: [{ ...tenant, branding: { logo_url: '/t/acme/logo.svg' } }] }).config.tenants[0]?.config.branding.logo_url).toBe('/t/acme/logo.svg')
  })

  it('issue 11: a tenant\'s stylesheet is stored as its text (every node reads the row, not this machine\'s file), and read back from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-tenants-css-'))
    writeFileSync(join(dir, 'acme.css'), 'body { color: #111 }')
    const { config } = load({ tenants: [{ id: 'acme', issuer: 'https://login.acme.example', branding: { product_name: 'Acme', css_file: 'acme.css' } }] }, dir)
    const [acme] = config.tenants
    expect(acme?.settings.branding).toEqual({ product_name: 'Acme', css: 'body { color: #111 }' })
    const again = tenantConfig(config, { id: 'acme', issuer: 'https://login.acme.example', settings: acme?.settings ?? {} })
    expect(again.config.branding).toMatchObject({ product_name: 'Acme', css: 'body { color: #111 }' })
    expect(configError(() => tenantConfig(config, { id: 'acme', issuer: 'https://login.acme.example', settings: { branding: { css: 'x'.repeat(70_000) } } })).key).toBe('tenant acme.branding.css')
  })
})

describe('audit keys of tenants (issue 14)', () => {
  it('issue 14: a tenant sets audit.include_email; enabled, retention and stream are the deployment\'s and a tenant inherits them', () => {
    const { config } = load({ audit: { retention: 86_400, stream: 'stdout' }, tenants: [{ id: 'acme', issuer: 'https://login.acme.example', audit: { include_email: true } }] })
    expect(config.audit).toEqual({ enabled: true, retention: 86_400, stream: 'stdout', include_email: false, exclude_types: [] })
    expect(config.tenants[0]?.config.audit).toEqual({ enabled: true, retention: 86_400, stream: 'stdout', include_email: true, exclude_types: [] })
    for (const key of ['enabled', 'retention', 'stream', 'exclude_types']) {
      const err = configError(() => load({ tenants: [{ id: 'acme', issuer: 'https://login.acme.example', audit: { [key]: key === 'stream' ? null : key === 'enabled' ? false : key === 'exclude_types' ? ['token.issued'] : 1 } }] }))
      expect(err.message).toMatch(new RegExp(`audit\\.${key}`))
    }
  })

  it('issue 14: defaults: enabled, 90 days, no stream, no email', () => {
    expect(load({}).config.audit).toEqual({ enabled: true, retention: 7_776_000, stream: null, include_email: false, exclude_types: [] })
  })

  it('issue 14: audit.exclude_types names events of the bus only', () => {
    expect(load({ audit: { exclude_types: ['token.issued', 'refresh_token.rotated'] } }).config.audit.exclude_types).toEqual(['token.issued', 'refresh_token.rotated'])
    expect(configError(() => load({ audit: { exclude_types: ['token.minted'] } })).message).toMatch(/audit\.exclude_types/)
  })
})
