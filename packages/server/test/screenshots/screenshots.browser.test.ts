/**
 * Issue 11: every page Latch renders, in every shipped language, in two brandings (the built-in
 * look and a strong one: logo, colours, custom stylesheet, footer links, a message override), at
 * phone (390×844) and, for en, ar and ja, desktop (1280×800) width, in Chromium, compared pixel by pixel
 * (pixelmatch) with the reference PNGs committed in `references/`, so that a visual regression
 * fails CI. `LATCH_UPDATE_SCREENSHOTS=1` rewrites the references (and removes stale ones); a
 * mismatch writes `<name>.actual.png` and `<name>.diff.png` under `failures/` (gitignored) and
 * names them.
 *
 * Rendering is made deterministic: the same Chromium and fonts as CI (`.ci/run` installs the
 * Japanese font; DejaVu draws Latin and Arabic), animations and the caret off, no visible
 * randomness (the device page's code is a fixed one; the issuer's port, shown on the home and
 * error pages, is replaced by a fixed host before the screenshot). One browser, pages in parallel.
 * Skipped, with a console line, when /usr/bin/chromium is not installed.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pixelmatch from 'pixelmatch'
import { PNG } from 'pngjs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCALES, type Locale } from '../../src/interaction/views/locales.js'
import { CHROMIUM_ARGS, hasChromium, launchChromium } from '../chromium.js'
import { ALICE, API, BOB, startCallbackServer, startServer, type CallbackServer, type TestServer } from '../helpers.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const REFERENCES = join(HERE, 'references')
const FAILURES = join(HERE, 'failures')
const UPDATE = process.env.LATCH_UPDATE_SCREENSHOTS === '1'

const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const
type Width = keyof typeof WIDTHS
/**
 * Desktop in one language per script and direction (Latin, Arabic right to left, Japanese): the
 * desktop page is the phone's card centred on a wider background, and a language's own text
 * (length, wrapping) shows at phone width, where every language is taken. Keeps the references
 * under 10 MB and the run short.
 */
const DESKTOP_LOCALES: readonly Locale[] = ['en', 'ar', 'ja']
const widthsOf = (locale: Locale): Width[] => (DESKTOP_LOCALES.includes(locale) ? ['phone', 'desktop'] : ['phone'])
/** The pages each walk takes (see `walk`). */
const PAGES = 12
type BrandingName = 'default' | 'branded'

/** pixelmatch's per-pixel colour threshold (0..1), and the share of pixels that may differ beyond it. */
const THRESHOLD = 0.1
const MAX_DIFF_SHARE = 0.0001
/** Pages rendered at once (one browser context each). */
const PARALLEL = 6
/** The device code shown on the confirm page: fixed, so its pixels are too. */
const SHOWN_CODE = 'BCDF-GHJK'
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

/** The Japanese font the references were drawn with (Latin and Arabic: DejaVu, on every Debian image). */
const FONTS = [{ lang: 'ja', family: 'IPAGothic', apt: 'fonts-ipafont-gothic' }]

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40"><rect width="40" height="40" rx="10" fill="#0f766e"/><circle cx="20" cy="20" r="9" fill="#ffffff"/><rect x="52" y="12" width="100" height="16" rx="8" fill="#99f6e4"/></svg>`
const CSS = `main{border-top:6px solid #0f766e;border-radius:4px}
h1{font-family:Georgia,"DejaVu Serif",serif;letter-spacing:.01em}
.muted{font-style:italic}
`

function config(branding: BrandingName, callback: string, assets: string, stylesheet: string): Record<string, unknown> {
  return {
    security: { login_max_failures_per_account: 100_000, login_max_failures_per_ip: 100_000, login_account_slowdown_after: 100_000, pending_per_source: 100_000 },
    resources: [{ identifier: API, name: 'Example API', scopes: ['read:data'] }],
    scopes: [{ name: 'read:data', description: 'Read your data' }],
    clients: [
      {
        client_id: 'shop',
        client_name: 'Example Shop',
        client_secret: 'shop-secret-0123456789abcdef0123456789ab',
        grant_types: ['authorization_code'],
        redirect_uris: [callback],
        scope: 'openid profile email read:data',
        resources: [API],
        organization_required: true,
      },
      { client_id: 'tv', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], scope: 'openid profile' },
    ],
    users: [
      { ...ALICE, name: 'Alice Example', email_verified: true },
      { ...BOB, name: 'Bob Example' },
    ],
    organizations: [
      { id: 'acme', name: 'Acme Corp', members: [{ email: ALICE.email }] },
      { id: 'globex', name: 'Globex', members: [{ email: ALICE.email }] },
    ],
    ...(branding === 'branded' && {
      branding: {
        product_name: 'Nimbus ID',
        logo_url: `${assets}/logo.svg`,
        favicon_url: `${assets}/logo.svg`,
        primary_color: '#0f766e',
        background_color: '#12263a',
        css_file: stylesheet,
        support_url: 'https://help.nimbus.example/',
        terms_url: 'https://nimbus.example/terms',
        privacy_url: 'https://nimbus.example/privacy',
      },
      messages: { en: { 'login.title': 'Sign in to Nimbus' }, de: { 'login.title': 'Bei Nimbus anmelden' } },
    }),
  }
}

