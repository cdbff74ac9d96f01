import { describe, expect, it } from 'vitest'
import { pageCsp } from '../../endpoints/_pipeline/security-headers.js'
import { identifyPage } from './identify.js'
import { loginPage } from './login.js'
import { passkeysPage } from './passkeys.js'

const base = { action: '/interaction/x/login', csrf: 'token', clientName: 'App' }
const passkey = { optionsUrl: '/interaction/x/passkey/options', action: '/interaction/x/passkey', csrf: 'token', script: '/assets/passkeys.js?v=abc' }

describe('passkey views (issue 13)', () => {
  it('progressive enhancement: without passkeys the sign-in page has no script and a plain username field; with them, the script and webauthn autofill', () => {
    const plain = loginPage(base)
    expect(plain).not.toContain('<script')
    expect(plain).toContain('autocomplete="username"')
    const enhanced = loginPage({ ...base, passkey })
    expect(enhanced).toContain('<script src="/assets/passkeys.js?v=abc" defer></script>')
    expect(enhanced).toContain('autocomplete="username webauthn"')
    // No control exists until the script makes it: a page without JavaScript keeps one form and no dead button.
    expect(enhanced).not.toContain('Sign in with a passkey</button>')
    expect(enhanced).toContain('data-label="Sign in with a passkey"')
    expect(enhanced.match(/<form/g)).toHaveLength(1)
  })

  it('the identify page (home-realm discovery) offers passkeys the same way', () => {
    expect(identifyPage({ ...base, connections: [] })).not.toContain('<script')
    const enhanced = identifyPage({ ...base, connections: [], passkey })
    expect(enhanced).toContain('autocomplete="username webauthn"')
    expect(enhanced).toContain('data-passkey-sign-in')
    expect(enhanced).toContain('<script src="/assets/passkeys.js?v=abc" defer></script>')
  })

  it('CSP Level 3 §6.7.2.8 (review L8): script-src and connect-src name the one script and the one URL it fetches, only for the pages that use passkeys', () => {
    expect(pageCsp()).not.toContain('script-src')
    const csp = pageCsp([], undefined, { scripts: { script: 'https://id.example/t1/assets/passkeys.js', connect: 'https://id.example/t1/interaction/abc/passkey/options' } })
    expect(csp).toContain("default-src 'none'; script-src https://id.example/t1/assets/passkeys.js; connect-src https://id.example/t1/interaction/abc/passkey/options; ")
    expect(csp).not.toContain("'self';  connect")
    // A separator in a path cannot end the directive.
    expect(pageCsp([], undefined, { scripts: { script: 'https://id.example/a;b', connect: "https://id.example/c'd" } })).toContain('script-src https://id.example/a%3Bb; connect-src https://id.example/c%27d; ')
  })

  it('a passkey\'s name (the user\'s own text) is escaped everywhere it appears', () => {
    const html = passkeysPage({
      email: 'a@example.com', csrf: 't',
      urls: { register: '/r', options: '/o', rename: '/n', remove: '/d', account: '/a', script: '/s' },
      passkeys: [{ credentialId: 'id"><x', name: '<img src=x onerror=alert(1)>', createdAt: 0, lastUsedAt: null }],
    })
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toContain('id"><x')
  })
})
