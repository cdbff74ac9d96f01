/**
 * Sign-in throttling without denial of service (issue 8), over real HTTP, on the sign-in page and
 * the password grant, with the default limits (5 failures per account and source, 20 per source,
 * slowdown after 10 failures per account, 3 s apart):
 * - wrong guesses from one address refuse that address for that account, never the real user
 *   elsewhere; an attack from many addresses slows the account, never locks it;
 * - a browser with the account's device cookie (set at a successful sign-in) is exempt from the
 *   attack on its address and on its account;
 * - correct sign-ins are never refused for being concurrent (50 at once for one account, and 50
 *   users behind one NAT address);
 * - the client address is the right-most untrusted `X-Forwarded-For` entry, IPv6 per /64;
 * - `login.failed` names the account by a keyed hash only.
 * Time is a frozen clock; the slowdown's turns are real waits of `login_account_slowdown_step`.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#protect-against-automated-attacks
 * @see https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-5.1.4.2.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @see https://www.rfc-editor.org/rfc/rfc7239#section-7.4
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import type { LatchEventMap } from '../../src/events.js'
import { ManualClock } from '../../src/lib/clock.js'
import { hashPassword } from '../../src/users/password-hash.js'
import { Browser, formOf } from '../browser.js'
import { openSignInPage, postSignIn } from '../sign-in.js'
import { baseTestConfig, basic, FORM, postForm, startServer, WEB_SECRET, type TestServer } from '../helpers.js'

const PASSWORD = 'nat-user-password-long-enough'
const NAT_USERS = Array.from({ length: 50 }, (_, i) => `nat${i}@example.com`)
const user = (name: string) => ({ email: `${name}@example.com`, password: PASSWORD })
const NAMES = ['ada', 'bea', 'cy', 'dov', 'eli', 'fox', 'gil', 'hop', 'ina', 'jay', 'kai', 'lou']
const U = Object.fromEntries(NAMES.map((n) => [n, user(n)])) as Record<string, { email: string; password: string }>
const u = (name: string) => U[name] as { email: string; password: string }

let server: TestServer
const clock = new ManualClock()
const failures: LatchEventMap['login.failed'][] = []

beforeAll(async () => {
  // One hash for every user: seeding fifty argon2 hashes would be most of the test's time.
  const password_hash = await hashPassword(PASSWORD)
  server = await startServer(
    {
      trust_proxy: true,
      users: [...baseTestConfig.users, ...NAMES.map((n) => ({ email: `${n}@example.com`, password_hash })), ...NAT_USERS.map((email) => ({ email, password_hash }))],
    },
    { clock },
  )
  server.server.ctx.events.on('login.failed', (e) => failures.push(e))
}, 60_000)

afterAll(async () => {
  await server?.close()
})

/** A browser on a fresh sign-in page of this file's server. */
const signInPage = (browser?: Browser) => openSignInPage(server.url, browser)
const signIn = postSignIn

let ipCounter = 0
/** A client address no other case uses (TEST-NET-3). */
const freshIp = () => `203.0.113.${++ipCounter}`

async function passwordGrant(credentials: { email: string; password: string }, xff: string): Promise<{ status: number; error?: string; error_description?: string }> {
  const res = await postForm(
    `${server.url}${PATHS.token}`,
    { grant_type: 'password', username: credentials.email, password: credentials.password, scope: 'openid' },
    { authorization: basic('web', WEB_SECRET), 'x-forwarded-for': xff },
  )
  return { status: res.status, ...((await res.json()) as { error?: string; error_description?: string }) }
}

const wrong = (who: { email: string }, i: number | string) => ({ email: who.email, password: `wrong-guess-${i}` })

/** The device cookie(s) a browser holds. */
const deviceCookies = (browser: Browser) => [...browser.cookies].filter(([name]) => name.startsWith('latch_device_'))

