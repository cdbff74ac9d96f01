import { describe, expect, it } from 'vitest'
import { resolveBffOptions, type LatchBffOptions } from './options.js'

const base: LatchBffOptions = { issuer: 'http://localhost:9000', clientId: 'demo-bff', clientSecret: 's', redirectUri: 'http://localhost:5173/auth/callback' }

describe('resolveBffOptions', () => {
  it('derives the app origin, the post-logout URI and the defaults', () => {
    const o = resolveBffOptions(base)
    expect(o.appOrigin).toBe('http://localhost:5173')
    expect(o.postLogoutRedirectUri).toBe('http://localhost:5173/')
    expect(o.prefix).toBe('/auth')
    expect(o.callbackPath).toBe('/auth/callback')
    expect(o.scope).toBe('openid profile email offline_access')
    expect(o.api).toBeNull()
    expect(o.sessionTtl).toBe(28_800)
    expect(o.refreshSkew).toBe(30)
    expect(o.errorPath).toBe('/')
    // Transactions share the session store unless given their own; latchSession.fetch has the API timeout.
    expect(o.transactionStore).toBe(o.sessionStore)
    expect(o.apiTimeout).toBe(30_000)
    expect(resolveBffOptions({ ...base, api: { upstream: 'http://localhost:4000/api', timeout: 500 } }).apiTimeout).toBe(500)
  })

  it('architecture.md §2: misconfiguration fails at registration with a message naming the option', () => {
    const bad: [Partial<LatchBffOptions>, RegExp][] = [
      [{ issuer: '' }, /issuer is required/],
      [{ issuer: 'not a url' }, /issuer must be an absolute URL/],
      [{ clientSecret: '' }, /clientSecret is required/],
      [{ redirectUri: 'http://localhost:5173/auth/callback?x=1' }, /redirectUri must have no query/],
      [{ redirectUri: 'http://localhost:5173/oauth/cb' }, /redirectUri must be http:\/\/localhost:5173\/auth\/callback/],
      [{ appOrigin: 'https://other.example' }, /redirectUri must be on the app origin/],
      [{ appOrigin: 'http://localhost:5173/path' }, /appOrigin must be an origin/],
      [{ prefix: 'auth' }, /prefix must be a path/],
      [{ prefix: '/auth/' }, /prefix must be a path/],
      [{ scope: 'profile email' }, /scope must include openid/],
      [{ api: { upstream: 'ftp://api' } }, /api.upstream must be an http\(s\) URL/],
      [{ api: { upstream: 'http://api/x?y=1' } }, /api.upstream must have no query/],
      [{ api: { upstream: 'http://api', prefix: '/auth' } }, /api.prefix must not overlap/],
      [{ errorPath: '//evil.com' }, /errorPath must be a same-origin path/],
      [{ errorPath: 'https://evil.com/' }, /errorPath must be a same-origin path/],
      [{ sessionTtl: 0 }, /sessionTtl must be an integer/],
      [{ refreshSkew: -1 }, /refreshSkew must be an integer/],
      [{ cookieName: 'a;b' }, /cookieName must be/],
    ]
    for (const [override, message] of bad) expect(() => resolveBffOptions({ ...base, ...override }), JSON.stringify(override)).toThrow(message)
  })

  it('a custom prefix moves the callback; an explicit app origin behind a proxy is accepted', () => {
    const o = resolveBffOptions({ ...base, prefix: '/oauth', redirectUri: 'https://app.example.com/oauth/callback', appOrigin: 'https://app.example.com/', api: { upstream: 'https://api.example.com/v1', prefix: '/backend' } })
    expect(o.callbackPath).toBe('/oauth/callback')
    expect(o.appOrigin).toBe('https://app.example.com')
    expect(o.api?.prefix).toBe('/backend')
    expect(o.api?.upstream.href).toBe('https://api.example.com/v1')
  })
})
