/**
 * Debian's Chromium for the browser tests of every package and example, driven by playwright-core
 * with the flags this machine needs (no sandbox as root, no GPU, no background traffic). Files
 * that need it `describe.skipIf(!hasChromium)`; the skip is said once, as docs/architecture.md §2
 * "Commands" asks.
 */
import { existsSync } from 'node:fs'
import type { Browser, LaunchOptions } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.log('skipped: chromium not installed')

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']

/** A headless Chromium; `options` adds to (or overrides) the defaults. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...options })
}
