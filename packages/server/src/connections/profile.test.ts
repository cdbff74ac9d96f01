import { describe, expect, it } from 'vitest'
import { OAUTH2_MAPPING } from '../rules/connection-presets.js'
import { mapProfile } from './profile.js'

describe('mapProfile (issue 12)', () => {
  it('RFC 8176 (review L4): an `amr` in a profile JSON or userinfo answer is never taken (only the signed ID token\'s, with trust_amr, in upstream.ts)', () => {
    const profile = mapProfile({ mapping: OAUTH2_MAPPING, trust_email_verified: false }, { id: '7', email: 'x@example.com', amr: ['mfa', 'hwk'] })
    expect(profile).toMatchObject({ subject: '7', email: 'x@example.com', amr: [] })
  })
})