interface Shot {
  name: string
  png: Buffer
}

interface Run {
  server: TestServer
  branding: BrandingName
}

describe.skipIf(!hasChromium)('screenshots of every page (issue 11)', () => {
  let browser: Browser
  let callbacks: CallbackServer
  let assets: Server
  const runs: Run[] = []

  beforeAll(async () => {
    for (const font of FONTS) {
      const families = execFileSync('fc-list', [`:lang=${font.lang}`, 'family'], { encoding: 'utf8' })
      if (!families.includes(font.family)) throw new Error(`the screenshots need the ${font.family} font for ${font.lang}: apt-get install ${font.apt} (as .ci/run does)`)
    }
    callbacks = await startCallbackServer()
    assets = createServer((req, res) => {
      if (req.url === '/logo.svg') res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(LOGO)
      else res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => assets.listen(0, '127.0.0.1', resolve))
    const assetsUrl = `http://127.0.0.1:${(assets.address() as AddressInfo).port}`
    const stylesheet = join(mkdtempSync(join(tmpdir(), 'latch-screenshots-')), 'branding.css')
    writeFileSync(stylesheet, CSS)
    for (const branding of ['default', 'branded'] as const) {
      const server = await startServer(config(branding, callbacks.url, assetsUrl, stylesheet))
      runs.push({ server, branding })
    }
    browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--force-color-profile=srgb', '--hide-scrollbars', '--font-render-hinting=none'] })
  })

  afterAll(async () => {
    await browser?.close()
    for (const run of runs) await run.server.close()
    await callbacks?.close()
    await new Promise((resolve) => assets?.close(resolve))
  })

  /** Every page of one branding and language, in the order a person meets them, each at every width. */
  async function walk(run: Run, locale: Locale): Promise<Shot[]> {
    const base = run.server.url
    const context = await browser.newContext({ locale, viewport: WIDTHS.phone, deviceScaleFactor: 1, colorScheme: 'light', reducedMotion: 'reduce' })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    const shots: Shot[] = []
    const shoot = async (name: string) => {
      await page.waitForLoadState('load')
      // The issuer's port is the one random thing a page shows (home page, "Go to …" on errors).
      await page.evaluate(() => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
        for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) node.textContent = (node.textContent ?? '').replace(/127\.0\.0\.1:\d+/g, 'login.example.com')
      })
      // The same page at each width (a resize lays it out again, as a fresh load at that width would).
      for (const width of widthsOf(locale)) {
        await page.setViewportSize(WIDTHS[width])
        shots.push({ name: `${name}.${locale}.${run.branding}.${width}`, png: await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' }) })
      }
      await page.setViewportSize(WIDTHS.phone)
    }
    const submit = async (selector = 'button[type=submit]') => {
      await Promise.all([page.waitForNavigation(), page.click(selector)])
    }
    const signIn = async (user: { email: string; password: string }) => {
      await page.fill('input[name=email]', user.email)
      await page.fill('input[name=password]', user.password)
      await submit()
    }
    const authorize = `${base}/authorize?${new URLSearchParams({ client_id: 'shop', redirect_uri: callbacks.url, response_type: 'code', scope: 'openid profile email read:data', resource: API, state: 'screenshot', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString()}`
    try {
      await page.goto(`${base}/`)
      await shoot('home')
      await page.goto(`${base}/authorize?client_id=nobody&response_type=code`)
      await shoot('error')
      await page.goto(`${base}/device`)
      await shoot('device-code-entry')
      await page.goto(`${base}/device?user_code=${SHOWN_CODE}`)
      await shoot('device-confirm')

      await page.goto(authorize)
      await shoot('sign-in')
      await signIn({ email: ALICE.email, password: 'not-the-password' })
      await shoot('sign-in-error')
      await signIn(ALICE)
      await shoot('organization-picker')
      await page.check('input[name=organization][value=acme]')
      await submit()
      await shoot('consent')
      // Deny: an allowed consent is remembered, and the other walks of this server would not see the page.
      await Promise.all([page.waitForURL((u) => u.href.startsWith(callbacks.url)), page.click('button[value=deny]')])

      const device = await fetch(`${base}/device/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: 'tv', scope: 'openid profile' }) })
      const { user_code } = (await device.json()) as { user_code: string }
      await page.goto(`${base}/device?user_code=${encodeURIComponent(user_code)}`)
      await submit()
      await submit('button[value=allow]')
      await shoot('device-connected')

      await page.goto(`${base}/logout`)
      await shoot('logout-confirm')
      await submit()
      await shoot('signed-out')

      await page.goto(authorize)
      await signIn(BOB)
      await shoot('not-a-member')
      return shots
    } finally {
      await context.close()
    }
  }

  it('issue 11: every page, in every language, in the built-in and a strong branding, at desktop and phone width, looks as its reference', async () => {
    const jobs = runs.flatMap((run) => LOCALES.map((locale) => () => walk(run, locale)))
    const shots: Shot[] = []
    const queue = [...jobs]
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) shots.push(...(await job()))
    }))
    expect(shots.length).toBe(runs.length * PAGES * LOCALES.reduce((n, locale) => n + widthsOf(locale).length, 0))

    if (UPDATE) {
      mkdirSync(REFERENCES, { recursive: true })
      const kept = new Set(shots.map((s) => `${s.name}.png`))
      for (const file of readdirSync(REFERENCES)) if (!kept.has(file)) rmSync(join(REFERENCES, file))
      // Chromium's own bytes: a run that draws the same pixels encodes them the same, and is compared without decoding.
      for (const shot of shots) writeFileSync(join(REFERENCES, `${shot.name}.png`), shot.png)
      return
    }

    rmSync(FAILURES, { recursive: true, force: true })
    const failures: string[] = []
    const stale = readdirSync(REFERENCES).filter((file) => !shots.some((s) => `${s.name}.png` === file))
    for (const file of stale) failures.push(`${file}: a reference for no page (LATCH_UPDATE_SCREENSHOTS=1 removes it)`)
    for (const shot of shots) {
      const problem = compare(shot)
      if (problem !== null) failures.push(problem)
    }
    expect(failures, `screenshots differ from their references (to accept the new look: LATCH_UPDATE_SCREENSHOTS=1 npx vitest run ${fileURLToPath(import.meta.url)})`).toEqual([])
  }, 600_000)
})

/** Null when `shot` matches its reference within the tolerance; else what differs, with the files written. */
function compare(shot: Shot): string | null {
  let reference: Buffer
  try {
    reference = readFileSync(join(REFERENCES, `${shot.name}.png`))
  } catch {
    return `${shot.name}: no reference (run with LATCH_UPDATE_SCREENSHOTS=1 to create it)`
  }
  // The usual case, decided without decoding: the same pixels, encoded the same.
  if (reference.equals(shot.png)) return null
  const expected = PNG.sync.read(reference)
  const actual = PNG.sync.read(shot.png)
  const failed = (why: string, diff?: PNG): string => {
    mkdirSync(FAILURES, { recursive: true })
    const files = [join(FAILURES, `${shot.name}.actual.png`)]
    writeFileSync(files[0] as string, shot.png)
    if (diff) {
      files.push(join(FAILURES, `${shot.name}.diff.png`))
      writeFileSync(files[1] as string, PNG.sync.write(diff))
    }
    return `${shot.name}: ${why}; see ${files.join(' and ')}`
  }
  if (actual.width !== expected.width || actual.height !== expected.height) {
    return failed(`${actual.width}×${actual.height}, the reference is ${expected.width}×${expected.height}`)
  }
  if (actual.data.equals(expected.data)) return null
  const diff = new PNG({ width: actual.width, height: actual.height })
  const differing = pixelmatch(actual.data, expected.data, diff.data, actual.width, actual.height, { threshold: THRESHOLD })
  const allowed = Math.floor(actual.width * actual.height * MAX_DIFF_SHARE)
  return differing > allowed ? failed(`${differing} pixels differ (at most ${allowed} may)`, diff) : null
}
