/**
 * Debian's Chromium for the browser tests of every package and example, driven by playwright-core
 * with the flags this machine needs (no sandbox as root, no GPU, no background traffic). Files
 * that need it `describe.skipIf(!hasChromium)`; the skip is said once, as docs/architecture.md §2
 * "Commands" asks.
 *
 * Under `vitest run` one Chromium serves every browser file (chromium-server.ts, a global setup
 * that launches it when a file first asks): `launchChromium()` connects to it, and what a file
 * opens on it (contexts, pages) is its own and closed by its `browser.close()`. A file that asks
 * for flags or options the shared one was not launched with gets a Chromium of its own, as does a
 * run without the global setup.
 */
import { existsSync } from 'node:fs'
import { get } from 'node:http'
import type { Browser, LaunchOptions } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.log('skipped: chromium not installed')

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
/** `*.test` hosts (tenants, upstream identity providers) on this machine. */
export const TEST_HOSTS_ARG = '--host-resolver-rules=MAP *.test 127.0.0.1'
/** Rendering the same pixels on every machine (the screenshots): sRGB, no scrollbars, unhinted fonts. */
export const SCREENSHOT_ARGS = ['--force-color-profile=srgb', '--hide-scrollbars', '--font-render-hinting=none']
/**
 * The shared Chromium's flags: those of every browser file. The extra ones change nothing a
 * functional test sees (the `*.test` names resolve nowhere else, and no test measures colours,
 * scrollbars or glyph hinting but the screenshots, which need them).
 */
export const SHARED_CHROMIUM_ARGS = [...CHROMIUM_ARGS, TEST_HOSTS_ARG, ...SCREENSHOT_ARGS]

declare module 'vitest' {
  interface ProvidedContext {
    /** The URL of chromium-server.ts's broker, which answers with the shared Chromium's WebSocket endpoint. */
    chromiumBroker: string | undefined
  }
}

let shared: Promise<string> | undefined

/** The shared Chromium's endpoint, asked once per worker (node:http: tests may swap fetch's dispatcher). */
function sharedEndpoint(broker: string): Promise<string> {
  shared ??= new Promise<string>((resolve, reject) => {
    get(broker, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`the shared Chromium did not start: ${body}`))))
      res.on('error', reject)
    }).on('error', reject)
  }).catch((err: unknown) => {
    shared = undefined
    throw err
  })
  return shared
}

/** A headless Chromium; `options` adds to (or overrides) the defaults. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  const { args = CHROMIUM_ARGS, ...others } = options
  // Imported here: the global setup (vitest's own process) imports this module's constants too.
  const broker = (await import('vitest')).inject('chromiumBroker')
  if (broker !== undefined && Object.keys(others).length === 0 && args.every((arg) => SHARED_CHROMIUM_ARGS.includes(arg))) {
    return chromium.connect(await sharedEndpoint(broker))
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...options })
}
