import { describe, expect, it } from 'vitest'
import { browserFamily, browserFamilyNames } from './browser-family.js'

describe('browser family (issue 13)', () => {
  it('names the family and system of common User-Agents, and nothing else', () => {
    const cases: [string, string | null][] = [
      ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 'chrome-android'],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'safari-ios'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'edge-windows'],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0', 'firefox-macos'],
      ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36', 'chrome-linux'],
      ['curl/8.5.0', null],
      [undefined as unknown as string, null],
    ]
    for (const [ua, family] of cases) expect(browserFamily(ua), ua).toBe(family)
  })

  it('reads back only its own vocabulary (a link\'s value), never free text', () => {
    expect(browserFamilyNames('chrome-android')).toEqual({ browser: 'Chrome', system: 'Android' })
    for (const bad of [undefined, '', 'chrome', 'chrome-android-x', 'evil-android', 'chrome-<b>', '__proto__-android', 'toString-linux']) expect(browserFamilyNames(bad), String(bad)).toBeNull()
  })
})
