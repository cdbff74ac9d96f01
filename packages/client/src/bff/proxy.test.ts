import { describe, expect, it } from 'vitest'
import { upstreamUrl } from './proxy.js'

describe('upstreamUrl', () => {
  const base = new URL('http://api.internal:4000/api')

  it('maps the path below the prefix and the query onto the upstream base, still encoded', () => {
    expect(upstreamUrl(base, '/data?x=1&y=a%20b')?.href).toBe('http://api.internal:4000/api/data?x=1&y=a%20b')
    expect(upstreamUrl(base, '')?.href).toBe('http://api.internal:4000/api')
    expect(upstreamUrl(base, '?q=1')?.href).toBe('http://api.internal:4000/api?q=1')
    expect(upstreamUrl(new URL('http://api.internal/'), '/x')?.href).toBe('http://api.internal/x')
    // An encoded slash in the query is data, not a path.
    expect(upstreamUrl(base, '/d?next=%2F..%2Fx')?.href).toBe('http://api.internal:4000/api/d?next=%2F..%2Fx')
  })

  it('RFC 3986 §3.3 / issue: a ;parameter that Tomcat, Jetty or Spring would strip (/..;/admin) cannot climb out either', () => {
    for (const rest of ['/..;/admin', '/..%3b/admin', '/..%3B/admin', '/.;/admin', '/a/..;x=1/admin', '/data;jsessionid=1']) {
      expect(upstreamUrl(base, rest), rest).toBeNull()
    }
    // In the query a semicolon is data.
    expect(upstreamUrl(base, '/data?a=1;b=2')?.href).toBe('http://api.internal:4000/api/data?a=1;b=2')
  })

  it('refuses anything that could climb out of the base', () => {
    for (const rest of ['/../admin', '/..', '/a/../../admin', '/%2e%2e/admin', '/.%2E/admin', '/a%2fb', '/a%5cb', '/a\\..\\b', '/./x']) {
      expect(upstreamUrl(base, rest), rest).toBeNull()
    }
  })
})
