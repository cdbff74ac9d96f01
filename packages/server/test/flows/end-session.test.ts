/**
 * RP-Initiated Logout 1.0 over real HTTP with a browser session: silent logout when the hint comes
 * from the signed-in user's current session, a CSRF-protected confirmation page otherwise, and
 * redirects only to registered post_logout_redirect_uris. Ending a session revokes what was issued
 * within it (grants, their refresh and access tokens, unredeemed codes, device approvals) except
 * grants with offline_access, which survive without the ended session's sid.
 */
import { createHash } from 'node:crypto'
import * as oidc from 'openid-client'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.js'
import { createTestDatabase } from '../support/database.js'
import { hashPassword } from '../../src/users/password-hash.js'
import { hashHandle } from '../../src/lib/random.js'
import { Browser, formOf, isConsentPage, parseForms } from '../browser.js'
import {
  ALICE, BOB, LOGGED_OUT, WEB_REDIRECT, WEB_SECRET, baseTestConfig, basic, interposeOnce, postForm, rawGet, startServer, userToken, type TestServer, type Tokens,
} from '../helpers.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

describe('end session', () => {
  const clock = new ManualClock()
  let s: TestServer
  let logout: string
  /** An ID token of Alice from the password grant: no session, so no sid. */
  let aliceIdToken: string

  const asWeb = { authorization: basic('web', WEB_SECRET) }
  /** Runs /authorize for `web` in `browser` (signing in when asked) and returns the code. */
  const authorizeCode = async (browser: Browser, scope = 'openid', user = ALICE, extra: Record<string, string> = {}) => {
    const authorize = new URL(`${s.url}/authorize`)
    authorize.search = new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope, state: 's', ...extra }).toString()
    const page = await browser.authorize(authorize, user)
    const code = page.redirect?.searchParams.get('code')
    if (code == null) throw new Error(`sign-in: expected a code at ${WEB_REDIRECT}, got status ${page.status} at ${page.url}`)
    return code
  }
  const tokenRequest = (params: Record<string, string>) => postForm(`${s.url}/token`, params, asWeb)
  const redeem = async (code: string): Promise<Tokens> => {
    const res = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT })
    const body = (await res.json()) as Tokens & { error?: string }
    if (res.status !== 200) throw new Error(`code redemption failed: ${res.status} ${body.error ?? ''}`)
    return body
  }
  const refresh = (refreshToken: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })
  const active = async (token: string) => ((await (await postForm(`${s.url}/introspect`, { token }, asWeb)).json()) as { active: boolean }).active
  /** Tokens for `web` from the browser's session (signing in first when it has none). */
  const tokensIn = async (browser: Browser, scope = 'openid', user = ALICE) => redeem(await authorizeCode(browser, scope, user))

  /** Signs Alice in through /authorize and the login page (`web` skips consent), leaving the IdP session cookie. */
  const signedIn = async (user = ALICE) => {
    const browser = new Browser(s.url)
    const tokens = await tokensIn(browser, 'openid', user)
    if (!browser.cookies.has('latch_session')) throw new Error('sign-in: no session cookie')
    return { browser, idToken: tokens.id_token as string, sid: decodeJwt(tokens.id_token as string).sid as string }
  }
  const signedInBrowser = async () => (await signedIn()).browser
  const sessionAlive = async (cookie: string | undefined) =>
    cookie !== undefined && (await s.server.ctx.store.sessions.get(hashHandle(cookie), clock.now())) !== null
  const logoutUrl = (params: Record<string, string>) => `${logout}?${new URLSearchParams(params).toString()}`
  const expectPage = (res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('location')).toBeNull()
  }
  const expectInvalidGrant = async (res: Response) => {
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant')
  }

  beforeAll(async () => {
    s = await startServer(
      {
        clients: [
          ...baseTestConfig.clients,
          { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], scope: 'openid offline_access read:data' },
        ],
      },
      { clock },
    )
    logout = `${s.url}/logout`
    aliceIdToken = (await userToken(s.url, { scope: 'openid' })).id_token as string
  })
  afterAll(() => s.close())

  it('OIDC RP-Initiated Logout §2: a hint from the signed-in user\'s current session signs out silently and redirects with state', async () => {
    const { browser, idToken } = await signedIn()
    const cookie = browser.cookies.get('latch_session')
    const res = await browser.fetch(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT, state: 'af0ifjsldkj' }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=af0ifjsldkj`)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(browser.cookies.has('latch_session')).toBe(false)
    expect(await sessionAlive(cookie)).toBe(false)
  })

  it('OIDC RP-Initiated Logout §3: the registered query is kept and state is appended', async () => {
    const { browser, idToken } = await signedIn()
    const res = await browser.fetch(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: 'https://rp.example.com/bye?from=latch', state: 'a b&c' }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('https://rp.example.com/bye?from=latch&state=a%20b%26c')
  })

  it('OIDC RP-Initiated Logout §2: without post_logout_redirect_uri the user sees "You are signed out"', async () => {
    const { browser, idToken } = await signedIn()
    const res = await browser.fetch(logoutUrl({ id_token_hint: idToken }))
    expect(res.status).toBe(200)
    expectPage(res)
    expect(await res.text()).toContain('You are signed out')
    expect(browser.cookies.has('latch_session')).toBe(false)
  })

  it('OIDC RP-Initiated Logout §2: with no session a GET just shows signed out', async () => {
    const res = await fetch(logout)
    expect(res.status).toBe(200)
    expectPage(res)
    expect(await res.text()).toContain('You are signed out')
  })

  it('OIDC RP-Initiated Logout §3: an unregistered post_logout_redirect_uri is never redirected to', async () => {
    const browser = await signedInBrowser()
    for (const uri of ['https://evil.example/', `${LOGGED_OUT}/extra`, 'https://rp2.example.com/']) {
      const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: uri }))
      expect(res.status).toBe(400)
      expectPage(res)
      expect(await res.text()).toContain('invalid_request')
    }
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
  })

  it('OIDC RP-Initiated Logout §3: post_logout_redirect_uri without a client to check it against is an error page', async () => {
    const res = await fetch(logoutUrl({ post_logout_redirect_uri: LOGGED_OUT }))
    expect(res.status).toBe(400)
    expectPage(res)
  })

  it('OIDC RP-Initiated Logout §2: client_id and the hint\'s aud must agree', async () => {
    const res = await fetch(logoutUrl({ id_token_hint: aliceIdToken, client_id: 'web2' }))
    expect(res.status).toBe(400)
    expectPage(res)
    const unknown = await fetch(logoutUrl({ client_id: 'nobody' }))
    expect(unknown.status).toBe(400)
  })

  it('OIDC RP-Initiated Logout §2: a forged hint or an access token as hint is rejected', async () => {
    const [h, p, sig] = aliceIdToken.split('.') as [string, string, string]
    const { access_token } = await userToken(s.url, { scope: 'openid' })
    for (const hint of ['garbage', `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`, access_token]) {
      const res = await fetch(logoutUrl({ id_token_hint: hint, post_logout_redirect_uri: LOGGED_OUT }))
      expect(res.status).toBe(400)
      expectPage(res)
    }
  })

  it('OIDC RP-Initiated Logout §2: without a hint for the signed-in user, a confirmation page asks first', async () => {
    const browser = await signedInBrowser()
    const res = await browser.fetch(logoutUrl({ client_id: 'web', post_logout_redirect_uri: LOGGED_OUT, state: 'xyz' }))
    expect(res.status).toBe(200)
    expectPage(res)
    const page = await res.text()
    expect(page).toMatch(/<button[^>]*>Sign out<\/button>/)
    expect(page).toContain(`action="${logout}"`)
    expect(page).toContain('alice@example.com')
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)

    const hidden = parseForms(page)[0]?.fields ?? {}
    const fields: Record<string, string> = {}
    for (const name of ['csrf', 'confirm', 'client_id', 'post_logout_redirect_uri', 'state']) fields[name] = hidden[name] ?? ''
    expect(fields).toMatchObject({ client_id: 'web', post_logout_redirect_uri: LOGGED_OUT, state: 'xyz' })
    expect(page).not.toContain('id_token_hint')
    const cookie = browser.cookies.get('latch_session')
    const confirm = await browser.postForm(logout, fields)
    expect(confirm.status).toBe(303)
    expect(confirm.headers.get('location')).toBe(`${LOGGED_OUT}?state=xyz`)
    expect(await sessionAlive(cookie)).toBe(false)
  })

  it('OIDC RP-Initiated Logout §2: a hint for another user asks for confirmation', async () => {
    const browser = await signedInBrowser()
    const bobHint = (await userToken(s.url, { user: BOB, scope: 'openid' })).id_token as string
    const res = await browser.fetch(logoutUrl({ id_token_hint: bobHint, post_logout_redirect_uri: LOGGED_OUT }))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Sign out')
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
  })

  it('CSRF: the confirmation POST without a matching csrf token signs nobody out', async () => {
    const browser = await signedInBrowser()
    const page = await (await browser.fetch(logoutUrl({ client_id: 'web' }))).text()
    expect(parseForms(page)[0]?.fields.csrf).toBeTruthy()
    const res = await browser.postForm(logout, { confirm: 'yes', client_id: 'web', csrf: 'forged-value' })
    expect(res.status).toBe(403)
    expectPage(res)
    const missing = await browser.postForm(logout, { confirm: 'yes' })
    expect(missing.status).toBe(403)
    expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
  })

  it('OIDC RP-Initiated Logout §2: an RP POST without the (SameSite=Lax) session cookie gets the confirmation page', async () => {
    const res = await fetch(logout, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token_hint: aliceIdToken, post_logout_redirect_uri: LOGGED_OUT }),
      redirect: 'manual',
    })
    expect(res.status).toBe(200)
    expectPage(res)
    expect(await res.text()).toMatch(/<button[^>]*>Sign out<\/button>/)
  })

  it('architecture.md §2: the confirmation form posts to the issuer\'s URL whatever the Host header says', async () => {
    const browser = await signedInBrowser()
    const cookie = `latch_session=${browser.cookies.get('latch_session') ?? ''}`
    const res = await rawGet(logoutUrl({ client_id: 'web' }), { host: 'evil.example', cookie })
    expect(res.status).toBe(200)
    expect(res.body).toContain(`action="${logout}"`)
    expect(res.body).not.toContain('evil.example')
  })

  it('OIDC RP-Initiated Logout §2: openid-client builds an end-session URL that Latch honours', async () => {
    const config = await oidc.discovery(new URL(s.url), 'web', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] })
    const { browser, idToken } = await signedIn()
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT, state: 'st' })
    const res = await browser.fetch(url.href)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${LOGGED_OUT}?state=st`)
  })

  it('OIDC RP-Initiated Logout §2: an expired ID token is still accepted as a hint', async () => {
    const { browser, idToken } = await signedIn()
    clock.advance(s.server.config.tokens.id_token_ttl + 60)
    const res = await browser.fetch(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(LOGGED_OUT)
    expect(browser.cookies.has('latch_session')).toBe(false)
  })

  describe('what ending a session ends', () => {
    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2 + RFC 9700 §4.14.2: logout revokes the grants issued within the session: their refresh tokens fail, their access tokens introspect inactive', async () => {
      const { browser, idToken } = await signedIn()
      const inSession = await tokensIn(browser, 'openid profile')
      const other = await signedIn() // Alice in another browser: another session
      const elsewhere = await tokensIn(other.browser, 'openid profile')
      expect(await active(inSession.access_token)).toBe(true)

      const res = await browser.fetch(logoutUrl({ id_token_hint: idToken }))
      expect(res.status).toBe(200)
      expect(await active(inSession.access_token)).toBe(false)
      await expectInvalidGrant(await refresh(inSession.refresh_token as string))
      // The other browser's session and what it was issued are untouched.
      expect(await sessionAlive(other.browser.cookies.get('latch_session'))).toBe(true)
      expect(await active(elsewhere.access_token)).toBe(true)
      expect((await refresh(elsewhere.refresh_token as string)).status).toBe(200)
    })

    /** @see issue 8 */
    it('OIDC Core §11 + Back-Channel Logout §2.4: a grant with offline_access survives logout, and its refreshed ID token no longer names the ended sid', async () => {
      const { browser, idToken, sid } = await signedIn()
      const offline = await tokensIn(browser, 'openid offline_access')
      expect(decodeJwt(offline.id_token as string).sid).toBe(sid)
      const before = await refresh(offline.refresh_token as string)
      const beforeBody = (await before.json()) as Tokens
      expect(decodeJwt(beforeBody.id_token as string).sid).toBe(sid) // while the session lives

      await browser.fetch(logoutUrl({ id_token_hint: idToken }))
      expect(await active(beforeBody.access_token)).toBe(true)
      const after = await refresh(beforeBody.refresh_token as string)
      expect(after.status).toBe(200)
      const afterBody = (await after.json()) as Tokens
      const claims = decodeJwt(afterBody.id_token as string)
      expect(claims.sub).toBe(decodeJwt(idToken).sub)
      expect(claims).not.toHaveProperty('sid')
      expect(await active(afterBody.access_token)).toBe(true)
      // …and neither does any later refresh of the family.
      const again = (await (await refresh(afterBody.refresh_token as string)).json()) as Tokens
      expect(decodeJwt(again.id_token as string)).not.toHaveProperty('sid')
    })

    /** @see issue 8 */
    it('RFC 6749 §4.1.2 + OIDC RP-Initiated Logout §2: a code issued within the session and redeemed after logout opens no grant; an offline_access one opens a grant without the ended sid', async () => {
      const { browser, idToken } = await signedIn()
      const code = await authorizeCode(browser, 'openid profile')
      const offlineCode = await authorizeCode(browser, 'openid offline_access')
      await browser.fetch(logoutUrl({ id_token_hint: idToken }))
      await expectInvalidGrant(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT }))
      const offline = await redeem(offlineCode)
      expect(decodeJwt(offline.id_token as string)).not.toHaveProperty('sid')
      expect((await refresh(offline.refresh_token as string)).status).toBe(200)
    })

    /** @see issue 8 */
    it('RFC 8628 §3.5 + OIDC RP-Initiated Logout §2: a device approval made within the session and not yet picked up is withdrawn by logout (access_denied)', async () => {
      const { browser, idToken } = await signedIn()
      const approve = async (scope: string) => {
        const res = await postForm(`${s.url}/device/authorize`, { client_id: 'tv', scope })
        const started = (await res.json()) as { device_code: string; user_code: string; verification_uri: string }
        const page = await browser.submit(formOf(await browser.open(started.verification_uri)), { user_code: started.user_code })
        expect(isConsentPage(page)).toBe(true)
        expect((await browser.decide(page, 'allow')).html).toContain('Device connected')
        return started.device_code
      }
      const online = await approve('openid')
      const offline = await approve('openid offline_access')
      await browser.fetch(logoutUrl({ id_token_hint: idToken }))
      const poll = (deviceCode: string) => postForm(`${s.url}/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'tv' })
      const denied = await poll(online)
      expect(denied.status).toBe(400)
      expect(((await denied.json()) as { error: string }).error).toBe('access_denied')
      const kept = await poll(offline)
      expect(kept.status).toBe(200)
      expect(decodeJwt(((await kept.json()) as Tokens).id_token as string)).not.toHaveProperty('sid')
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2: confirming on the Sign out page revokes the session\'s grants too', async () => {
      const browser = await signedInBrowser()
      const tokens = await tokensIn(browser, 'openid profile')
      const page = await (await browser.fetch(logoutUrl({ client_id: 'web' }))).text()
      const confirm = await browser.postForm(logout, parseForms(page)[0]?.fields ?? {})
      expect(confirm.status).toBe(200)
      expect(await active(tokens.access_token)).toBe(false)
      await expectInvalidGrant(await refresh(tokens.refresh_token as string))
    })

    /** @see issue 8 */
    it('OIDC Back-Channel Logout §2.4 (sid): re-authenticating (prompt=login) renews the session and keeps its sid, so its grants live on', async () => {
      const { browser, sid } = await signedIn()
      const first = await tokensIn(browser, 'openid profile')
      const cookie = browser.cookies.get('latch_session')
      clock.advance(30)
      const again = await redeem(await authorizeCode(browser, 'openid', ALICE, { prompt: 'login' }))
      const claims = decodeJwt(again.id_token as string)
      expect(claims.sid).toBe(sid)
      expect(claims.auth_time).toBe(clock.now())
      // A new cookie value (no fixation), the old one no longer signs anybody in.
      expect(browser.cookies.get('latch_session')).not.toBe(cookie)
      expect(await sessionAlive(cookie)).toBe(false)
      expect(await active(first.access_token)).toBe(true)
      expect((await refresh(first.refresh_token as string)).status).toBe(200)
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2: another user signing in in the same browser ends the previous user\'s session and revokes its grants', async () => {
      const { browser, sid } = await signedIn()
      const alices = await tokensIn(browser, 'openid profile')
      const bobs = await redeem(await authorizeCode(browser, 'openid', BOB, { prompt: 'login' }))
      expect(decodeJwt(bobs.id_token as string).sid).not.toBe(sid)
      expect(await active(alices.access_token)).toBe(false)
      await expectInvalidGrant(await refresh(alices.refresh_token as string))
    })
  })

  describe('a logout racing what is being issued within the session', () => {
    /** Ends the browser's session as a logout on another node would: in the store, at that moment. */
    const logoutOf = (browser: Browser) => async () => {
      const ended = await s.server.ctx.store.sessions.end(hashHandle(browser.cookies.get('latch_session') as string), clock.now())
      expect(ended).not.toBeNull()
    }

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2 + RFC 6749 §5.2: a logout committing between /authorize reading the session (SSO) and storing the code leaves a code that opens no grant', async () => {
      for (const scope of ['openid profile', 'openid offline_access']) {
        const { browser } = await signedIn()
        const inserted = interposeOnce(s.server.ctx.store, 'authorizationCodes', 'insert', logoutOf(browser))
        const code = await authorizeCode(browser, scope)
        await inserted
        await expectInvalidGrant(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT }))
      }
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2 + RFC 6749 §5.2: a logout committing between the consent POST reading the session and storing the code leaves a code that opens no grant', async () => {
      const { browser } = await signedIn()
      const verifier = 'v'.repeat(43)
      const authorize = new URL(`${s.url}/authorize`)
      authorize.search = new URLSearchParams({ client_id: 'spa', redirect_uri: 'http://127.0.0.1:5556/cb', response_type: 'code', scope: 'openid', state: 's', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' }).toString()
      const consent = await browser.open(authorize)
      expect(isConsentPage(consent), consent.html.slice(0, 300)).toBe(true)
      const inserted = interposeOnce(s.server.ctx.store, 'authorizationCodes', 'insert', logoutOf(browser))
      const code = (await browser.decide(consent, 'allow')).redirect?.searchParams.get('code')
      await inserted
      expect(code).toBeTruthy()
      await expectInvalidGrant(await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code: code as string, redirect_uri: 'http://127.0.0.1:5556/cb', client_id: 'spa', code_verifier: verifier }))
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2 + RFC 8628 §3.5: a logout committing between the approval page reading the session and storing the approval leaves a device code that opens no grant', async () => {
      const { browser } = await signedIn()
      const res = await postForm(`${s.url}/device/authorize`, { client_id: 'tv', scope: 'openid' })
      const started = (await res.json()) as { device_code: string; user_code: string; verification_uri: string }
      const page = await browser.submit(formOf(await browser.open(started.verification_uri)), { user_code: started.user_code })
      expect(isConsentPage(page)).toBe(true)
      const decided = interposeOnce(s.server.ctx.store, 'deviceCodes', 'decide', logoutOf(browser))
      await browser.decide(page, 'allow')
      expect(await decided).toBe(true)
      await expectInvalidGrant(await postForm(`${s.url}/token`, { grant_type: DEVICE_GRANT, device_code: started.device_code, client_id: 'tv' }))
    })
  })

  describe('id_token_hint from another session', () => {
    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2: a hint from an older session of the same user asks for confirmation instead of ending the current one', async () => {
      const older = await signedIn()
      await older.browser.fetch(logoutUrl({ id_token_hint: older.idToken }))
      const { browser, sid } = await signedIn()
      expect(decodeJwt(older.idToken).sid).not.toBe(sid)
      const res = await browser.fetch(logoutUrl({ id_token_hint: older.idToken, post_logout_redirect_uri: LOGGED_OUT }))
      expect(res.status).toBe(200)
      expectPage(res)
      expect(await res.text()).toMatch(/<button[^>]*>Sign out<\/button>/)
      expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
    })

    /** @see issue 8 */
    it('OIDC RP-Initiated Logout §2: a hint that names no session (no sid) asks for confirmation', async () => {
      const browser = await signedInBrowser()
      expect(decodeJwt(aliceIdToken)).not.toHaveProperty('sid')
      const res = await browser.fetch(logoutUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: LOGGED_OUT }))
      expect(res.status).toBe(200)
      expect(await res.text()).toMatch(/<button[^>]*>Sign out<\/button>/)
      expect(await sessionAlive(browser.cookies.get('latch_session'))).toBe(true)
    })
  })
})

describe('a password changed in the config file', () => {
  /**
   * Restarts on one database: the config's users are applied by seed.ts at every start. Tokens are
   * refreshed at whichever server runs; sessions are looked up in the store (each start has its own
   * port, so the browser's cookie origin would not match).
   * @see issue 8
   */
  it('RFC 9700 §4.14.2: a restart with the same config keeps sessions and tokens; a changed password or password_hash signs the user out everywhere, offline_access included', async () => {
    const clock = new ManualClock()
    const db = await createTestDatabase()
    const withAlice = (alice: Record<string, unknown>) => ({
      database: db.url,
      users: [{ email: ALICE.email, name: 'Alice Example', ...alice }, baseTestConfig.users[1]],
    })
    const run = async <T>(alice: Record<string, unknown>, fn: (s: TestServer) => Promise<T>): Promise<T> => {
      const s = await startServer(withAlice(alice), { clock })
      try {
        return await fn(s)
      } finally {
        await s.close()
      }
    }
    const refreshAt = async (s: TestServer, refreshToken: string) =>
      postForm(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic('web', WEB_SECRET) })
    const alive = (s: TestServer, cookie: string) => s.server.ctx.store.sessions.get(hashHandle(cookie), clock.now()).then((x) => x !== null)
    try {
      const signedIn = await run({ password: ALICE.password }, async (s) => {
        const browser = new Browser(s.url)
        const authorize = new URL(`${s.url}/authorize`)
        authorize.search = new URLSearchParams({ client_id: 'web', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid offline_access', state: 's' }).toString()
        const code = (await browser.authorize(authorize, ALICE)).redirect?.searchParams.get('code') as string
        const res = await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT }, { authorization: basic('web', WEB_SECRET) })
        const tokens = (await res.json()) as Tokens
        const bobs = await userToken(s.url, { user: BOB })
        return { cookie: browser.cookies.get('latch_session') as string, refreshToken: tokens.refresh_token as string, bobs: bobs.refresh_token as string }
      })
      let { refreshToken } = signedIn

      // Same config again: nothing is signed out (the stored hash still verifies the password).
      refreshToken = await run({ password: ALICE.password }, async (s) => {
        expect(await alive(s, signedIn.cookie)).toBe(true)
        const res = await refreshAt(s, refreshToken)
        expect(res.status).toBe(200)
        return ((await res.json()) as Tokens).refresh_token as string
      })

      // A new password: Alice's sessions end and every grant of hers is revoked; Bob keeps his.
      const third = 'third-password-for-alice'
      const afterChange = await run({ password: 'a-new-password-for-alice' }, async (s) => {
        expect(await alive(s, signedIn.cookie)).toBe(false)
        expect((await refreshAt(s, refreshToken)).status).toBe(400)
        expect((await refreshAt(s, signedIn.bobs)).status).toBe(200)
        return (await userToken(s.url, { user: { email: ALICE.email, password: 'a-new-password-for-alice' } })).refresh_token as string
      })

      // A password_hash: the same one twice keeps the grant; another one revokes it.
      const hash = await hashPassword(third)
      const kept = await run({ password_hash: hash }, async (s) => {
        expect((await refreshAt(s, afterChange)).status).toBe(400) // the hash changed from the previous password
        return (await userToken(s.url, { user: { email: ALICE.email, password: third } })).refresh_token as string
      })
      await run({ password_hash: hash }, async (s) => {
        expect((await refreshAt(s, kept)).status).toBe(200)
      })
    } finally {
      await db.dispose()
    }
  })
})
