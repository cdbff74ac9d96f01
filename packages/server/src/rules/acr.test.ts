import { describe, expect, it } from 'vitest'
import { ACR_1FA, ACR_MFA, ACR_PHR, ACR_VALUES, acrOf, requestedAcr, satisfies, withSecondFactor } from './acr.js'

describe('acr', () => {
  it('issue 13: acr is derived from amr (RFC 8176): one factor, mfa, phishing-resistant (a passkey with user verification)', () => {
    expect(acrOf(['pwd'])).toBe(ACR_1FA)
    expect(acrOf(['fed'])).toBe(ACR_1FA)
    expect(acrOf(['email'])).toBe(ACR_1FA)
    expect(acrOf(['hwk'])).toBe(ACR_1FA)
    expect(acrOf(['pwd', 'otp', 'mfa'])).toBe(ACR_MFA)
    expect(acrOf(['fed', 'mfa'])).toBe(ACR_MFA)
    expect(acrOf(['hwk', 'user', 'mfa'])).toBe(ACR_PHR)
    expect(acrOf(['swk', 'user', 'mfa'])).toBe(ACR_PHR)
  })

  it('the list is ordered weakest first: a stronger value satisfies a request for a weaker one, never the reverse', () => {
    expect(ACR_VALUES).toEqual(['urn:latch:acr:1fa', 'urn:latch:acr:mfa', 'urn:latch:acr:phr'])
    expect(satisfies(ACR_PHR, ACR_MFA)).toBe(true)
    expect(satisfies(ACR_MFA, ACR_MFA)).toBe(true)
    expect(satisfies(ACR_MFA, ACR_1FA)).toBe(true)
    expect(satisfies(ACR_1FA, ACR_MFA)).toBe(false)
    expect(satisfies(ACR_MFA, ACR_PHR)).toBe(false)
  })

  it('OIDC Core §3.1.2.1: acr_values is voluntary: unknown values are ignored, and the weakest supported value asked is what must be reached', () => {
    expect(requestedAcr(undefined)).toBeUndefined()
    expect(requestedAcr('')).toBeUndefined()
    expect(requestedAcr('urn:other:gold 0')).toBeUndefined()
    expect(requestedAcr('urn:latch:acr:mfa')).toBe(ACR_MFA)
    expect(requestedAcr('urn:latch:acr:phr urn:latch:acr:mfa')).toBe(ACR_MFA)
    expect(requestedAcr('urn:other urn:latch:acr:phr')).toBe(ACR_PHR)
    expect(requestedAcr('urn:latch:acr:1fa  urn:latch:acr:phr')).toBe(ACR_1FA)
  })

  it('a second factor adds its method and mfa once', () => {
    expect(withSecondFactor(['pwd'], 'otp')).toEqual(['pwd', 'otp', 'mfa'])
    expect(withSecondFactor(['pwd', 'otp', 'mfa'], 'otp')).toEqual(['pwd', 'otp', 'mfa'])
  })
})