/** @see issue 8 */
describe('sign-in page', () => {
  it('OWASP ASVS 2.2.1: five wrong guesses from one address refuse that address, not the real user signing in from another', async () => {
    const attacker = freshIp()
    const at = await signInPage()
    for (let i = 0; i < 5; i++) expect((await signIn(at, wrong(u('ada'), i), attacker)).status).toBe(401)
    const refused = await signIn(at, u('ada'), attacker)
    expect(refused.status).toBe(429)
    expect(Number(refused.retryAfter)).toBe(900)
    expect(refused.alert).toBe('Too many failed sign-in attempts. Try again in 15 minutes.')
    // The real user, from home: signed in at once.
    expect((await signIn(await signInPage(), u('ada'), freshIp())).status).toBe(303)
  })

  it('RFC 6819 §5.1.4.2.3: an account guessed from many addresses is slowed down, never locked: the right password still signs in', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn(await signInPage(), wrong(u('bea'), i), freshIp())).status).toBe(401)
    // Past 10 failures the checks take turns 3 s apart: the first turn is free, the next waits for it.
    expect((await signIn(await signInPage(), wrong(u('bea'), 'x'), freshIp())).status).toBe(401)
    const at = await signInPage()
    const started = Date.now()
    const answer = await signIn(at, u('bea'), freshIp())
    expect(answer.status).toBe(303)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900)
  }, 30_000)

  it('OWASP device cookies: a successful sign-in leaves an HttpOnly device cookie naming the account by a keyed hash only', async () => {
    const browser = new Browser(server.url)
    const { form } = await signInPage(browser)
    const res = await browser.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': FORM, 'x-forwarded-for': freshIp() },
      body: new URLSearchParams({ ...form.fields, ...u('cy') }),
    })
    await res.body?.cancel()
    expect(res.status).toBe(303)
    const line = res.headers.getSetCookie().find((l) => l.startsWith('latch_device_'))
    expect(line).toMatch(/^latch_device_[A-Za-z0-9_-]{22}=[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43};/)
    expect(line).toMatch(/HttpOnly/i)
    expect(line).toMatch(/SameSite=Lax/i)
    expect(line).toMatch(/Max-Age=15552000/i)
    // No form of the email: the name and value are a keyed hash, an id, a time and a MAC (a two-letter
    // pattern would also hit random base64url, so look for the whole address in its usual encodings).
    const email = u('cy').email
    for (const form of [email, encodeURIComponent(email), Buffer.from(email).toString('base64url'), Buffer.from(email).toString('base64')]) {
      expect(line).not.toContain(form)
    }
    expect(line).not.toMatch(/@|example\.com/)
    expect(deviceCookies(browser)).toHaveLength(1)
  })

  it('OWASP device cookies: the account\'s own browser signs in from an address the attacker has exhausted, on an account under attack', async () => {
    const nat = freshIp()
    const owner = await signInPage()
    expect((await signIn(owner, u('dov'), nat)).status).toBe(303)
    expect(deviceCookies(owner.browser)).toHaveLength(1)
    // The attacker shares the owner's NAT address: exhausts the pair, the address (20 failures) and,
    // with 5 more from elsewhere, the account's 10 failures before the slowdown.
    const attacker = await signInPage()
    for (let i = 0; i < 5; i++) expect((await signIn(attacker, wrong(u('dov'), i), nat)).status).toBe(401)
    for (let i = 0; i < 15; i++) expect((await signIn(attacker, wrong(user(`nobody${i}`), i), nat)).status).toBe(401)
    for (let i = 0; i < 5; i++) expect((await signIn(await signInPage(), wrong(u('dov'), `far-${i}`), freshIp())).status).toBe(401)
    expect((await signIn(attacker, u('dov'), nat)).status).toBe(429)
    // The owner's browser (device cookie; its session has ended) from the same address: straight in, not even slowed.
    owner.browser.cookies.delete('latch_session')
    const again = await signInPage(owner.browser)
    const started = Date.now()
    expect((await signIn(again, u('dov'), nat)).status).toBe(303)
    expect(Date.now() - started).toBeLessThan(2_500)
    // A forged or tampered cookie is worth nothing: copied into the attacker's browser with one character changed.
    const [name, value] = deviceCookies(owner.browser)[0] as [string, string]
    const forger = await signInPage()
    forger.browser.cookies.set(name, value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A'))
    expect((await signIn(forger, u('dov'), nat)).status).toBe(429)
    // Nor does it help another account: signing in as someone else, the owner's browser is a stranger on that address.
    owner.browser.cookies.delete('latch_session')
    expect((await signIn(await signInPage(owner.browser), u('eli'), nat)).status).toBe(429)
  }, 60_000)

  it('RFC 6819 §5.1.4.2.3: 50 parallel sign-ins with the right password for one account, from one address, all succeed', async () => {
    const ip = freshIp()
    const pages = await Promise.all(Array.from({ length: 50 }, () => signInPage()))
    const answers = await Promise.all(pages.map((at) => signIn(at, u('gil'), ip)))
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(303))
  }, 120_000)

  it('RFC 6819 §5.1.4.2.3: 50 users behind one NAT address signing in at once all succeed', async () => {
    const ip = freshIp()
    const pages = await Promise.all(NAT_USERS.map(() => signInPage()))
    const answers = await Promise.all(pages.map((at, i) => signIn(at, { email: NAT_USERS[i] as string, password: PASSWORD }, ip)))
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(303))
  }, 120_000)

  it('RFC 6749 §4.3.2: 30 parallel wrong guesses from one address check at most 5 passwords', async () => {
    const ip = freshIp()
    const pages = await Promise.all(Array.from({ length: 30 }, () => signInPage()))
    const answers = await Promise.all(pages.map((at, i) => signIn(at, wrong(u('hop'), i), ip)))
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5)
    expect(answers.filter((a) => a.status === 429)).toHaveLength(25)
  }, 60_000)

  it('issue 8: login.failed carries the account as a keyed hash (one per account), never the email', async () => {
    const ip = freshIp()
    const from = failures.length
    const at = await signInPage()
    await signIn(at, wrong(u('ina'), 1), ip)
    await signIn(at, wrong(u('ina'), 2), ip)
    await signIn(at, wrong(u('jay'), 1), ip)
    const events = failures.slice(from)
    expect(events).toHaveLength(3)
    expect(events[0]).toEqual({ reason: 'bad_credentials', ip, account_hash: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) })
    expect(events[1]?.account_hash).toBe(events[0]?.account_hash)
    expect(events[2]?.account_hash).not.toBe(events[0]?.account_hash)
    expect(JSON.stringify(events)).not.toMatch(/ina|jay|example/)
  })
})

