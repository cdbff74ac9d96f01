/**
 * Issue 11, white-label pages: what a page is dressed in. A tenant's branding (config `branding`,
 * resolved by config/branding.ts) with an organization's over it, key by key, and the tenant's
 * message overrides. The colours feed CSS custom properties of `PAGE_CSS` (layout.ts); this
 * module also knows which text and UI each colour is drawn with, so that the contrast of a
 * configured colour can be checked against WCAG AA where it is used.
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @see https://www.w3.org/TR/WCAG22/#non-text-contrast
 */
import { AA_NON_TEXT, AA_TEXT, contrast } from '../../lib/contrast.js'
import type { MessageOverrides } from './message-overrides.js'
import { PRODUCT } from './messages.js'

/** A resolved branding: every key optional (absent: the built-in look); `css` is the custom stylesheet's text. */
export interface Branding {
  product_name?: string
  logo_url?: string
  favicon_url?: string
  /** `#rrggbb`: buttons, links, the focus ring, radio buttons. */
  primary_color?: string
  /** `#rrggbb`: the page behind the card. */
  background_color?: string
  css?: string
  support_url?: string
  terms_url?: string
  privacy_url?: string
}

export const BRANDING_KEYS = [
  'product_name', 'logo_url', 'favicon_url', 'primary_color', 'background_color', 'css', 'support_url', 'terms_url', 'privacy_url',
] as const satisfies readonly (keyof Branding)[]

/** What a page is dressed in. */
export interface Look {
  branding: Branding
  messages: MessageOverrides
  /** Where the custom stylesheet is served (`{issuer}/branding.css…`); absent: none. */
  stylesheet?: string | undefined
}

export const DEFAULT_LOOK: Look = Object.freeze({ branding: Object.freeze({}), messages: Object.freeze({}) })

/** The built-in colours of `PAGE_CSS`, which a branding's colours replace. */
export const COLOURS = {
  text: '#1d2330',
  card: '#ffffff',
  background: '#f4f5f7',
  primary: '#2453d4',
  onPrimary: '#ffffff',
} as const

const COLOUR = /^#[0-9a-fA-F]{6}$/

export function productName(branding: Branding): string {
  return branding.product_name ?? PRODUCT
}

/** An organization's branding over its tenant's: each key the organization sets wins. */
export function overBranding(tenant: Branding, organization: Branding): Branding {
  const out: Branding = { ...tenant }
  for (const key of BRANDING_KEYS) if (organization[key] !== undefined) out[key] = organization[key]
  return out
}

/** Text drawn on `colour` (a button's primary colour, the page background): white or the body text colour, whichever contrasts more. */
export function textOn(colour: string): string {
  return contrast(colour, COLOURS.card) >= contrast(colour, COLOURS.text) ? COLOURS.card : COLOURS.text
}

/**
 * The CSS custom properties of `branding`'s colours (`:root{--latch-primary:…}`), or '' for the
 * built-in ones. A value that is not `#rrggbb` (never stored by the loader or the CLI) is left out.
 */
export function colourProperties(branding: Branding): string {
  const props: string[] = []
  if (branding.primary_color !== undefined && COLOUR.test(branding.primary_color)) {
    props.push(`--latch-primary:${branding.primary_color}`, `--latch-on-primary:${textOn(branding.primary_color)}`)
  }
  if (branding.background_color !== undefined && COLOUR.test(branding.background_color)) {
    props.push(`--latch-background:${branding.background_color}`, `--latch-on-background:${textOn(branding.background_color)}`)
  }
  return props.length === 0 ? '' : `:root{${props.join(';')}}`
}

/** A configured colour drawn with another below the WCAG AA minimum for that use. */
export interface ContrastProblem {
  key: 'primary_color' | 'background_color'
  foreground: string
  background: string
  use: string
  ratio: number
  minimum: number
}

/**
 * Every pair a configured colour is drawn in (layout.ts) that falls short of WCAG AA: the primary
 * colour as link text on the white card (4.5:1), the button text on it (4.5:1), the focus ring on
 * the page background (3:1), the header and footer text on the background colour (4.5:1). Text on
 * a configured colour is white or the body text colour, whichever contrasts more (`textOn`).
 */
export function contrastProblems(branding: Branding): ContrastProblem[] {
  const primary = branding.primary_color
  const background = branding.background_color
  const pairs: Omit<ContrastProblem, 'ratio'>[] = []
  if (primary !== undefined) {
    pairs.push(
      { key: 'primary_color', foreground: primary, background: COLOURS.card, use: 'links on the card', minimum: AA_TEXT },
      { key: 'primary_color', foreground: textOn(primary), background: primary, use: 'button text', minimum: AA_TEXT },
    )
  }
  if (primary !== undefined || background !== undefined) {
    pairs.push({ key: primary !== undefined ? 'primary_color' : 'background_color', foreground: primary ?? COLOURS.primary, background: background ?? COLOURS.background, use: 'the focus ring on the page background', minimum: AA_NON_TEXT })
  }
  if (background !== undefined) pairs.push({ key: 'background_color', foreground: textOn(background), background, use: 'header and footer text', minimum: AA_TEXT })
  return pairs
    .map((p) => ({ ...p, ratio: Math.floor(contrast(p.foreground, p.background) * 100) / 100 }))
    .filter((p) => p.ratio < p.minimum)
}
