/**
 * A password change is the user's "sign everyone out" (issue 8), also against sign-ins already in
 * flight, over real HTTP on both dialects:
 * - a sign-in checks the password (argon2, ~100 ms) and then writes its session (sign-in page) or
 *   grant (password grant); a change that commits in between makes that write a no-op, and the
 *   sign-in fails as a wrong password does: "Incorrect email or password." / `invalid_grant`;
 * - under load (8 loops of correct password grants, then the change), no refresh token issued
 *   around the change refreshes afterwards and no access token introspects active;
 * - a device cookie from before the change is worth nothing after it (OWASP device cookies: the
 *   browser the change was meant to shut out keeps no throttling budget of its own).
 * Deterministic interleavings use `interposeOnce`: the change runs just before the store write.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { ManualClock } from '../../src/lib/clock.js'
import type { Store } from '../../src/storage/store.js'
import { hashPassword } from '../../src/users/password-hash.js'
import { Browser } from '../browser.js'
import { openSignInPage, postSignIn } from '../sign-in.js'
import { baseTestConfig, basic, interposeOnce, postForm, startServer, WEB_SECRET, type TestServer, type Tokens } from '../helpers.js'

const OLD = 'old-password-long-enough'
const NEW = 'new-password-long-enough'
const NAMES = ['carol', 'dan', 'eve', 'fay', 'gus'] as const
const who = (name: (typeof NAMES)[number]) => ({ email: `${name}@example.com`, password: OLD })

let s: TestServer
let store: Store
let newHash: string
const clock = new ManualClock()

beforeAll(async () => {
  const password_hash = await hashPassword(OLD)
  newHash = await hashPassword(NEW)
  s = await startServer({ trust_proxy: true, users: [...baseTestConfig.users, ...NAMES.map((n) => ({ email: who(n).email, password_hash }))] }, { clock })
  store = s.server.ctx.store
}, 60_000)

afterAll(async () => {
  await s?.close()
})

let ipCounter = 0
/** A client address no other case uses (TEST-NET-2). */
const freshIp = () => `198.51.100.${++ipCounter}`

const signInPage = (browser?: Browser) => openSignInPage(s.url, browser)
const signIn = postSignIn

/** The user's new password, set as the CLI and a config change do: with sign-out everywhere. */
async function changePassword(email: string): Promise<void> {
  const user = await store.users.getByEmail(email)
  if (!user) throw new Error(`no user ${email}`)
  expect(await store.users.setPasswordHash(user.id, newHash, clock.now(), { signOut: true })).toBe(true)
}

async function passwordGrant(credentials: { email: string; password: string }, xff: string): Promise<{ status: number; body: Tokens & { error?: string; error_description?: string } }> {
  const res = await postForm(
    `${s.url}${PATHS.token}`,
    { grant_type: 'password', username: credentials.email, password: credentials.password, scope: 'openid offline_access' },
    { authorization: basic('web', WEB_SECRET), 'x-forwarded-for': xff },
  )
  return { status: res.status, body: (await res.json()) as Tokens & { error?: string; error_description?: string } }
}

const refresh = (token: string) => postForm(`${s.url}${PATHS.token}`, { grant_type: 'refresh_token', refresh_token: token }, { authorization: basic('web', WEB_SECRET) })
const active = async (token: string) =>
  ((await (await postForm(`${s.url}${PATHS.introspection}`, { token }, { authorization: basic('web', WEB_SECRET) })).json()) as { active: boolean }).active

describe('a password change racing a sign-in in flight', () => {
  /** @see issue 8 */
  it('RFC 9700 §4.14.2: a change committing between the password check and the session write leaves no session; the page says "Incorrect email or password."', async () => {
    const carol = who('carol')
    const at = await signInPage()
    const written = interposeOnce(store, 'sessions', 'insert', () => changePassword(carol.email))
    const result = await signIn(at, carol, freshIp())
    expect(result).toEqual({ status: 401, retryAfter: null, alert: 'Incorrect email or password.' })
    expect([...at.browser.cookies.keys()].filter((name) => name === 'latch_session' || name.startsWith('latch_device_'))).toEqual([])
    expect(await written).toBe(false)
    // The new password signs in as usual.
    expect((await signIn(await signInPage(), { ...carol, password: NEW }, freshIp())).status).toBe(303)
  })

  /** @see issue 8 */
  it('RFC 6749 §4.3 + RFC 9700 §4.14.2: a change committing between the password check and the grant write opens no grant: invalid_grant, as for a wrong password', async () => {
    const dan = who('dan')
    const failed: string[] = []
    s.server.ctx.events.on('login.failed', (e) => failed.push(e.reason))
    const opened = interposeOnce(store, 'grants', 'open', () => changePassword(dan.email))
    const result = await passwordGrant(dan, freshIp())
    expect(failed).toEqual(['bad_credentials'])
    expect(result.status).toBe(400)
    expect(result.body).toMatchObject({ error: 'invalid_grant', error_description: 'the username or password is incorrect' })
    expect(result.body).not.toHaveProperty('access_token')
    expect(await opened).toBe(false)
    expect((await passwordGrant({ ...dan, password: NEW }, freshIp())).status).toBe(200)
  })

  /** @see issue 8 */
  it('RFC 9700 §4.14.2: under load (8 loops of correct password grants, then the change), no token issued around the change outlives it', async () => {
    const eve = who('eve')
    const ip = freshIp()
    const issued: Tokens[] = []
    let changed = false
    const loop = async () => {
      while (!changed) {
        const { status, body } = await passwordGrant(eve, ip)
        if (status === 200) issued.push(body)
        else expect(body.error).toBe('invalid_grant')
      }
    }
    const loops = Array.from({ length: 8 }, loop)
    for (let i = 0; i < 2_000 && issued.length < 8; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    await changePassword(eve.email)
    changed = true
    await Promise.all(loops)
    expect(issued.length).toBeGreaterThanOrEqual(8)
    const survivors: string[] = []
    for (const tokens of issued) {
      if ((await refresh(tokens.refresh_token as string)).status === 200) survivors.push('refresh')
      if (await active(tokens.access_token)) survivors.push('access')
    }
    expect(survivors).toEqual([])
  }, 60_000)
})

describe('device cookies', () => {
  /** @see issue 8 */
  it('OWASP device cookies: a cookie from before a password change exempts its browser no more after it', async () => {
    const fay = who('fay')
    const ip = freshIp()
    const owner = await signInPage()
    expect((await signIn(owner, fay, ip)).status).toBe(303)
    const exhaust = async () => {
      const attacker = await signInPage()
      for (let i = 0; i < 5; i++) await signIn(attacker, { ...fay, password: `wrong-guess-${i}` }, ip)
    }
    await exhaust()
    expect((await signIn(await signInPage(), fay, ip)).status).toBe(429)
    // Before the change the cookie is what lets its browser in from that address.
    owner.browser.cookies.delete('latch_session')
    expect((await signIn(await signInPage(owner.browser), fay, ip)).status).toBe(303)

    await changePassword(fay.email)
    await exhaust()
    owner.browser.cookies.delete('latch_session')
    expect((await signIn(await signInPage(owner.browser), { ...fay, password: NEW }, ip)).status).toBe(429)
    // A sign-in with the new password elsewhere issues a cookie that counts again.
    const fresh = new Browser(s.url)
    expect((await signIn(await signInPage(fresh), { ...fay, password: NEW }, freshIp())).status).toBe(303)
    fresh.cookies.delete('latch_session')
    expect((await signIn(await signInPage(fresh), { ...fay, password: NEW }, ip)).status).toBe(303)
  }, 60_000)
})