/** @see issue 8 */
describe('client address (trust_proxy: true = one proxy)', () => {
  it('RFC 7239 §7.4: the client is the right-most X-Forwarded-For entry; a spoofed left-most entry buys no fresh budget', async () => {
    const real = freshIp()
    const at = await signInPage()
    // The client writes any left-most entry it likes; the proxy appends the address it saw.
    for (let i = 0; i < 5; i++) expect((await signIn(at, wrong(u('kai'), i), `10.9.9.${i}, ${real}`)).status).toBe(401)
    expect(failures.at(-1)?.ip).toBe(real)
    expect((await signIn(at, u('kai'), `192.0.2.200, ${real}`)).status).toBe(429)
  })

  it('issue 8: IPv6 clients are counted per /64; an IPv4-mapped address counts as its IPv4 address', async () => {
    const at = await signInPage()
    for (let i = 0; i < 5; i++) expect((await signIn(at, wrong(u('lou'), i), `2001:db8:8:8::${i + 1}`)).status).toBe(401)
    expect((await signIn(at, u('lou'), '2001:db8:8:8:aaaa:bbbb:cccc:dddd')).status).toBe(429)
    expect((await signIn(at, u('lou'), '2001:db8:8:9::1')).status).toBe(303)
    const v4 = freshIp()
    const other = await signInPage()
    for (let i = 0; i < 5; i++) expect((await signIn(other, wrong(u('fox'), `v4-${i}`), v4)).status).toBe(401)
    expect((await signIn(other, u('fox'), `::ffff:${v4}`)).status).toBe(429)
  })

  it('issue 8: with a list of proxies, the client is the right-most entry that is not one of them', async () => {
    const seen: string[] = []
    const behind = await startServer({ trust_proxy: ['127.0.0.1', '10.0.0.0/8'] })
    try {
      behind.server.ctx.events.on('login.failed', (e) => seen.push(e.ip))
      const res = await postForm(
        `${behind.url}${PATHS.token}`,
        { grant_type: 'password', username: 'alice@example.com', password: 'wrong-password', scope: 'openid' },
        { authorization: basic('web', WEB_SECRET), 'x-forwarded-for': '198.51.100.66, 192.0.2.9, 10.1.2.3' },
      )
      expect(res.status).toBe(400)
      expect(seen).toEqual(['192.0.2.9'])
    } finally {
      await behind.close()
    }
  })
})

