import { describe, expect, it } from 'vitest'
import { stepUpChallenge, stepUpParams } from './step-up.js'

const response = (status: number, www?: string) => new Response(null, { status, headers: www === undefined ? {} : { 'www-authenticate': www } })

describe('step-up challenge', () => {
  it('RFC 9470 §3: reads acr_values and max_age of an insufficient_user_authentication challenge into the next authorization request', () => {
    const www = 'Bearer realm="https://api.example.com", error="insufficient_user_authentication", error_description="a stronger authentication of the user is required", acr_values="urn:latch:acr:mfa", max_age="300"'
    const challenge = stepUpChallenge(response(401, www))
    expect(challenge).toEqual({ acrValues: 'urn:latch:acr:mfa', maxAge: 300 })
    expect(stepUpParams(challenge!, { scope: 'openid', extra: { ui_locales: 'de' } })).toEqual({ scope: 'openid', maxAge: 300, extra: { ui_locales: 'de', acr_values: 'urn:latch:acr:mfa' } })
    expect(stepUpChallenge('Bearer error="insufficient_user_authentication", max_age=5')).toEqual({ maxAge: 5 })
  })

  it('RFC 6750 §3.1: any other answer is not a step-up (invalid_token, insufficient_scope, a 403, no challenge, another scheme)', () => {
    expect(stepUpChallenge(response(401, 'Bearer realm="x", error="invalid_token", error_description="the access token expired"'))).toBeNull()
    expect(stepUpChallenge(response(401, 'Bearer realm="x"'))).toBeNull()
    expect(stepUpChallenge(response(403, 'Bearer error="insufficient_user_authentication", acr_values="a"'))).toBeNull()
    expect(stepUpChallenge(response(401))).toBeNull()
    expect(stepUpChallenge(response(401, 'Basic realm="x", error="insufficient_user_authentication"'))).toBeNull()
    expect(stepUpChallenge(null)).toBeNull()
  })
})
