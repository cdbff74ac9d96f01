import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, TEST_API, type TestContext } from '../../test/support/context.js'
import type { ActiveSession } from '../sessions/idp-session.js'
import type { InteractionRecord } from '../storage/store.js'
import { newHandle, newUserCode } from '../tokens/opaque-handle.js'
import { deviceKind } from './device-verification.js'
import { plainGrant } from './granted-scope.js'
import type { FinishedInteraction } from './kinds.js'
import type { Outcome } from './outcome.js'
import { deviceCodePage, INVALID_CODE } from './views/device-code.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

/** The page a kind's decision renders (the endpoint adds the page headers). */
function page(outcome: Outcome): { status: number; body: string } {
  if (outcome.type !== 'page') throw new Error(`expected a page, got ${outcome.type}`)
  return { status: outcome.status, body: outcome.html }
}

async function seed(ttl = 600) {
  const now = t.clock.now()
  const userCode = newUserCode()
  const device = newHandle()
  await t.store.deviceCodes.insert({
    device_code_hash: device.hash, user_code_hash: userCode.hash, client_id: 'tv', scope: 'openid profile read:data', resource: TEST_API,
    interval: 5, created_at: now, expires_at: now + ttl, last_polled_at: null, status: 'pending', user_id: null, auth_time: null,
    session_id: null, granted_scope: null,
  })
  return { userCodeHash: userCode.hash, deviceCodeHash: device.hash }
}

async function finished(userCodeHash: string): Promise<{ args: FinishedInteraction }> {
  const now = t.clock.now()
  const user = await t.user()
  const interaction: InteractionRecord = {
    id: '00000000-0000-4000-8000-000000000000', kind: 'device', client_id: 'tv',
    params: { user_code_hash: userCodeHash, scope: 'openid profile read:data', resource: TEST_API },
    user_id: user.id, auth_time: now - 10, session_id: 'sid-1', created_at: now, expires_at: now + 600,
  }
  const session: ActiveSession = {
    user,
    session: { session_hash: 'h', id: 'sid-1', user_id: user.id, auth_time: now - 10, amr: ['pwd'], created_at: now - 10, expires_at: now + 3600 },
  }
  return { args: { ctx: t.ctx, interaction, client: await t.client('tv'), session } }
}

describe('device verification', () => {
  it('RFC 8628 §5.4: consent is always asked, even for a client that may skip it', async () => {
    const { args } = await finished('x')
    const skipping = { ...args.client, skip_consent: true }
    expect(await deviceKind.needsConsent(t.ctx, args.interaction, skipping, args.session.user.id, ['openid'])).toBe(true)
    expect(deviceKind.requiresFreshLogin(args.interaction, args.client, args.session, t.clock.now())).toBe(false)
  })

  it('RFC 8628 §3.3: approving marks the code approved for the consented scope, which the device then redeems', async () => {
    const { userCodeHash, deviceCodeHash } = await seed()
    const { args } = await finished(userCodeHash)
    // Scope the consent form posted, with one the device never asked for: it must not be granted.
    const sent = page(await deviceKind.approve({ ...args, grant: plainGrant(['openid', 'read:data', 'write:data']) }))
    expect(sent.status).toBe(200)
    expect(sent.body).toContain('Device connected')
    expect(sent.body).toContain('You can return to your device.')
    expect(t.events).toContainEqual({ name: 'device_code.approved', payload: { client_id: 'tv', user_id: args.session.user.id } })
    const polled = await t.store.deviceCodes.poll(deviceCodeHash, t.clock.now())
    expect(polled).toMatchObject({ outcome: 'approved', record: { granted_scope: 'openid read:data', user_id: args.session.user.id, session_id: 'sid-1' } })
  })

  it('RFC 8628 §3.3: denying marks the code denied and says so', async () => {
    const { userCodeHash, deviceCodeHash } = await seed()
    const { args } = await finished(userCodeHash)
    const sent = page(await deviceKind.deny(args))
    expect(sent.status).toBe(200)
    expect(sent.body).toContain('Access denied')
    expect(t.events.map((e) => e.name)).toContain('device_code.denied')
    expect(await t.store.deviceCodes.poll(deviceCodeHash, t.clock.now())).toEqual({ outcome: 'denied' })
  })

  it('RFC 8628 §3.5: a code that expired during sign-in cannot be approved', async () => {
    const { userCodeHash } = await seed(60)
    const { args } = await finished(userCodeHash)
    t.clock.advance(61)
    const sent = page(await deviceKind.approve({ ...args, grant: plainGrant(['openid']) }))
    expect(sent.status).toBe(400)
    expect(sent.body).toContain('Code expired')
    expect(t.events.map((e) => e.name)).not.toContain('device_code.approved')
  })

  it('RFC 8628 §3.3: a code is decided once; a second decision shows the expired page', async () => {
    const { userCodeHash } = await seed()
    const first = await finished(userCodeHash)
    await deviceKind.approve({ ...first.args, grant: plainGrant(['openid']) })
    const second = await finished(userCodeHash)
    expect(page(await deviceKind.deny(second.args)).status).toBe(400)
    expect(t.events.map((e) => e.name)).not.toContain('device_code.denied')
  })

  it('ARCHITECTURE.md §2 Pages: the code form has a Code input, a Continue button, a CSRF field, and escapes every value', () => {
    const body = deviceCodePage(t.ctx.urls.device_verification, 'csrf-token-value', '"><script>alert(1)</script>', INVALID_CODE)
    expect(body).toContain('<label for=user_code>Code</label>')
    expect(body).toContain('<button type="submit">Continue</button>')
    expect(body).toContain('name="csrf" value="csrf-token-value"')
    expect(body).toContain(`action="${t.ctx.urls.device_verification}"`)
    expect(body).not.toContain('<script>')
    expect(body).toContain('&quot;&gt;&lt;script&gt;')
    expect(body).toContain('That code is not valid or has expired.')
  })
})
