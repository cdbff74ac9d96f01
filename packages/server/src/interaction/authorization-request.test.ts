/**
 * The authorization endpoint's checks one by one, without HTTP: each named check on a state as the
 * step table hands it over. The real-HTTP behaviour (pages, redirects, order) is in
 * test/flows/authorization-request.test.ts; this names each rule by its source.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, type TestContext } from '../../test/support/context.js'
import { OAuthError } from '../errors.js'
import { checkPromptNone } from './authorization-decision.js'
import {
  buildRequest,
  checkClient,
  checkNonce,
  checkOrganization,
  checkPkce,
  checkRedirectUri,
  checkResponseMode,
  checkResponseType,
  checkScope,
  MAX_STATE_LENGTH,
  rejectMultipleResources,
  rejectRequestObjects,
  type AuthorizationState,
  type RequestParams,
} from './authorization-request.js'

let t: TestContext
beforeEach(async () => {
  t = await createTestContext()
})
afterEach(async () => {
  await t.close()
})

const WEB_CB = 'https://rp.example.test/cb'

function state(raw: RequestParams, more: Partial<AuthorizationState> = {}): AuthorizationState {
  return { ctx: t.ctx, raw, ip: '192.0.2.1', cookies: {}, ...more }
}

/** The OAuth error code a check throws (and fails the test when it throws nothing or something else). */
async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run()
  } catch (err) {
    if (err instanceof OAuthError) return err.code
    throw err
  }
  throw new Error('the check passed')
}

