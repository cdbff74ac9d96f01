/**
 * The interaction pages' decisions without HTTP: sign-in, the next step, and consent, on plain
 * cookie jars. The pages themselves (forms, CSRF, headers) are covered over real HTTP in
 * test/flows/sso-and-prompts.test.ts, login-throttle.test.ts and the browser tests.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, TEST_PASSWORD, type TestContext } from '../../test/support/context.js'
import type { CookieChange } from '../sessions/idp-session.js'
import type { AuthorizationRequest } from './authorization-request.js'
import { beginInteraction } from './begin.js'
import { decideConsent, loadInteraction, nextStep, signIn, type LoadedInteraction } from './pages.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

const REQUEST: AuthorizationRequest = {
  client_id: 'web',
  redirect_uri: 'https://rp.example.test/cb',
  redirect_uri_sent: true,
  response_mode: 'query',
  state: 'st',
  scope: 'openid read:data',
  resource: null,
  prompt: [],
}

async function started(): Promise<LoadedInteraction> {
  const outcome = await beginInteraction(t.ctx, { kind: 'authorization', client_id: 'web', params: { ...REQUEST }, ip: '192.0.2.1' })
  if (outcome.type !== 'see_other') throw new Error('expected a redirect to the interaction page')
  return loadInteraction(t.ctx, outcome.location.split('/').pop() as string)
}

/** The jar a browser holds after the cookies were set. */
function jar(changes: readonly CookieChange[]): Record<string, string> {
  return Object.fromEntries(changes.flatMap((c) => ('clear' in c ? [] : [[c.name, c.value]])))
}

describe('interaction page decisions', () => {
  it('OIDC Core §3.1.2.3: without a session the next step is the sign-in form', async () => {
    expect(await nextStep(t.ctx, await started(), {})).toEqual({ type: 'login_form' })
  })

  it('OWASP authentication: a wrong password and an unknown email get the same answer, and no cookie', async () => {
    const l = await started()
    const wrong = await signIn(t.ctx, l, { email: 'alice@example.com', password: 'nope', ip: '192.0.2.1', cookies: {} })
    const unknown = await signIn(t.ctx, l, { email: 'nobody@example.com', password: 'nope', ip: '192.0.2.2', cookies: {} })
    expect(wrong).toEqual({ type: 'login_form', status: 401, reason: 'bad_credentials', email: 'alice@example.com' })
    expect(unknown).toMatchObject({ type: 'login_form', status: 401, reason: 'bad_credentials' })
    expect(t.events.filter((e) => e.name === 'login.failed')).toHaveLength(2)
  })

  it('OIDC Core §3.1.2.3, §3.1.2.4: signing in sets the session and device cookies, then consent, then a code to the redirect URI with state and iss', async () => {
    const l = await started()
    const result = await signIn(t.ctx, l, { email: ' Alice@Example.com ', password: TEST_PASSWORD, ip: '192.0.2.1', cookies: {} })
    if (result.type !== 'signed_in') throw new Error(`sign-in failed: ${result.reason}`)
    expect(result.outcome).toEqual({ type: 'see_other', location: `${t.ctx.urls.interaction}/${l.interaction.id}` })
    expect(result.cookies.map((c) => c.name)).toEqual(['__Host-latch_session', expect.stringMatching(/^__Host-latch_device_/)])
    const cookies = jar(result.cookies)

    const reloaded = await loadInteraction(t.ctx, l.interaction.id)
    const step = await nextStep(t.ctx, reloaded, cookies)
    expect(step).toMatchObject({ type: 'consent_form', grant: { scope: ['openid', 'read:data'], organization: null }, session: { user: { email: 'alice@example.com' } } })
    // Another browser (no session cookie) cannot answer the consent of this one.
    expect(await decideConsent(t.ctx, reloaded, 'allow', {})).toEqual({ type: 'see_other', location: `${t.ctx.urls.interaction}/${l.interaction.id}` })

    const outcome = await decideConsent(t.ctx, reloaded, 'allow', cookies)
    expect(outcome).toMatchObject({ type: 'authorization_response', target: { redirect_uri: REQUEST.redirect_uri, state: 'st', issuer: t.ctx.config.issuer } })
    expect(outcome.type === 'authorization_response' && outcome.params.code).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(t.events.map((e) => e.name)).toEqual(expect.arrayContaining(['login.succeeded', 'consent.granted']))
    // RFC 6749 §4.1.2: the interaction is finished once.
    await expect(decideConsent(t.ctx, reloaded, 'allow', cookies)).rejects.toThrow(/already completed/)
  })

  it('RFC 6749 §4.1.2.1: denying consent is access_denied to the redirect URI', async () => {
    const l = await started()
    const result = await signIn(t.ctx, l, { email: 'alice@example.com', password: TEST_PASSWORD, ip: '192.0.2.1', cookies: {} })
    if (result.type !== 'signed_in') throw new Error('sign-in failed')
    const outcome = await decideConsent(t.ctx, await loadInteraction(t.ctx, l.interaction.id), 'deny', jar(result.cookies))
    expect(outcome).toMatchObject({ type: 'authorization_response', params: { error: 'access_denied' } })
    expect(t.events.map((e) => e.name)).toContain('consent.denied')
  })

  it('Issue 10: a successful sign-in joins the organizations of a verified email domain with roles [member], keeping an existing member\'s roles', async () => {
    await t.close()
    t = await createTestContext({
      config: {
        organizations: [
          { id: 'examplers', name: 'Examplers', domains: ['example.com'] },
          { id: 'keepers', name: 'Keepers', domains: ['example.com'], members: [{ email: 'alice@example.com', roles: ['admin'] }] },
          { id: 'others', name: 'Others', domains: ['example.org'] },
        ],
      },
    })
    const user = await t.user()
    expect(await t.store.organizations.membership('examplers', user.id)).toBeNull()
    const l = await started()
    // A failed sign-in joins nobody.
    await signIn(t.ctx, l, { email: 'alice@example.com', password: 'wrong-password', ip: '192.0.2.1', cookies: {} })
    expect(await t.store.organizations.membership('examplers', user.id)).toBeNull()
    const result = await signIn(t.ctx, l, { email: 'alice@example.com', password: TEST_PASSWORD, ip: '192.0.2.1', cookies: {} })
    expect(result.type).toBe('signed_in')
    expect((await t.store.organizations.membership('examplers', user.id))?.roles).toEqual(['member'])
    expect((await t.store.organizations.membership('keepers', user.id))?.roles).toEqual(['admin'])
    expect(await t.store.organizations.membership('others', user.id)).toBeNull()
    // Only the organization joined now is reported; the existing membership is not.
    expect(t.events.filter((e) => e.name === 'organization.member_joined').map((e) => e.payload)).toEqual([
      { organization_id: 'examplers', user_id: user.id, reason: 'email_domain' },
    ])
  })
})