/** @see issue 8 */
/** @see issue 8 */
describe('device page', () => {
  /** One user code typed on the device page from `xff`: 400 wrong, 429 refused. */
  async function enterUserCode(browser: Browser, code: string, xff: string): Promise<number> {
    const page = await browser.open(`${server.url}${PATHS.device_verification}`)
    const res = await browser.fetch(formOf(page).action, {
      method: 'POST',
      headers: { 'content-type': FORM, 'x-forwarded-for': xff },
      body: new URLSearchParams({ ...formOf(page).fields, user_code: code }),
    })
    await res.text()
    return res.status
  }

  it('RFC 8628 §5.1: wrong user codes from the addresses of one IPv6 /64 (or one /48) share one budget, not one per address', async () => {
    const browser = new Browser(server.url)
    // 20 wrong codes (login_max_failures_per_ip), each from another address of one /64 ...
    for (let i = 0; i < 20; i++) expect(await enterUserCode(browser, `BCDF${'GHJKLMNPQRSTVWXZ'.slice(i % 12, (i % 12) + 4)}`, `2001:db8:5:5::${(i + 1).toString(16)}`)).toBe(400)
    // ... spend it: a 21st address of the /64, and another /64 of the same /48, are refused.
    expect(await enterUserCode(browser, 'ZZZZZZZZ', '2001:db8:5:5:ffff::1')).toBe(429)
    expect(await enterUserCode(browser, 'ZZZZZZZZ', '2001:db8:5:77::1')).toBe(429)
    // Another site is not.
    expect(await enterUserCode(browser, 'ZZZZZZZZ', '2001:db8:6::1')).toBe(400)
  })
})

describe('password grant', () => {
  it('RFC 6749 §4.3.2: five wrong passwords from one address refuse that address for the account, not another address', async () => {
    const attacker = freshIp()
    const victim = user('gil')
    for (let i = 0; i < 5; i++) expect(await passwordGrant(wrong(victim, `grant-${i}`), attacker)).toMatchObject({ status: 400, error: 'invalid_grant', error_description: 'the username or password is incorrect' })
    const refused = await passwordGrant(victim, attacker)
    expect(refused).toMatchObject({ status: 400, error: 'invalid_grant' })
    expect(refused.error_description).toMatch(/^too many failed attempts; try again in \d+ seconds$/)
    expect((await passwordGrant(victim, freshIp())).status).toBe(200)
  })

  it('RFC 6819 §5.1.4.2.3: 50 parallel password grants with the right password for one account all succeed', async () => {
    const ip = freshIp()
    const answers = await Promise.all(Array.from({ length: 50 }, () => passwordGrant(user('hop'), ip)))
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200))
  }, 120_000)
})
