import { describe, expect, it } from 'vitest'
import { IntrospectionCache } from './introspection-cache.js'
import { checkVerifierOptions, DEFAULT_TIMEOUT, type VerifierOptions } from './options.js'
import { DEFAULT_JWKS_CACHE_MAX_AGE, DEFAULT_JWKS_COOLDOWN, DEFAULT_JWKS_STALE_IF_ERROR } from './remote-key-set.js'
import { DEFAULT_ALGORITHMS, DEFAULT_CLOCK_TOLERANCE } from './verify-access-token.js'

const API = 'https://api.example.com'
const base: VerifierOptions = { issuer: 'https://auth.example.com', audience: API }

describe('checkVerifierOptions', () => {
  it('fills in the documented defaults (README "createVerifier"), with the system clock left to jose', () => {
    expect(checkVerifierOptions(base)).toEqual({
      issuer: 'https://auth.example.com',
      audiences: [API],
      algorithms: DEFAULT_ALGORITHMS,
      clockTolerance: DEFAULT_CLOCK_TOLERANCE,
      jwksUri: undefined,
      jwksCacheMaxAge: DEFAULT_JWKS_CACHE_MAX_AGE,
      jwksCooldown: DEFAULT_JWKS_COOLDOWN,
      jwksStaleIfError: DEFAULT_JWKS_STALE_IF_ERROR,
      timeoutMs: DEFAULT_TIMEOUT * 1000,
      realm: API,
      introspection: undefined,
      now: undefined,
    })
    expect([DEFAULT_CLOCK_TOLERANCE, DEFAULT_JWKS_CACHE_MAX_AGE, DEFAULT_JWKS_COOLDOWN, DEFAULT_JWKS_STALE_IF_ERROR, DEFAULT_TIMEOUT]).toEqual([5, 300, 30, 3600, 5])
  })

  it('keeps what is given: an audience list, its first entry as realm, a clock, seconds as milliseconds for timeout', () => {
    const now = () => 0
    const checked = checkVerifierOptions({ ...base, audience: ['https://a.example', 'https://b.example'], timeout: 1.5, now })
    expect(checked).toMatchObject({ audiences: ['https://a.example', 'https://b.example'], realm: 'https://a.example', timeoutMs: 1500 })
    expect(checked.now).toBe(now)
    expect(checkVerifierOptions({ ...base, realm: 'my api' }).realm).toBe('my api')
  })

  it('RFC 8725 §3.1: an allow-list with "none" or an HMAC algorithm is refused', () => {
    for (const algorithms of [['none'], ['HS256'], ['RS256', 'HS512'], [], ['rs256']]) {
      expect(() => checkVerifierOptions({ ...base, algorithms }), JSON.stringify(algorithms)).toThrow(/^createVerifier: algorithms /)
    }
    expect(checkVerifierOptions({ ...base, algorithms: ['ES256', 'EdDSA'] }).algorithms).toEqual(['ES256', 'EdDSA'])
  })

  it('bad options throw a TypeError naming the option', () => {
    const cases: [Partial<VerifierOptions> | null, RegExp][] = [
      [null, /^createVerifier: options /],
      [{ issuer: 'not a url' }, /^createVerifier: issuer /],
      [{ issuer: 'ftp://auth.example.com' }, /^createVerifier: issuer /],
      [{ issuer: 'https://auth.example.com/?tenant=1' }, /^createVerifier: issuer must not have a query/],
      [{ audience: [] }, /^createVerifier: audience /],
      [{ audience: ['https://a.example', ''] }, /^createVerifier: audience /],
      [{ clockTolerance: -1 }, /^createVerifier: clockTolerance /],
      [{ clockTolerance: 3600 }, /^createVerifier: clockTolerance /],
      [{ timeout: 61 }, /^createVerifier: timeout /],
      [{ jwksUri: '/jwks' }, /^createVerifier: jwksUri /],
      [{ now: 1_700_000_000_000 as unknown as () => number }, /^createVerifier: now /],
      [{ introspection: { clientId: '', clientSecret: 's' } }, /^createVerifier: introspection\.clientId /],
      [{ introspection: { clientId: API, clientSecret: '' } }, /^createVerifier: introspection\.clientSecret /],
      [{ introspection: { clientId: API, clientSecret: 's', cacheTtl: -1 } }, /^createVerifier: introspection\.cacheTtl /],
    ]
    for (const [patch, message] of cases) {
      const options = patch === null ? (null as unknown as VerifierOptions) : { ...base, ...patch }
      expect(() => checkVerifierOptions(options), JSON.stringify(patch)).toThrow(TypeError)
      expect(() => checkVerifierOptions(options), JSON.stringify(patch)).toThrow(message)
    }
  })

  it('RFC 7517 §5: a JWKS cooldown or cache age under 1 s, or an introspection cache size that is not a positive integer, is refused (a fetch per request, a cache that never evicts)', () => {
    for (const jwksCooldown of [0, 0.5, -1, NaN]) expect(() => checkVerifierOptions({ ...base, jwksCooldown }), String(jwksCooldown)).toThrow(/jwksCooldown/)
    for (const jwksCacheMaxAge of [0, 0.5, NaN]) expect(() => checkVerifierOptions({ ...base, jwksCacheMaxAge }), String(jwksCacheMaxAge)).toThrow(/jwksCacheMaxAge/)
    expect(() => checkVerifierOptions({ ...base, jwksStaleIfError: -1 })).toThrow(/jwksStaleIfError/)
    for (const cacheMaxEntries of [NaN, 0, -1, 1.5, Infinity]) {
      expect(() => checkVerifierOptions({ ...base, introspection: { clientId: API, clientSecret: 's', cacheMaxEntries } }), String(cacheMaxEntries)).toThrow(/introspection\.cacheMaxEntries/)
      expect(() => new IntrospectionCache(30, cacheMaxEntries), String(cacheMaxEntries)).toThrow(TypeError)
    }
    expect(checkVerifierOptions({ ...base, jwksCooldown: 1, jwksCacheMaxAge: 1, jwksStaleIfError: 0, introspection: { clientId: API, clientSecret: 's', cacheMaxEntries: 1 } })).toMatchObject({
      jwksCooldown: 1,
      jwksCacheMaxAge: 1,
      jwksStaleIfError: 0,
    })
  })

  it('RFC 8414 §2 / RFC 7662 §4: a jwksUri or introspection endpoint over plain http under an https issuer is refused', () => {
    expect(() => checkVerifierOptions({ ...base, jwksUri: 'http://auth.example.com/jwks' })).toThrow(/jwksUri/)
    expect(() => checkVerifierOptions({ ...base, introspection: { clientId: API, clientSecret: 's', endpoint: 'http://auth.example.com/introspect' } })).toThrow(/introspection\.endpoint/)
    expect(checkVerifierOptions({ ...base, jwksUri: 'https://keys.example.net/jwks' }).jwksUri).toBe('https://keys.example.net/jwks')
    expect(checkVerifierOptions({ issuer: 'http://localhost:9000', audience: API, jwksUri: 'http://localhost:9000/jwks' }).jwksUri).toBe('http://localhost:9000/jwks')
  })
})
