/**
 * The authorization endpoint's step table: the order is part of the contract (where errors go).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import { describe, expect, it } from 'vitest'
import { AUTHORIZATION_STEPS } from './authorization.js'

const names = AUTHORIZATION_STEPS.map((step) => step.name)

describe('authorization endpoint steps', () => {
  it('every step is a named function, each name once (logs and stack traces name the rule)', () => {
    expect(names.every((n) => /^[a-z][A-Za-z]+$/.test(n))).toBe(true)
    expect(new Set(names).size).toBe(names.length)
  })

  it('RFC 6749 §4.1.2.1: client_id and redirect_uri are verified before any step whose error may be redirected', () => {
    expect(names.slice(0, 3)).toEqual(['checkClient', 'checkRedirectUri', 'checkResponseMode'])
  })

  it('RFC 6749 §3.1: duplicates are rejected before any single-valued parameter is read', () => {
    const first = names.indexOf('rejectDuplicates')
    for (const later of ['rejectRequestObjects', 'checkResponseType', 'checkResource', 'checkScope', 'checkPrompt', 'checkPkce']) {
      expect(names.indexOf(later)).toBeGreaterThan(first)
    }
  })

  it('Issue 10: the organization selector is read from the checked scope and stored with the request', () => {
    expect(names.indexOf('checkOrganization')).toBeGreaterThan(names.indexOf('checkScope'))
    expect(names.indexOf('checkOrganization')).toBeLessThan(names.indexOf('buildRequest'))
  })

  it('Issue 10: the organization and the concrete scope are settled before consent is decided on that scope', () => {
    expect(names.indexOf('resolveOrganization')).toBeLessThan(names.indexOf('resolveGrantedScope'))
    expect(names.indexOf('resolveGrantedScope')).toBeLessThan(names.indexOf('checkConsent'))
  })

  it('OIDC Core §3.1.2.6: prompt=none is judged after the session and before anything is issued or stored', () => {
    // Issue 13: the second factor is decided once the organization is known, before consent.
    expect(names.slice(-8)).toEqual(['resolveSession', 'checkLogin', 'resolveOrganization', 'resolveGrantedScope', 'checkSecondFactor', 'checkConsent', 'checkPromptNone', 'issueCodeOrInteract'])
  })
})
