import { describe, expect, it } from 'vitest'
import { federatedAmr } from './amr.js'

describe('federated amr', () => {
  it('RFC 8176 §2: fed first, then only registered values, deduplicated, at most 8', () => {
    expect(federatedAmr(['pwd', 'mfa', 'pwd', 'made-up', 7, 'fed'])).toEqual(['fed', 'pwd', 'mfa'])
    expect(federatedAmr([])).toEqual(['fed'])
    expect(federatedAmr(['face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin'])).toHaveLength(9)
  })
})
