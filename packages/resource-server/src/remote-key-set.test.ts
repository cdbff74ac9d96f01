/**
 * The JWKS cache (remote-key-set.ts) on an injected clock against a real JWKS server this test
 * controls (it counts fetches and can answer 500): freshness and `Cache-Control`, the unknown-`kid`
 * cooldown, the memory of a failed fetch, and stale-if-error.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 * @see https://www.rfc-editor.org/rfc/rfc5861#section-4
 */
import { errors, type FlattenedJWSInput } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signingKey, startJwksServer, type JwksServer, type SigningKey } from '../test/support.js'
import { TemporarilyUnavailableError } from './errors.js'
import { createRemoteKeySet, type RemoteKeySetOptions } from './remote-key-set.js'

/** A clock in epoch milliseconds that only moves when told to. */
function clock(start = 1_000_000_000_000) {
  const c = { t: start, now: () => c.t, advance: (seconds: number) => void (c.t += seconds * 1000) }
  return c
}

const NO_TOKEN: FlattenedJWSInput = { payload: '', signature: '' }

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('createRemoteKeySet', () => {
  let as: JwksServer
  let k1: SigningKey
  let k2: SigningKey
  let c: ReturnType<typeof clock>

  beforeAll(async () => {
    k1 = await signingKey('k1')
    k2 = await signingKey('k2')
    as = await startJwksServer([k1.publicJwk])
  })
  afterAll(async () => {
    await as?.close()
  })
  beforeEach(() => {
    as.keys = [k1.publicJwk]
    as.status = 200
    as.headers = {}
    c = clock()
  })

  /** The key the set picks for an RS256 token with `kid` (what jwtVerify asks it). */
  function keySet(options: RemoteKeySetOptions = {}): (kid: string) => Promise<unknown> {
    const keys = createRemoteKeySet(`${as.url}/jwks`, { now: c.now, ...options })
    return async (kid) => keys({ alg: 'RS256', kid }, NO_TOKEN)
  }

  it('RFC 7517 §5: a JWKS is used for 300 s by default (Latch\'s max-age), then fetched again', async () => {
    const key = keySet()
    const before = as.requests
    await key('k1')
    c.advance(299)
    await key('k1')
    expect(as.requests).toBe(before + 1)
    c.advance(1)
    await key('k1')
    expect(as.requests).toBe(before + 2)
  })

  it('RFC 9111 §5.2.2.1: a shorter Cache-Control max-age of the JWKS answer wins; a longer one does not extend maxAge; no-cache is held 1 s', async () => {
    as.headers = { 'cache-control': 'public, max-age=60' }
    const key = keySet()
    const before = as.requests
    await key('k1')
    c.advance(59)
    await key('k1')
    expect(as.requests).toBe(before + 1)
    c.advance(1)
    await key('k1')
    expect(as.requests).toBe(before + 2)

    as.headers = { 'cache-control': 'max-age=86400' }
    const capped = keySet({ maxAge: 100 })
    await capped('k1')
    c.advance(100)
    await capped('k1')
    expect(as.requests).toBe(before + 4)

    as.headers = { 'cache-control': 'no-cache' }
    const floored = keySet()
    await floored('k1')
    await floored('k1')
    expect(as.requests).toBe(before + 5)
    c.advance(1)
    await floored('k1')
    expect(as.requests).toBe(before + 6)
  })

  it('RFC 7517 §5 / issue: a failing JWKS is fetched at most once per 5 s (min of cooldown and 5 s), every caller getting the 503', async () => {
    as.status = 500
    const key = keySet()
    const before = as.requests
    for (let i = 0; i < 5; i++) {
      const err = await rejection(key('k1'))
      expect(err).toBeInstanceOf(TemporarilyUnavailableError)
      expect((err as TemporarilyUnavailableError).detail).toMatch(/HTTP 500/)
      c.advance(0.9)
    }
    expect(as.requests).toBe(before + 1)
    c.advance(0.5) // 5 s after the failure
    as.status = 200
    await key('k1')
    expect(as.requests).toBe(before + 2)

    as.status = 500
    const short = keySet({ cooldown: 1 })
    await rejection(short('k1'))
    await rejection(short('k1'))
    expect(as.requests).toBe(before + 3)
    c.advance(1)
    await rejection(short('k1'))
    expect(as.requests).toBe(before + 4)
  })

  it('RFC 5861 §4: once stale, a set that cannot be fetched keeps verifying for staleIfError past its max age (default 1 h), then 503', async () => {
    const key = keySet({ maxAge: 300 })
    await key('k1')
    as.status = 500
    c.advance(300)
    const before = as.requests
    expect(await key('k1')).toBeDefined() // stale, the refetch failed
    expect(await key('k1')).toBeDefined() // the failure is remembered: no refetch
    expect(as.requests).toBe(before + 1)
    c.advance(3600 - 1)
    expect(await key('k1')).toBeDefined()
    c.advance(1)
    expect(await rejection(key('k1'))).toBeInstanceOf(TemporarilyUnavailableError)
    // Back up: fresh again.
    as.status = 200
    c.advance(5)
    expect(await key('k1')).toBeDefined()
  })

  it('RFC 5861 §4: staleIfError 0 makes an outage a 503 as soon as the set is stale', async () => {
    const key = keySet({ maxAge: 300, staleIfError: 0 })
    await key('k1')
    as.status = 500
    c.advance(300)
    expect(await rejection(key('k1'))).toBeInstanceOf(TemporarilyUnavailableError)
  })

  it('RFC 7517 §4.5: an unknown kid refetches at most once per cooldown after the last fetch; when that refetch fails the token is a 503, not "no such key"', async () => {
    const key = keySet({ cooldown: 30 })
    await key('k1')
    const before = as.requests
    expect(await rejection(key('k2'))).toBeInstanceOf(errors.JWKSNoMatchingKey) // inside the cooldown
    expect(as.requests).toBe(before)
    c.advance(30)
    as.keys = [k1.publicJwk, k2.publicJwk] // rotation
    expect(await key('k2')).toBeDefined()
    expect(as.requests).toBe(before + 1)

    c.advance(30)
    as.status = 500
    expect(await rejection(key('k3'))).toBeInstanceOf(TemporarilyUnavailableError)
    expect(await key('k1')).toBeDefined() // known keys still verify
  })

  it('RFC 7517 §5: a body that is not a JWK Set is a 503 naming the URL in detail; concurrent misses share one fetch', async () => {
    as.keys = 'nope' as never
    const err = await rejection(keySet()('k1'))
    expect(err).toBeInstanceOf(TemporarilyUnavailableError)
    expect((err as TemporarilyUnavailableError).detail).toMatch(/not a JWK Set/)

    as.keys = [k1.publicJwk]
    const key = keySet()
    const before = as.requests
    await Promise.all([key('k1'), key('k1'), key('k1'), key('k1')])
    expect(as.requests).toBe(before + 1)
  })
})
