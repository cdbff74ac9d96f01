import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidTargetError,
  SlowDownError,
} from '../errors.js'
import { hashHandle } from '../lib/random.js'
import { newHandle, newUserCode } from '../tokens/opaque-handle.js'
import { DEVICE_CODE_GRANT_TYPE, deviceCodeGrant } from './device-code.js'
import { createTestContext, TEST_API, type TestContext } from '../../test/support/context.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

/** A device code as the device authorization endpoint leaves it. */
async function seedDeviceCode(options: { clientId?: string; scope?: string; ttl?: number } = {}) {
  const device = newHandle()
  const userCode = newUserCode()
  const now = t.clock.now()
  await t.store.deviceCodes.insert({
    device_code_hash: device.hash,
    user_code_hash: userCode.hash,
    client_id: options.clientId ?? 'tv',
    scope: options.scope ?? 'openid profile offline_access read:data',
    resource: TEST_API,
    interval: t.config.tokens.device_poll_interval,
    created_at: now,
    expires_at: now + (options.ttl ?? t.config.tokens.device_code_ttl),
    last_polled_at: null,
    status: 'pending',
    user_id: null,
    auth_time: null,
    session_id: null,
    granted_scope: null,
  })
  return { deviceCode: device.value, userCodeHash: userCode.hash }
}

async function decide(userCodeHash: string, status: 'approved' | 'denied', grantedScope: string | null, authTime: number) {
  const user = await t.user()
  // Approved within a live IdP session: a grant is opened only while its session exists (issue 8).
  const now = t.clock.now()
  if (!(await t.store.sessions.getById('sid-7', now))) {
    await t.store.sessions.insert({ session_hash: randomUUID(), id: 'sid-7', user_id: user.id, auth_time: authTime, amr: ['pwd'], created_at: now, expires_at: now + 3600 })
  }
  const ok = await t.store.deviceCodes.decide(userCodeHash, { status, user_id: user.id, auth_time: authTime, session_id: 'sid-7', granted_scope: grantedScope }, t.clock.now())
  expect(ok).toBe(true)
  return user
}

async function poll(deviceCode: string, clientId = 'tv') {
  return deviceCodeGrant.handle({ params: { device_code: deviceCode }, client: await t.client(clientId), ctx: t.ctx, ip: '192.0.2.1' })
}

describe('device_code grant', () => {
  it('RFC 8628 §3.4: the grant type is the registered URN', () => {
    expect(deviceCodeGrant.grantType).toBe('urn:ietf:params:oauth:grant-type:device_code')
    expect(DEVICE_CODE_GRANT_TYPE).toBe(deviceCodeGrant.grantType)
  })

  it('RFC 8628 §3.5: authorization_pending while the user has not decided', async () => {
    const { deviceCode } = await seedDeviceCode()
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(AuthorizationPendingError)
    t.clock.advance(t.config.tokens.device_poll_interval)
    await expect(poll(deviceCode)).rejects.toMatchObject({ code: 'authorization_pending', status: 400 })
  })

  it('RFC 8628 §3.5: polling faster than interval gets slow_down and the interval grows by 5 s', async () => {
    const { deviceCode, userCodeHash } = await seedDeviceCode()
    const interval = t.config.tokens.device_poll_interval
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(AuthorizationPendingError)
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(SlowDownError)
    expect((await t.store.deviceCodes.getByUserCode(userCodeHash, t.clock.now()))?.interval).toBe(interval + 5)
    // The old interval is no longer enough...
    t.clock.advance(interval)
    await expect(poll(deviceCode)).rejects.toMatchObject({ code: 'slow_down', status: 400 })
    const grown = (await t.store.deviceCodes.getByUserCode(userCodeHash, t.clock.now()))!.interval
    expect(grown).toBe(interval + 10)
    // ...the grown one is.
    t.clock.advance(grown)
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(AuthorizationPendingError)
  })

  it('RFC 8628 §3.5: access_denied after the user denies', async () => {
    const { deviceCode, userCodeHash } = await seedDeviceCode()
    await decide(userCodeHash, 'denied', null, t.clock.now())
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(AccessDeniedError)
    await expect(poll(deviceCode).catch((e: AccessDeniedError) => e.status)).resolves.toBe(400)
  })

  it('RFC 8628 §3.5: expired_token after expires_in', async () => {
    const { deviceCode } = await seedDeviceCode({ ttl: 60 })
    t.clock.advance(61)
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(ExpiredTokenError)
  })

  it('RFC 8628 §3.5: an approved device code is redeemed once, for the scope the user approved', async () => {
    const { deviceCode, userCodeHash } = await seedDeviceCode()
    const authTime = t.clock.now() - 30
    const user = await decide(userCodeHash, 'approved', 'openid offline_access read:data', authTime)
    const body = await poll(deviceCode)
    expect(body.scope).toBe('openid offline_access read:data')
    expect(body.refresh_token).toBeDefined()
    const at = await t.verify(body.access_token, { typ: 'at+jwt', audience: TEST_API })
    expect(at.payload).toMatchObject({ sub: user.id, client_id: 'tv', scope: 'openid offline_access read:data', auth_time: authTime })
    const id = await t.verify(body.id_token!, { audience: 'tv' })
    expect(id.payload).toMatchObject({ sub: user.id, auth_time: authTime, sid: 'sid-7' })
    expect(id.payload.nonce).toBeUndefined()
    // A grant row backs the tokens.
    const refresh = await t.store.refreshTokens.get(hashHandle(body.refresh_token!))
    expect(await t.store.grants.get(refresh!.grant_id)).toMatchObject({ client_id: 'tv', user_id: user.id, auth_time: authTime })
    // Redeemed once: the next poll, however late, is invalid_grant.
    t.clock.advance(60)
    await expect(poll(deviceCode)).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 8628 §3.4: a device code issued to another client is invalid_grant', async () => {
    const { deviceCode, userCodeHash } = await seedDeviceCode({ clientId: 'tv' })
    await decide(userCodeHash, 'approved', 'openid', t.clock.now())
    await expect(poll(deviceCode, 'other')).rejects.toBeInstanceOf(InvalidGrantError)
  })

  it('RFC 8628 §3.5: an unknown device_code is invalid_grant; a missing one invalid_request', async () => {
    await expect(poll('unknown-device-code')).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(deviceCodeGrant.handle({ params: {}, client: await t.client('tv'), ctx: t.ctx, ip: '192.0.2.1' })).rejects.toBeInstanceOf(InvalidRequestError)
  })
})

/** @see issue 8 */
describe('device_code grant: resource registration', () => {
  it('RFC 8707 §2: a device code approved for an API the client has since lost is invalid_target at the token endpoint', async () => {
    const { deviceCode, userCodeHash } = await seedDeviceCode()
    await decide(userCodeHash, 'approved', 'openid read:data', t.clock.now())
    const tv = await t.client('tv')
    await expect(
      deviceCodeGrant.handle({ params: { device_code: deviceCode }, client: { ...tv, resources: [] }, ctx: t.ctx, ip: '192.0.2.1' }),
    ).rejects.toBeInstanceOf(InvalidTargetError)
    expect(t.events.map((e) => e.name)).not.toContain('token.issued')
  })
})
