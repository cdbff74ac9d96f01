/**
 * State a user or client builds on one node is there on the other: two `latch serve` processes on
 * one PostgreSQL schema, with the same issuer (node A's origin) and each on its own port. Node B is
 * reached at its own port with explicit fetches; cookies for 127.0.0.1 are host-only whatever the
 * port, so a browser would send its jar to both, and the tests copy the jar's Cookie header onto
 * requests to B explicitly (the test Browser only sends it to the issuer's origin).
 * - the IdP session (OIDC Core §3.1.2.3: an authenticated End-User is not asked again) and a
 *   remembered consent (§3.1.2.4) are rows, not process memory;
 * - a device code's state and polling interval are shared (RFC 8628 §3.5);
 * - a client assertion's jti is single use across nodes (RFC 7523 §3 item 7).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { Browser, formOf, isConsentPage, isLoginPage } from '../browser.js'
import { authorizationRequest, Cluster, clusterConfig, clusterSkipReason, DEVICE_GRANT, isActive, post, WEB_AUTH, type LatchNode } from '../cluster.js'
import { ALICE, WEB_REDIRECT } from '../helpers.js'

const skipped = await clusterSkipReason()
if (skipped) console.log(skipped)

const CONSENT_REDIRECT = 'http://127.0.0.1:5557/consent/callback'
const CONSENT_SECRET = 'consent-secret-0123456789abcdef01234567'
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const jwtKey = await generateKeyPair('ES256')

const config = {
  ...clusterConfig,
  clients: [
    ...clusterConfig.clients,
    // A third-party client: the consent page is shown, and the decision is remembered.
    {
      client_id: 'consent-app',
      client_name: 'Consenting App',
      client_secret: CONSENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      redirect_uris: [CONSENT_REDIRECT],
      scope: 'openid profile',
      skip_consent: false,
    },
    {
      client_id: 'jwt-client',
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials'],
      scope: 'read:data',
      jwks: { keys: [{ ...(await exportJWK(jwtKey.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] },
    },
  ],
}

/** The Cookie header a browser holding `browser`'s jar sends to any port of 127.0.0.1. */
function cookieHeader(browser: Browser): string {
  return [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
}

describe.skipIf(skipped !== undefined)('state shared by 2 nodes on one PostgreSQL', () => {
  let cluster: Cluster
  let a: LatchNode
  let b: LatchNode

  beforeAll(async () => {
    cluster = await Cluster.start({ name: 'shared_state', config })
    a = cluster.node(0)
    b = cluster.node(1)
  }, 60_000)

  afterAll(async () => {
    await cluster?.stop()
  })

  /** GET `url`'s path and query on `node` with `cookie`, not following the redirect. */
  async function openOn(node: LatchNode, url: URL, cookie?: string): Promise<{ status: number; location: URL | null }> {
    const res = await fetch(`${node.url}${url.pathname}${url.search}`, { redirect: 'manual', headers: cookie ? { cookie } : {} })
    await res.body?.cancel()
    const location = res.headers.get('location')
    return { status: res.status, location: location === null ? null : new URL(location, cluster.issuer) }
  }

  it('OIDC Core §3.1.2.3: the IdP session made by signing in on node A is honoured on node B: B answers with a code, no sign-in page', async () => {
    const browser = new Browser(cluster.issuer)
    const first = await browser.authorize(authorizationRequest(cluster.issuer).url, ALICE)
    expect(first.redirect?.searchParams.get('code')).toBeTruthy()

    const second = authorizationRequest(cluster.issuer)
    // Control: without the cookie, B sends the user to the sign-in interaction at the issuer.
    const anonymous = await openOn(b, second.url)
    expect(anonymous.location?.href.startsWith(`${cluster.issuer}${PATHS.interaction}`), anonymous.location?.href).toBe(true)

    const onB = await openOn(b, second.url, cookieHeader(browser))
    expect([302, 303]).toContain(onB.status)
    const callback = onB.location as URL
    expect(`${callback.origin}${callback.pathname}`).toBe(WEB_REDIRECT)
    expect(callback.searchParams.get('iss')).toBe(cluster.issuer) // RFC 9207: the issuer, not B's origin
    const code = callback.searchParams.get('code') as string
    expect(code).toBeTruthy()

    // And the code B issued redeems on A.
    const tokens = await post(a, PATHS.token, { grant_type: 'authorization_code', code, redirect_uri: second.redirectUri, code_verifier: second.verifier }, WEB_AUTH)
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200)
    expect(await isActive(b, tokens.body.access_token as string, WEB_AUTH)).toBe(true)
  })

  it('OIDC Core §3.1.2.4: consent given on node A is remembered on node B: B redirects with a code, no consent page', async () => {
    const browser = new Browser(cluster.issuer)
    const request = () => authorizationRequest(cluster.issuer, 'consent-app', CONSENT_REDIRECT, 'openid profile')
    let page = await browser.open(request().url)
    expect(isLoginPage(page)).toBe(true)
    page = await browser.signIn(page, ALICE.email, ALICE.password)
    expect(isConsentPage(page), 'first authorization asks for consent').toBe(true)
    page = await browser.decide(page, 'allow')
    expect(page.redirect?.searchParams.get('code')).toBeTruthy()

    const onB = await openOn(b, request().url, cookieHeader(browser))
    const callback = onB.location as URL
    expect(`${callback.origin}${callback.pathname}`, onB.location?.href).toBe(CONSENT_REDIRECT)
    expect(callback.searchParams.get('code')).toBeTruthy()
  })

  it('RFC 8628 §3.5: a device code\'s polling interval is shared: pending on A, then slow_down on B and again on A', async () => {
    const started = await post(b, PATHS.device_authorization, { client_id: 'tv', scope: 'openid profile' })
    expect(started.status).toBe(200)
    expect(started.body.verification_uri).toBe(`${cluster.issuer}${PATHS.device_verification}`)
    const interval = started.body.interval as number
    expect(interval).toBeGreaterThanOrEqual(2) // one poll and the next land within it
    const poll = (node: LatchNode) => post(node, PATHS.token, { grant_type: DEVICE_GRANT, device_code: started.body.device_code as string, client_id: 'tv' })

    const pending = await poll(a)
    expect([pending.status, pending.body.error]).toEqual([400, 'authorization_pending'])
    const slowOnB = await poll(b)
    expect([slowOnB.status, slowOnB.body.error]).toEqual([400, 'slow_down'])
    expect(slowOnB.body.error_description).toContain(`${interval + 5} seconds`)
    const slowOnA = await poll(a)
    expect([slowOnA.status, slowOnA.body.error]).toEqual([400, 'slow_down'])
    expect(slowOnA.body.error_description).toContain(`${interval + 10} seconds`)
  })

  it('RFC 8628 §3.3 + §3.5: a device code approved on node A is redeemed by polling node B, once', async () => {
    const started = await post(a, PATHS.device_authorization, { client_id: 'tv', scope: 'openid profile offline_access' })
    expect(started.status).toBe(200)
    const browser = new Browser(cluster.issuer)
    const form = await browser.open(started.body.verification_uri as string)
    let page = await browser.submit(formOf(form), { user_code: started.body.user_code as string })
    if (isLoginPage(page)) page = await browser.signIn(page, ALICE.email, ALICE.password)
    expect(isConsentPage(page)).toBe(true) // RFC 8628 §5.4: always shown for devices
    page = await browser.decide(page, 'allow')
    expect(page.html).toContain('Device connected')

    const poll = (node: LatchNode) => post(node, PATHS.token, { grant_type: DEVICE_GRANT, device_code: started.body.device_code as string, client_id: 'tv' })
    const onB = await poll(b)
    expect(onB.status, JSON.stringify(onB.body)).toBe(200)
    expect(onB.body.access_token).toBeTypeOf('string')
    expect(onB.body.id_token).toBeTypeOf('string')
    const again = await poll(a)
    expect([again.status, again.body.error]).toEqual([400, 'invalid_grant'])
  })

  it('RFC 7523 §3: a client assertion used on node A is a replay on node B; 10 concurrent uses of one assertion over both nodes: exactly one succeeds', async () => {
    const assertion = () =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('jwt-client')
        .setSubject('jwt-client')
        .setAudience(`${cluster.issuer}${PATHS.token}`)
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(jwtKey.privateKey)
    const request = (node: LatchNode, jwt: string) =>
      post(node, PATHS.token, { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: jwt })

    const jwt = await assertion()
    const onA = await request(a, jwt)
    expect(onA.status, JSON.stringify(onA.body)).toBe(200)
    const onB = await request(b, jwt)
    expect([onB.status, onB.body.error]).toEqual([401, 'invalid_client'])

    const raced = await assertion()
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => request(cluster.node(i % 2), raced)))
    expect(answers.map((x) => x.status).sort()).toEqual([200, ...Array<number>(9).fill(401)])
  })
})
