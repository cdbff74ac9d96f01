/**
 * Issue 13: the User-Agent a session was signed in from, kept short (`storedUserAgent`, what
 * `sessions.user_agent` holds) and described for people (`describeUserAgent`: "Firefox on
 * Windows") on the account page's "Active sessions". The header is the client's to choose, so
 * nothing here is trusted: it is bounded before it is stored, never parsed with a backtracking
 * pattern over its whole length, and only a few known names come out of it.
 */

/** The most characters of a User-Agent stored with a session (anonymous input: bounded). */
export const USER_AGENT_MAX = 256

/** The header as stored: control characters dropped, trimmed, at most `USER_AGENT_MAX` characters; null for none. */
export function storedUserAgent(header: unknown): string | null {
  if (typeof header !== 'string') return null
  // eslint-disable-next-line no-control-regex
  const clean = header.slice(0, 4 * USER_AGENT_MAX).replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, USER_AGENT_MAX)
  return clean === '' ? null : clean
}

/** Browsers, most specific first (Edge and Opera say "Chrome" too; Chrome says "Safari"). */
const BROWSERS: readonly (readonly [token: string, name: string])[] = [
  ['Edg/', 'Edge'],
  ['OPR/', 'Opera'],
  ['SamsungBrowser/', 'Samsung Internet'],
  ['Firefox/', 'Firefox'],
  ['FxiOS/', 'Firefox'],
  ['CriOS/', 'Chrome'],
  ['Chromium/', 'Chromium'],
  ['Chrome/', 'Chrome'],
  ['Safari/', 'Safari'],
  ['curl/', 'curl'],
]

/** Systems, most specific first (Android says "Linux", iOS says "like Mac OS X"). */
const SYSTEMS: readonly (readonly [token: string, name: string])[] = [
  ['Android', 'Android'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['CrOS', 'ChromeOS'],
  ['Windows', 'Windows'],
  ['Mac OS X', 'macOS'],
  ['Macintosh', 'macOS'],
  ['Linux', 'Linux'],
]

/** The browser and system a stored User-Agent names, each null when none of the known ones. */
export function describeUserAgent(stored: string | null | undefined): { browser: string | null; system: string | null } {
  if (!stored) return { browser: null, system: null }
  const browser = BROWSERS.find(([token]) => stored.includes(token))?.[1] ?? null
  const system = SYSTEMS.find(([token]) => stored.includes(token))?.[1] ?? null
  return { browser, system }
}
