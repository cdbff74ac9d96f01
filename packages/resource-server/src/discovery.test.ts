/**
 * The scheme rule for discovered endpoints (discovery.ts), without HTTP: an `https:` issuer cannot
 * be stood up here, so the rule is tested as the function it is. The rule over real discovery
 * documents is in test/verifier.test.ts.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
import { describe, expect, it } from 'vitest'
import { endpointAllowed } from './discovery.js'

describe('endpointAllowed', () => {
  it('RFC 8414 §2 / RFC 7662 §4: under an https issuer only https endpoints; http only under an http (development) issuer; never another scheme', () => {
    expect(endpointAllowed('https://as.example.com', 'https://keys.example.net/jwks')).toBe(true)
    expect(endpointAllowed('https://as.example.com', 'http://as.example.com/jwks')).toBe(false)
    expect(endpointAllowed('https://as.example.com', 'http://127.0.0.1:9000/introspect')).toBe(false)
    expect(endpointAllowed('http://localhost:9000', 'http://localhost:9000/jwks')).toBe(true)
    expect(endpointAllowed('http://localhost:9000', 'https://as.example.com/jwks')).toBe(true)
    for (const endpoint of ['data:application/json,{"keys":[]}', 'file:///etc/passwd', 'ftp://as.example.com/jwks', 'javascript:alert(1)', '/jwks', '', 42, undefined]) {
      expect(endpointAllowed('http://localhost:9000', endpoint), String(endpoint)).toBe(false)
      expect(endpointAllowed('https://as.example.com', endpoint), String(endpoint)).toBe(false)
    }
  })
})
