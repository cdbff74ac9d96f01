/**
 * The introspection cache (introspection-cache.ts) on an injected clock: TTL, never past the
 * token's `exp`, bounded size, hashed keys.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { IntrospectionCache, tokenKey } from './introspection-cache.js'

/** A clock in epoch milliseconds; `c.s` is the current epoch second (for `exp`). */
function clock(start = 1_000_000_000) {
  const c = { t: start, now: () => c.t, get s() { return Math.floor(c.t / 1000) } }
  return c
}

describe('IntrospectionCache', () => {
  it('RFC 7662 §4: an answer is remembered for the TTL and forgotten after it', () => {
    const c = clock()
    const cache = new IntrospectionCache(30, 100, c.now)
    cache.set('k', true, c.s + 900)
    expect(cache.get('k')).toBe(true)
    c.t += 29_999
    expect(cache.get('k')).toBe(true)
    c.t += 1
    expect(cache.get('k')).toBeUndefined()
  })

  it('RFC 7662 §4: an answer is never remembered past the token\'s exp', () => {
    const c = clock()
    const cache = new IntrospectionCache(30, 100, c.now)
    cache.set('k', true, c.s + 10)
    c.t += 9_999
    expect(cache.get('k')).toBe(true)
    c.t += 1
    expect(cache.get('k')).toBeUndefined()
    cache.set('expired', true, c.s) // exp now: not stored at all
    expect(cache.get('expired')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('inactive answers are remembered too (a revoked token stays revoked)', () => {
    const c = clock()
    const cache = new IntrospectionCache(30, 100, c.now)
    cache.set('k', false, c.s + 900)
    expect(cache.get('k')).toBe(false)
  })

  it('a TTL of 0 disables the cache', () => {
    const c = clock()
    const cache = new IntrospectionCache(0, 100, c.now)
    cache.set('k', true, c.s + 900)
    expect(cache.get('k')).toBeUndefined()
  })

  it('the size is bounded: the oldest entry goes first', () => {
    const c = clock()
    const cache = new IntrospectionCache(30, 2, c.now)
    cache.set('a', true, c.s + 900)
    cache.set('b', true, c.s + 900)
    cache.set('c', true, c.s + 900)
    expect(cache.size).toBe(2)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('b')).toBe(true)
    expect(cache.get('c')).toBe(true)
  })
})

describe('tokenKey', () => {
  it('is base64url(SHA-256(token)), never the token itself', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    const key = await tokenKey(token)
    expect(key).toBe(createHash('sha256').update(token).digest('base64url'))
    expect(key).not.toContain(token)
  })
})
