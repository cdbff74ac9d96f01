/**
 * Rate limits shared across nodes through Redis (issue 4): two Latch servers, each with its own
 * database, point at one Redis and one key prefix, and the login throttle counts as one.
 * - Failed sign-ins, on the sign-in page and through the password grant, draw on one budget per
 *   account and one per client IP whichever node answers (RFC 6749 §4.3.2: "MUST protect this
 *   endpoint against brute force attacks"; §10.10), and 40 parallel guesses over both nodes check
 *   at most `login_max_failures_per_account` passwords; a success on one node forgives on both.
 * - Issue 8: the budgets are per (account, source) pair, per source, and a slowdown per account,
 *   never a lockout; attempts in flight are shared too, so correct sign-ins spread over both nodes
 *   (50 for one account, 50 users behind one NAT address) all succeed, while parallel wrong ones
 *   from many addresses are still bounded by the slowdown.
 * - Wrong device user codes share one budget too (RFC 8628 §5.1).
 * - Fail open: with Redis killed, hung, or unreachable from the start, sign-ins keep working and
 *   wrong passwords are still throttled, per node; one warning is logged per outage and one info
 *   line when Redis is back, and counting is shared again. The Redis password never reaches a log.
 * The shared cases use the Redis on 127.0.0.1:6379 (LATCH_TEST_REDIS_URL) under a fresh key prefix,
 * and are skipped with a line saying so when it does not answer; the fail-open cases start their
 * own `redis-server` on a free port (skipped when it is not installed). Client IPs come from
 * `X-Forwarded-For` (`trust_proxy: true`), so each case has budgets of its own.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { Redis } from 'ioredis'
import pino, { type Logger } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { USER_CODE_ALPHABET } from '../../src/rules/user-code.js'
import { Browser, formOf, type Form } from '../browser.js'
import { openSignInPage, postSignIn } from '../sign-in.js'
import { hashPassword } from '../../src/users/password-hash.js'
import { ALICE, baseTestConfig, basic, FORM, freePort, postForm, startServer, WEB_SECRET, type TestServer } from '../helpers.js'

const REDIS_URL = process.env.LATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const REDIS_SERVER = '/usr/bin/redis-server'
const MAX = 3
const MAX_IP = 8
const PASSWORD_SUFFIX = '-password-long-enough'

const user = (name: string) => ({ email: `${name}@example.com`, password: `${name}${PASSWORD_SUFFIX}` })
const USERS = Object.fromEntries(
  ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon', 'kim', 'lea', 'max', 'ned', 'oli'].map((n) => [n, user(n)]),
) as Record<string, { email: string; password: string }>
const U = (name: string) => USERS[name] as { email: string; password: string }
const SLOWDOWN_AFTER = 6
/** Users behind one NAT address, all with one password (hashed once: seeding fifty argon2 hashes per node would be the test's time). */
const NAT_PASSWORD = `nat${PASSWORD_SUFFIX}`
const NAT_USERS = Array.from({ length: 50 }, (_, i) => ({ email: `nat${i}@example.com`, password: NAT_PASSWORD }))
const NAT_HASH = await hashPassword(NAT_PASSWORD)

