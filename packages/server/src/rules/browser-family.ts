/**
 * Issue 13: a coarse, fixed-vocabulary name of a browser from its User-Agent (family and system,
 * e.g. `chrome-android`), for "Continue signing in on this device?": the page of a sign-in link
 * opened elsewhere says what asked for it. Only these words ever come out (and only they are
 * accepted back from a link), so nothing a client wrote reaches the page; the User-Agent is the
 * asker's own claim, so the page offers it as a hint, never as proof.
 */
const BROWSERS = [
  ['edge', /\bEdg(?:e|A|iOS)?\//],
  ['opera', /\bOPR\//],
  ['firefox', /\b(?:Firefox|FxiOS)\//],
  ['chrome', /\b(?:HeadlessChrome|Chrome|CriOS|Chromium)\//],
  ['safari', /\bSafari\//],
] as const
const SYSTEMS = [
  ['android', /\bAndroid\b/],
  ['ios', /\b(?:iPhone|iPad|iPod)\b/],
  ['chromeos', /\bCrOS\b/],
  ['windows', /\bWindows\b/],
  ['macos', /\bMac OS X\b/],
  ['linux', /\bLinux\b/],
] as const

export type BrowserName = (typeof BROWSERS)[number][0]
export type SystemName = (typeof SYSTEMS)[number][0]

export const BROWSER_NAMES: Readonly<Record<BrowserName, string>> = { edge: 'Edge', opera: 'Opera', firefox: 'Firefox', chrome: 'Chrome', safari: 'Safari' }
export const SYSTEM_NAMES: Readonly<Record<SystemName, string>> = { android: 'Android', ios: 'iOS', chromeos: 'ChromeOS', windows: 'Windows', macos: 'macOS', linux: 'Linux' }

/** `<browser>-<system>` for a User-Agent of a known family and system, else null. */
export function browserFamily(userAgent: string | undefined): string | null {
  if (userAgent === undefined) return null
  const ua = userAgent.slice(0, 512)
  const browser = BROWSERS.find(([, re]) => re.test(ua))?.[0]
  const system = SYSTEMS.find(([, re]) => re.test(ua))?.[0]
  return browser === undefined || system === undefined ? null : `${browser}-${system}`
}

/** The display names of a `browserFamily` value (as a link carries it), or null for anything else. */
export function browserFamilyNames(value: string | undefined): { browser: string; system: string } | null {
  const [browser, system, ...rest] = (value ?? '').split('-')
  if (rest.length > 0 || !browser || !system || !Object.hasOwn(BROWSER_NAMES, browser) || !Object.hasOwn(SYSTEM_NAMES, system)) return null
  return { browser: BROWSER_NAMES[browser as BrowserName], system: SYSTEM_NAMES[system as SystemName] }
}