describe('authorization request checks', () => {
  it('RFC 6749 §4.1.2.1: an unknown or repeated client_id is rejected before any redirect target exists', async () => {
    const unknown = state({ client_id: 'nobody' })
    expect(await codeOf(() => checkClient(unknown))).toBe('invalid_request')
    expect(unknown.target).toBeUndefined()
    expect(await codeOf(() => checkClient(state({ client_id: ['web', 'web'] })))).toBe('invalid_request')
    const known = state({ client_id: 'web' })
    await checkClient(known)
    expect(known.client?.client_id).toBe('web')
  })

  it('RFC 6749 §3.1.2.3: redirect_uri may be omitted with a single registered URI, but not in an OpenID request (OIDC Core §3.1.2.1)', async () => {
    const omitted = state({ scope: 'read:data' }, { client: await t.client('web') })
    checkRedirectUri(omitted)
    expect(omitted.redirectUri).toBe(WEB_CB)
    const openId = state({ scope: 'openid read:data' }, { client: await t.client('web') })
    expect(await codeOf(() => checkRedirectUri(openId))).toBe('invalid_request')
    expect(openId.redirectUri).toBeUndefined()
  })

  it('RFC 6749 §4.1.2.1: an unregistered redirect_uri is an error, never a redirect target', async () => {
    const s = state({ redirect_uri: 'https://evil.example/cb' }, { client: await t.client('web') })
    expect(await codeOf(() => checkRedirectUri(s))).toBe('invalid_request')
    expect(s.redirectUri).toBeUndefined()
    const ok = state({ redirect_uri: WEB_CB }, { client: await t.client('web') })
    checkRedirectUri(ok)
    expect(ok.redirectUri).toBe(WEB_CB)
  })

  it('OAuth 2.0 Form Post Response Mode: an unknown response_mode is itself redirected, in the default query mode', async () => {
    const s = state({ response_mode: 'fragment', state: 'xyz' }, { redirectUri: WEB_CB })
    expect(await codeOf(() => checkResponseMode(s))).toBe('invalid_request')
    expect(s.target).toEqual({ redirect_uri: WEB_CB, response_mode: 'query', state: 'xyz', issuer: t.ctx.config.issuer })
    const post = state({ response_mode: 'form_post' }, { redirectUri: WEB_CB })
    checkResponseMode(post)
    expect(post.target?.response_mode).toBe('form_post')
  })

  it('RFC 6749 §4.1.2.1: a state that will not be accepted (repeated, too long) is not echoed to the client', () => {
    for (const raw of [{ state: ['a', 'b'] }, { state: 'x'.repeat(MAX_STATE_LENGTH + 1) }]) {
      const s = state(raw, { redirectUri: WEB_CB })
      checkResponseMode(s)
      expect(s.target?.state).toBeUndefined()
    }
  })

  it('RFC 8707 §2: more than one resource is invalid_target (Latch issues a token for one audience)', async () => {
    expect(await codeOf(() => rejectMultipleResources(state({ resource: ['https://a.example', 'https://b.example'] })))).toBe('invalid_target')
    rejectMultipleResources(state({ resource: 'https://a.example' }))
  })

  it('OIDC Core §6: request objects are request_not_supported, request_uri request_uri_not_supported', async () => {
    expect(await codeOf(() => rejectRequestObjects(state({}, { params: { request: 'eyJ...' } })))).toBe('request_not_supported')
    expect(await codeOf(() => rejectRequestObjects(state({}, { params: { request_uri: 'https://x.example/r' } })))).toBe('request_uri_not_supported')
  })

  it('RFC 6749 §4.1.1: response_type is code; implicit and hybrid are unsupported_response_type (RFC 9700 §2.1.2)', async () => {
    const web = await t.client('web')
    expect(await codeOf(() => checkResponseType(state({}, { client: web, params: {} })))).toBe('invalid_request')
    for (const type of ['token', 'id_token', 'code id_token', 'bogus']) {
      expect(await codeOf(() => checkResponseType(state({}, { client: web, params: { response_type: type } })))).toBe('unsupported_response_type')
    }
    checkResponseType(state({}, { client: web, params: { response_type: 'code' } }))
  })

  it('RFC 6749 §4.1.2.1: a client not registered for the code grant is unauthorized_client', async () => {
    const service = await t.client('service')
    expect(await codeOf(() => checkResponseType(state({}, { client: service, params: { response_type: 'code' } })))).toBe('unauthorized_client')
  })

  it('RFC 9700 §2.1.1: a public client must send a code_challenge', async () => {
    const tv = await t.client('tv')
    expect(await codeOf(() => checkPkce(state({}, { client: tv, params: {} })))).toBe('invalid_request')
    const web = state({}, { client: await t.client('web'), params: {} })
    checkPkce(web)
    expect(web.pkce).toEqual({})
  })

  it('OIDC Core §3.1.2.1: a nonce is bounded and cannot hold U+0000', async () => {
    expect(await codeOf(() => checkNonce(state({}, { params: { nonce: 'n'.repeat(MAX_STATE_LENGTH + 1) } })))).toBe('invalid_request')
    expect(await codeOf(() => checkNonce(state({}, { params: { nonce: 'a\u0000b' } })))).toBe('invalid_request')
    checkNonce(state({}, { params: { nonce: 'n'.repeat(MAX_STATE_LENGTH) } }))
  })

  it('RFC 6749 §4.1.3: the request records whether redirect_uri was sent, so the token request repeats it only then', async () => {
    const base = { client: await t.client('web'), redirectUri: WEB_CB, scope: ['openid'], organization: null, dynamicScope: [], resource: null, prompt: [], pkce: {} }
    const sent = state({}, { ...base, params: { redirect_uri: WEB_CB, login_hint: 'x'.repeat(400) } })
    buildRequest(sent)
    expect(sent.request).toMatchObject({ client_id: 'web', redirect_uri: WEB_CB, redirect_uri_sent: true, scope: 'openid', response_mode: 'query' })
    expect(sent.request?.login_hint).toHaveLength(320)
    const omitted = state({}, { ...base, params: {} })
    buildRequest(omitted)
    expect(omitted.request?.redirect_uri_sent).toBe(false)
  })

  it('OIDC Core §3.1.2.6: with prompt=none a needed sign-in is login_required and a needed consent consent_required', async () => {
    const request = { client_id: 'web', redirect_uri: WEB_CB, redirect_uri_sent: true, response_mode: 'query' as const, scope: 'openid', resource: null, prompt: ['none' as const] }
    expect(await codeOf(() => checkPromptNone(state({}, { request, loginNeeded: true, consentNeeded: false })))).toBe('login_required')
    expect(await codeOf(() => checkPromptNone(state({}, { request, loginNeeded: false, consentNeeded: true })))).toBe('consent_required')
    checkPromptNone(state({}, { request, loginNeeded: false, consentNeeded: false }))
    checkPromptNone(state({}, { request: { ...request, prompt: [] }, loginNeeded: true, consentNeeded: true }))
  })

  it('Issue 10: the organization selector comes from organization:<id> or the organization parameter; two different ones are invalid_request', async () => {
    const client = await t.client('web')
    const select = (scope: string, organization?: string) => {
      const s = state({}, { client, resource: null, params: { scope, ...(organization !== undefined && { organization }) } })
      checkScope(s)
      checkOrganization(s)
      return s
    }
    expect(select('openid organization:acme').organization).toBe('acme')
    expect(select('openid', 'acme').organization).toBe('acme')
    expect(select('openid organization:acme', 'acme').organization).toBe('acme')
    expect(select('openid').organization).toBeNull()
    // The selector is no registered scope: the static scope stays what the client is registered for.
    expect(select('openid organization:acme').scope).toEqual(['openid'])
    expect(await codeOf(() => select('openid organization:acme', 'globex'))).toBe('invalid_request')
    expect(await codeOf(() => select('openid organization:acme organization:globex'))).toBe('invalid_request')
    expect(await codeOf(() => select('openid organization:ACME'))).toBe('invalid_request')
    expect(await codeOf(() => select('openid', 'acme/x'))).toBe('invalid_request')
  })

  it('Issue 10: with prompt=none and an organization asked, not a member, a needed picker and a needed consent are all interaction_required (OIDC Core §3.1.2.6; no membership oracle)', async () => {
    const request = { client_id: 'web', redirect_uri: WEB_CB, redirect_uri_sent: true, response_mode: 'query' as const, scope: 'openid', resource: null, prompt: ['none' as const], organization: 'acme' }
    expect(await codeOf(() => checkPromptNone(state({}, { request, loginNeeded: false, organizationStep: { type: 'not_member', required: false } })))).toBe('interaction_required')
    expect(await codeOf(() => checkPromptNone(state({}, { request, loginNeeded: false, organizationStep: { type: 'picker', memberships: [], truncated: false, notMember: false } })))).toBe('interaction_required')
    expect(await codeOf(() => checkPromptNone(state({}, { request, loginNeeded: false, consentNeeded: true })))).toBe('interaction_required')
    // Sign-in is asked about first: the organization is unknown until the user is.
    expect(await codeOf(() => checkPromptNone(state({}, { request, loginNeeded: true })))).toBe('login_required')
  })
})
