import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, type OAuthError } from '../errors.js'
import { hashHandle } from '../lib/random.js'
import { passwordGrant } from './password.js'
import { createTestContext, TEST_API, TEST_PASSWORD, type TestContext } from '../../test/support/context.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

async function grant(params: Record<string, string>, clientId = 'web') {
  return passwordGrant.handle({ params, client: await t.client(clientId), ctx: t.ctx, ip: '192.0.2.1' })
}

async function failure(params: Record<string, string>): Promise<OAuthError> {
  return grant(params).then(
    () => { throw new Error('expected the grant to fail') },
    (err: OAuthError) => err,
  )
}

describe('password grant', () => {
  it('RFC 6749 §4.3.3: valid credentials issue an access token, a refresh token and an ID token', async () => {
    const user = await t.user()
    const body = await grant({ username: 'Alice@Example.com', password: TEST_PASSWORD, scope: 'openid email read:data' })
    expect(body.scope).toBe('openid email read:data')
    const at = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(at.payload).toMatchObject({ sub: user.id, client_id: 'web', auth_time: t.clock.now() })
    const id = await t.verify(body.id_token!, { audience: 'web' })
    expect(id.payload).toMatchObject({ sub: user.id, email: 'alice@example.com', auth_time: t.clock.now(), amr: ['pwd'] })
    expect(body.refresh_token).toBeDefined()
    // A grant row was created for the family, so revoking it later reaches every token.
    const refresh = await t.store.refreshTokens.get(hashHandle(body.refresh_token!))
    const grantRow = await t.store.grants.get(refresh!.grant_id)
    expect(grantRow).toMatchObject({ client_id: 'web', user_id: user.id, scope: 'openid email read:data', resource: TEST_API })
  })

  it('RFC 6749 §4.3.2: an unknown user and a wrong password get the same invalid_grant', async () => {
    const unknown = await failure({ username: 'nobody@example.com', password: TEST_PASSWORD })
    const wrong = await failure({ username: 'alice@example.com', password: 'wrong-password' })
    expect(unknown).toBeInstanceOf(InvalidGrantError)
    expect(wrong).toBeInstanceOf(InvalidGrantError)
    expect(unknown.description).toBe(wrong.description)
    expect(t.events.filter((e) => e.name === 'login.failed')).toHaveLength(2)
  })

  it('RFC 6749 §4.3.2: repeated failures from one source are throttled for that account, even for the right password', async () => {
    const max = t.config.security.login_max_failures_per_account
    for (let i = 0; i < max; i++) await failure({ username: 'alice@example.com', password: `wrong-${i}` })
    const throttled = await failure({ username: 'alice@example.com', password: TEST_PASSWORD })
    expect(throttled).toBeInstanceOf(InvalidGrantError)
    expect(throttled.description).toMatch(/too many failed attempts/)
    expect(t.events.at(-1)).toMatchObject({ name: 'login.failed', payload: { reason: 'throttled' } })
    t.clock.advance(t.config.security.login_throttle_window + 1)
    await expect(grant({ username: 'alice@example.com', password: TEST_PASSWORD })).resolves.toMatchObject({ token_type: 'Bearer' })
  })

  it('RFC 6749 §4.3.2: a client without the refresh_token grant gets no refresh token; no openid, no ID token', async () => {
    const t2 = await createTestContext({
      config: { clients: [{ client_id: 'legacy', client_secret: 'legacy-secret-0123456789abcdefghijklmn', grant_types: ['password'], scope: 'openid read:data' }] },
    })
    try {
      const body = await passwordGrant.handle({
        params: { username: 'alice@example.com', password: TEST_PASSWORD, scope: 'read:data' },
        client: await t2.client('legacy'),
        ctx: t2.ctx,
        ip: '192.0.2.1',
      })
      expect(body.refresh_token).toBeUndefined()
      expect(body.id_token).toBeUndefined()
    } finally {
      await t2.close()
    }
  })

  it('RFC 6749 §3.3: a scope outside the registration is invalid_scope, checked before the password', async () => {
    await expect(grant({ username: 'alice@example.com', password: 'wrong', scope: 'admin' })).rejects.toBeInstanceOf(InvalidScopeError)
    expect(t.events.filter((e) => e.name === 'login.failed')).toHaveLength(0)
  })

  it('RFC 6749 §4.3.2: username and password are required', async () => {
    await expect(grant({ password: TEST_PASSWORD })).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(grant({ username: 'alice@example.com' })).rejects.toBeInstanceOf(InvalidRequestError)
  })
})
