import { describe, expect, it } from 'vitest'
import { ROUTE_SEGMENTS } from '../config/tenant.js'
import { PATHS } from '../context.js'
import { TenantIndex } from './tenant-index.js'

const index = new TenantIndex([
  { id: 'default', issuer: 'https://auth.example.com' },
  { id: 'acme', issuer: 'https://login.acme.example' },
  { id: 'initech', issuer: 'https://auth.example.com/t/initech' },
  { id: 'initech-eu', issuer: 'https://auth.example.com/t/initech/eu' },
  { id: 'local', issuer: 'http://localhost:9000/x' },
])

describe('TenantIndex (issue 11: a tenant is chosen by its issuer\'s host and path)', () => {
  it('issue 11: a custom domain selects its tenant for every path, and the URL is unchanged', () => {
    expect(index.match('login.acme.example', '/token')).toEqual({ id: 'acme', url: '/token' })
    expect(index.match('LOGIN.ACME.EXAMPLE:443', '/authorize?x=1')).toEqual({ id: 'acme', url: '/authorize?x=1' })
  })

  it('issue 11: a path prefix selects its tenant and is stripped; the longest prefix wins', () => {
    expect(index.match('auth.example.com', '/t/initech/token')).toEqual({ id: 'initech', url: '/token' })
    expect(index.match('auth.example.com', '/t/initech')).toEqual({ id: 'initech', url: '/' })
    expect(index.match('auth.example.com', '/t/initech?a=b')).toEqual({ id: 'initech', url: '/?a=b' })
    expect(index.match('auth.example.com', '/t/initech/eu/jwks')).toEqual({ id: 'initech-eu', url: '/jwks' })
  })

  it('issue 11: a prefix matches whole segments only; the rest of the host is the tenant at its root', () => {
    expect(index.match('auth.example.com', '/t/initechx/token')).toEqual({ id: 'default', url: '/t/initechx/token' })
    expect(index.match('auth.example.com', '/token')).toEqual({ id: 'default', url: '/token' })
  })

  it('RFC 8414 §3.1: the well-known name before a path issuer\'s path routes to that tenant', () => {
    expect(index.match('auth.example.com', '/.well-known/oauth-authorization-server/t/initech')).toEqual({ id: 'initech', url: '/.well-known/oauth-authorization-server' })
    expect(index.match('auth.example.com', '/.well-known/openid-configuration/t/initech/eu')).toEqual({ id: 'initech-eu', url: '/.well-known/openid-configuration' })
    expect(index.match('auth.example.com', '/t/initech/.well-known/openid-configuration')).toEqual({ id: 'initech', url: '/.well-known/openid-configuration' })
  })

  it('issue 11: an unknown host, a missing Host header or a path no tenant of the host claims matches nothing', () => {
    expect(index.match('evil.example', '/token')).toBeNull()
    expect(index.match(undefined, '/token')).toBeNull()
    expect(index.match('localhost:9000', '/token')).toBeNull()
    expect(index.match('localhost:9000', '/x/token')).toEqual({ id: 'local', url: '/token' })
    expect(index.match('localhost', '/x/token')).toBeNull()
  })

  it('RFC 9112 §3.2.2: an absolute-form target is routed by its own authority, whatever the Host header says', () => {
    expect(index.match('login.acme.example', 'https://auth.example.com/t/initech/token')).toEqual({ id: 'initech', url: '/token' })
    expect(index.match('auth.example.com', 'http://LOGIN.ACME.EXAMPLE:443?x=1')).toEqual({ id: 'acme', url: '/?x=1' })
    expect(index.match(undefined, 'https://login.acme.example/t/initech/../jwks')).toEqual({ id: 'acme', url: '/t/initech/../jwks' })
    expect(index.match('login.acme.example', 'https://evil.example/token')).toBeNull()
    expect(index.match('login.acme.example', 'https://user@login.acme.example/token')).toBeNull()
    expect(index.match('login.acme.example', '*')).toBeNull()
  })
})

describe('tenant issuer paths (issue 11 review)', () => {
  it('the route segments a tenant\'s issuer path may not hold are every first segment of Latch\'s routes', () => {
    const firsts = new Set([...Object.values(PATHS).map((p) => p.split('/')[1]), '.well-known'])
    expect(new Set(ROUTE_SEGMENTS)).toEqual(firsts)
  })
})