/** Config of a node that counts in `redisUrl` under `prefix`. */
function nodeConfig(redisUrl: string, prefix: string) {
  return {
    trust_proxy: true,
    redis_url: redisUrl,
    redis_key_prefix: prefix,
    security: { login_max_failures_per_account: MAX, login_max_failures_per_ip: MAX_IP, login_account_slowdown_after: SLOWDOWN_AFTER, login_account_slowdown_step: 1 },
    users: [...baseTestConfig.users, ...Object.values(USERS), ...NAT_USERS.map(({ email }) => ({ email, password_hash: NAT_HASH }))],
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** A pino logger whose lines the test reads. */
function capturedLogger(): { logger: Logger; lines: { level: number; msg: string; [k: string]: unknown }[]; raw: string[] } {
  const lines: { level: number; msg: string }[] = []
  const raw: string[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { raw.push(line); lines.push(JSON.parse(line)) } })
  return { logger, lines, raw }
}

const WARN = 40
const INFO = 30
const isOutageWarning = (l: { level: number; msg: string }) => l.level === WARN && /Redis is unreachable/.test(l.msg)
const isRecoveryInfo = (l: { level: number; msg: string }) => l.level === INFO && /Redis is reachable again/.test(l.msg)

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let ipCounter = 0
/** A client IP no other case uses (TEST-NET-2), so per-IP budgets never mix between cases. */
const freshIp = () => `198.51.100.${++ipCounter}`

const signInForm = (node: TestServer) => openSignInPage(node.url)
const signIn = postSignIn

/** One password grant from `ip`. */
async function passwordGrant(node: TestServer, credentials: { email: string; password: string }, ip: string): Promise<{ status: number; error?: string; error_description?: string }> {
  const res = await postForm(
    `${node.url}${PATHS.token}`,
    { grant_type: 'password', username: credentials.email, password: credentials.password, scope: 'openid' },
    { authorization: basic('web', WEB_SECRET), 'x-forwarded-for': ip },
  )
  return { status: res.status, ...((await res.json()) as { error?: string; error_description?: string }) }
}

const wrong = (u: { email: string }, i: number | string) => ({ email: u.email, password: `wrong-guess-${i}` })

const redisUp = await redisAnswers(REDIS_URL)
if (!redisUp) console.log(`skipped: redis unreachable (${REDIS_URL}): the shared rate-limit cases of shared-rate-limits.test.ts`)

describe.skipIf(!redisUp)('rate limits shared by 2 nodes through Redis', () => {
  const prefix = `latch-test-${randomUUID()}:`
  let a: TestServer
  let b: TestServer

  const logs = [capturedLogger(), capturedLogger()] as const

  beforeAll(async () => {
    const [la, lb] = logs
    ;[a, b] = await Promise.all([startServer(nodeConfig(REDIS_URL, prefix), { logger: la.logger }), startServer(nodeConfig(REDIS_URL, prefix), { logger: lb.logger })])
  }, 30_000)

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })

  it('RFC 6749 §10.10 / OWASP brute force: failed sign-ins over two nodes share one per-account budget', async () => {
    const ip = freshIp()
    const onA = await signInForm(a)
    const onB = await signInForm(b)
    for (let i = 0; i < MAX; i++) expect((await signIn(i % 2 === 0 ? onA : onB, wrong(U('ann'), i), ip)).status).toBe(401)
    // MAX failures in total, not MAX per node: both refuse now, even the right password.
    for (const at of [onA, onB]) {
      const refused = await signIn(at, U('ann'), ip)
      expect(refused.status).toBe(429)
      expect(Number(refused.retryAfter)).toBeGreaterThan(0)
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(900)
    }
  })

  it('RFC 6749 §4.3.2: 40 parallel wrong-password sign-ins over two nodes check at most login_max_failures_per_account passwords', async () => {
    const ip = freshIp()
    const onA = await signInForm(a)
    const onB = await signInForm(b)
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(i % 2 === 0 ? onA : onB, wrong(U('ben'), i), ip)))
    const checked = answers.filter((r) => r.status === 401).length
    // A node that fell back to counting in memory holds the budget per node, not shared: say so
    // rather than report only a count over MAX.
    expect(logs.flatMap(({ lines }) => lines.filter(isOutageWarning).map((l) => l.reason))).toEqual([])
    expect(checked).toBeGreaterThan(0)
    expect(checked).toBeLessThanOrEqual(MAX)
    expect(answers.filter((r) => r.status === 429)).toHaveLength(40 - checked)
  })

  it('OWASP brute force: a success on one node forgives the account\'s failures on the other', async () => {
    const ip = freshIp()
    const onA = await signInForm(a)
    const onB = await signInForm(b)
    for (let i = 0; i < MAX - 1; i++) expect((await signIn(onA, wrong(U('cat'), i), ip)).status).toBe(401)
    expect((await signIn(onB, U('cat'), ip)).status).toBe(303)
    // Forgiven on A too: a whole budget of MAX failures again, then the throttle.
    const again = await signInForm(a)
    for (let i = 0; i < MAX; i++) expect((await signIn(again, wrong(U('cat'), `again-${i}`), ip)).status).toBe(401)
    expect((await signIn(again, wrong(U('cat'), 'one-more'), ip)).status).toBe(429)
  })

  it('RFC 6749 §4.3.2: the password grant draws on the same budget as the sign-in pages, across nodes', async () => {
    const ip = freshIp()
    const onB = await signInForm(b)
    expect(await passwordGrant(a, wrong(U('dan'), 0), ip)).toMatchObject({ status: 400, error: 'invalid_grant', error_description: 'the username or password is incorrect' })
    expect((await signIn(onB, wrong(U('dan'), 1), ip)).status).toBe(401)
    expect(await passwordGrant(b, wrong(U('dan'), 2), ip)).toMatchObject({ status: 400, error: 'invalid_grant' })
    const throttled = await passwordGrant(a, U('dan'), ip)
    expect(throttled).toMatchObject({ status: 400, error: 'invalid_grant' })
    expect(throttled.error_description).toMatch(/^too many failed attempts; try again in \d+ seconds$/)
    expect((await signIn(onB, U('dan'), ip)).status).toBe(429)
  })

  it('OWASP brute force: one client IP has one budget over every account and both nodes', async () => {
    const ip = freshIp()
    const onA = await signInForm(a)
    const onB = await signInForm(b)
    for (let i = 0; i < MAX_IP; i++) expect((await signIn(i % 2 === 0 ? onA : onB, wrong(user(`nobody${i}`), i), ip)).status).toBe(401)
    expect((await signIn(onA, U('eve'), ip)).status).toBe(429)
    expect((await signIn(onB, U('eve'), ip)).status).toBe(429)
    // The account itself was never guessed: from another IP it signs in.
    expect((await signIn(onB, U('eve'), freshIp())).status).toBe(303)
  })

  /** @see issue 8 */
  it('OWASP ASVS 2.2.1: failures from one address over both nodes refuse that address only; the user signs in from another on either node', async () => {
    const attacker = freshIp()
    const onA = await signInForm(a)
    const onB = await signInForm(b)
    for (let i = 0; i < MAX; i++) expect((await signIn(i % 2 === 0 ? onA : onB, wrong(U('max'), i), attacker)).status).toBe(401)
    expect((await signIn(onA, U('max'), attacker)).status).toBe(429)
    expect((await signIn(onB, U('max'), attacker)).status).toBe(429)
    expect((await signIn(await signInForm(a), U('max'), freshIp())).status).toBe(303)
    expect((await signIn(await signInForm(b), U('max'), freshIp())).status).toBe(303)
  })

  /** @see issue 8 */
  it('RFC 6819 §5.1.4.2.3: 50 parallel correct sign-ins of one account from one address, over two nodes, all succeed', async () => {
    const ip = freshIp()
    const forms = await Promise.all(Array.from({ length: 50 }, (_, i) => signInForm(i % 2 === 0 ? a : b)))
    const answers = await Promise.all(forms.map((at) => signIn(at, U('ned'), ip)))
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(303))
  }, 120_000)

  /** @see issue 8 */
  it('RFC 6819 §5.1.4.2.3: 50 users behind one NAT address signing in at once over two nodes all succeed', async () => {
    const ip = freshIp()
    const forms = await Promise.all(NAT_USERS.map((_, i) => signInForm(i % 2 === 0 ? a : b)))
    const answers = await Promise.all(forms.map((at, i) => signIn(at, NAT_USERS[i] as { email: string; password: string }, ip)))
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(303))
  }, 120_000)

  /** @see issue 8 */
  it('OWASP brute force: 40 parallel wrong guesses on one account from 40 addresses over two nodes are bounded by the shared slowdown', async () => {
    const forms = await Promise.all(Array.from({ length: 40 }, (_, i) => signInForm(i % 2 === 0 ? a : b)))
    const started = Date.now()
    const answers = await Promise.all(forms.map((at, i) => signIn(at, wrong(U('oli'), i), freshIp())))
    const elapsed = Math.ceil((Date.now() - started) / 1000)
    const checked = answers.filter((r) => r.status === 401).length
    // SLOWDOWN_AFTER at once, then one check per second (step 1) with up to two turns queued.
    expect(checked).toBeGreaterThanOrEqual(SLOWDOWN_AFTER)
    expect(checked).toBeLessThanOrEqual(SLOWDOWN_AFTER + 3 + elapsed)
    // Never a lockout: the refused are told to retry within seconds.
    for (const r of answers.filter((x) => x.status === 429)) expect(Number(r.retryAfter)).toBeLessThanOrEqual(3)
  }, 60_000)

  describe('RFC 8628 §5.1: device user-code entry', () => {
    /** A browser on `node`'s code entry page, and its form. */
    async function codeForm(node: TestServer): Promise<{ browser: Browser; form: Form }> {
      const browser = new Browser(node.url)
      return { browser, form: formOf(await browser.open(`${node.url}${PATHS.device_verification}`)) }
    }

    async function enterCode(at: { browser: Browser; form: Form }, code: string, ip: string): Promise<number> {
      const res = await at.browser.fetch(at.form.action, {
        method: 'POST',
        headers: { 'content-type': FORM, 'x-forwarded-for': ip },
        body: new URLSearchParams({ ...at.form.fields, user_code: code }),
      })
      await res.body?.cancel()
      return res.status
    }

    const randomCode = () => Array.from(randomBytes(8), (byte) => USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length]).join('')

    it('RFC 8628 §5.1: wrong user codes over two nodes share one per-IP budget', async () => {
      const ip = freshIp()
      const onA = await codeForm(a)
      const onB = await codeForm(b)
      for (let i = 0; i < MAX_IP; i++) expect(await enterCode(i % 2 === 0 ? onA : onB, randomCode(), ip)).toBe(400)
      expect(await enterCode(onA, randomCode(), ip)).toBe(429)
      expect(await enterCode(onB, randomCode(), ip)).toBe(429)
    })

    it('RFC 8628 §5.1: one code retried over two nodes is bounded by the per-code budget', async () => {
      const code = randomCode()
      const onA = await codeForm(a)
      const onB = await codeForm(b)
      for (let i = 0; i < MAX; i++) expect(await enterCode(i % 2 === 0 ? onA : onB, code, freshIp())).toBe(400)
      expect(await enterCode(onA, code, freshIp())).toBe(429)
    })
  })
})

