/**
 * Issue 12: the mark on a connection's button, drawn inline (CSP needs no img-src for it) in the
 * button's text colour, hidden from assistive technology: the link's name stays its text.
 * Brand marks come from simple-icons (CC0-1.0), one SVG file per preset it has; Microsoft,
 * LinkedIn and Slack are not in it (their owners asked for removal), so they, `oidc` and `oauth2`
 * get a generic key.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { html, type SafeHtml } from './layout.js'

/** Our preset type → simple-icons slug (Twitter is X there). */
const SLUGS: Readonly<Record<string, string>> = {
  google: 'google', apple: 'apple', github: 'github', gitlab: 'gitlab', facebook: 'facebook', twitter: 'x', discord: 'discord',
}

/** A key: a ring (its hole wound the other way, so nonzero fill leaves it open) and a bit with two teeth, on the 24×24 grid of simple-icons. */
export const GENERIC_MARK = 'M7 7a5 5 0 1 0 4.58 7H15v3h3v-3h2v-4h-8.42A5 5 0 0 0 7 7Zm-2 5a2 2 0 1 1 4 0 2 2 0 1 1-4 0Z'

// Each icon's own file, not the package's index: importing even one named export from the index
// evaluates all of its ~3,400 icons (about 15 MB of heap and 130 ms at start, measured).
const require = createRequire(import.meta.url)
const PATHS: ReadonlyMap<string, string> = new Map(Object.entries(SLUGS).map(([type, slug]) => {
  const svg = readFileSync(require.resolve(`simple-icons/icons/${slug}.svg`), 'utf8')
  const d = /<path d="([^"]+)"/.exec(svg)?.[1]
  if (d === undefined) throw new Error(`simple-icons/icons/${slug}.svg has no path`)
  return [type, d]
}))

/** The SVG path of the connection type's mark (a brand's, or the generic key). */
export function connectionIcon(type: string): string {
  return PATHS.get(type) ?? GENERIC_MARK
}

/** The mark as inline SVG, for the start of a connection's button. */
export function connectionIconSvg(type: string): SafeHtml {
  return html`<svg class="connection-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="${connectionIcon(type)}"/></svg>`
}