/** A `redis-server` of the test's own, on a free port, that the test may kill and restart. */
class OwnRedis {
  #process: ChildProcess | null = null
  constructor(readonly port: number, readonly password: string) {}

  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', this.password], { stdio: 'ignore' })
    this.#process = child
    await until(() => redisAnswers(this.url), `redis-server on port ${this.port}`)
  }

  /** SIGKILL: the connection drops without a goodbye, as when a host dies. */
  async kill(): Promise<void> {
    const child = this.#process
    if (!child || child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
    this.#process = null
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.#process?.kill(signal)
  }

  async stop(): Promise<void> {
    this.signal('SIGCONT')
    await this.kill()
  }
}

const canSpawnRedis = existsSync(REDIS_SERVER)
if (!canSpawnRedis) console.log(`skipped: ${REDIS_SERVER} not installed: the fail-open cases of shared-rate-limits.test.ts`)

describe.skipIf(!canSpawnRedis)('issue 4: rate limits fail open when Redis goes away', () => {
  const started: { close(): Promise<void> }[] = []
  const redises: OwnRedis[] = []

  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()))
    await Promise.all(redises.splice(0).map((r) => r.stop()))
  })

  async function node(redisUrl: string) {
    const log = capturedLogger()
    const server = await startServer(nodeConfig(redisUrl, `latch-test-${randomUUID()}:`), { logger: log.logger })
    started.push(server)
    return { server, ...log }
  }

  async function ownRedis(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), `pw-${randomBytes(12).toString('hex')}`)
    redises.push(redis)
    await redis.start()
    return redis
  }

  it('issue 4: Redis down → sign-ins keep working, one warning logged; Redis back → info logged and counting shared again', async () => {
    const redis = await ownRedis()
    // Both nodes on one prefix: the node helper's prefix is per node, so pass one explicitly.
    const prefix = `latch-test-${randomUUID()}:`
    const logA = capturedLogger()
    const logB = capturedLogger()
    const [a, b] = await Promise.all([
      startServer(nodeConfig(redis.url, prefix), { logger: logA.logger }),
      startServer(nodeConfig(redis.url, prefix), { logger: logB.logger }),
    ])
    started.push(a, b)
    expect(logA.lines.some((l) => l.level === INFO && /shared across nodes through Redis/.test(l.msg))).toBe(true)

    // Shared while Redis is up.
    const ip = freshIp()
    expect((await signIn(await signInForm(a), wrong(U('fay'), 0), ip)).status).toBe(401)
    expect((await signIn(await signInForm(b), wrong(U('fay'), 1), ip)).status).toBe(401)

    await redis.kill()
    // Sign-ins keep working on both nodes: no 500, no hang.
    expect((await signIn(await signInForm(a), U('gus'), freshIp())).status).toBe(303)
    expect((await signIn(await signInForm(b), U('gus'), freshIp())).status).toBe(303)
    // Wrong passwords are still throttled, per node: A refuses after MAX, B still has its own budget.
    const down = freshIp()
    const onA = await signInForm(a)
    for (let i = 0; i < MAX; i++) expect((await signIn(onA, wrong(U('hal'), i), down)).status).toBe(401)
    expect((await signIn(onA, wrong(U('hal'), 'x'), down)).status).toBe(429)
    expect((await signIn(await signInForm(b), wrong(U('hal'), 'y'), down)).status).toBe(401)
    // Reconnect attempts keep failing meanwhile; still exactly one warning per node.
    await sleep(1500)
    for (const log of [logA, logB]) {
      expect(log.lines.filter(isOutageWarning)).toHaveLength(1)
      expect(log.lines.filter(isRecoveryInfo)).toHaveLength(0)
    }

    await redis.start()
    await until(() => logA.lines.some(isRecoveryInfo) && logB.lines.some(isRecoveryInfo), 'both nodes to log that Redis is back')
    const back = freshIp()
    const againA = await signInForm(a)
    const againB = await signInForm(b)
    for (let i = 0; i < MAX; i++) expect((await signIn(i % 2 === 0 ? againA : againB, wrong(U('ivy'), i), back)).status).toBe(401)
    expect((await signIn(againA, U('ivy'), back)).status).toBe(429)
    expect((await signIn(againB, U('ivy'), back)).status).toBe(429)

    for (const log of [logA, logB]) {
      expect(log.lines.filter(isOutageWarning)).toHaveLength(1)
      expect(log.lines.filter(isRecoveryInfo)).toHaveLength(1)
      // The warning names Redis by its redacted URL; the password is in no line at all.
      expect(log.lines.find(isOutageWarning)).toMatchObject({ redis: `redis://:***@127.0.0.1:${redis.port}` })
      expect(log.raw.join('')).not.toContain(redis.password)
    }
  }, 30_000)

  it('issue 4: a Redis that stops answering (SIGSTOP) makes sign-ins wait at most the command timeout, then count per process', async () => {
    const redis = await ownRedis()
    const a = await node(redis.url)
    redis.signal('SIGSTOP')
    // Without a command timeout this would hang until the test times out.
    expect((await signIn(await signInForm(a.server), U('jon'), freshIp())).status).toBe(303)
    const ip = freshIp()
    const onA = await signInForm(a.server)
    for (let i = 0; i < MAX; i++) expect((await signIn(onA, wrong(U('kim'), i), ip)).status).toBe(401)
    expect((await signIn(onA, wrong(U('kim'), 'x'), ip)).status).toBe(429)
    expect(a.lines.filter(isOutageWarning)).toHaveLength(1)
    expect(a.lines.find(isOutageWarning)?.reason).toMatch(/timed out/i)
    // The connection never dropped, so only the background probe can see Redis answer again.
    redis.signal('SIGCONT')
    await until(() => a.lines.some(isRecoveryInfo), 'the probe to log that Redis is back')
    expect(a.lines.filter(isOutageWarning)).toHaveLength(1)
  }, 30_000)

  it('issue 4: an unreachable Redis at boot does not stop the server; it serves and warns once', async () => {
    const port = await freePort()
    const password = `pw-${randomBytes(12).toString('hex')}`
    const a = await node(`redis://:${password}@127.0.0.1:${port}/0`)
    expect((await signIn(await signInForm(a.server), ALICE, freshIp())).status).toBe(303)
    expect((await passwordGrant(a.server, U('lea'), freshIp())).status).toBe(200)
    const ip = freshIp()
    const onA = await signInForm(a.server)
    for (let i = 0; i < MAX; i++) expect((await signIn(onA, wrong(U('lea'), i), ip)).status).toBe(401)
    expect((await signIn(onA, U('lea'), ip)).status).toBe(429)
    // Several reconnect attempts fail meanwhile: still one warning.
    await sleep(1500)
    expect(a.lines.filter(isOutageWarning)).toHaveLength(1)
    expect(a.lines.find(isOutageWarning)).toMatchObject({ redis: `redis://:***@127.0.0.1:${port}/0` })
    expect(a.raw.join('')).not.toContain(password)
  }, 30_000)
})
