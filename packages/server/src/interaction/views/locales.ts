/**
 * The languages of Latch's pages: one catalogue per language (`catalogues/`), English first and
 * the default. `messagesFor` is the one place a page gets its words: with a tenant's wording
 * (issue 11), its product name replaces Latch's and its message overrides replace single texts.
 */
import { ar } from './catalogues/ar.js'
import { de } from './catalogues/de.js'
import { es } from './catalogues/es.js'
import { fr } from './catalogues/fr.js'
import { ja } from './catalogues/ja.js'
import { withOverrides, type MessageOverrides } from './message-overrides.js'
import { MESSAGES, PRODUCT, type Messages } from './messages.js'

/** The supported languages, as BCP 47 primary language subtags; discovery's `ui_locales_supported`. */
export const LOCALES = ['en', 'de', 'fr', 'es', 'ja', 'ar'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'en'

const CATALOGUES: Readonly<Record<Locale, Messages>> = { en: MESSAGES, de, fr, es, ja, ar }
const RIGHT_TO_LEFT: ReadonlySet<Locale> = new Set<Locale>(['ar'])

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/** The first supported language of a stored `ui_locales` (interaction params), else the default. */
export function storedLocale(uiLocales: unknown): Locale {
  return (Array.isArray(uiLocales) ? uiLocales.find(isLocale) : undefined) ?? DEFAULT_LOCALE
}

/** What decides a page's words besides its language (issue 11): a branding's product name and message overrides. */
export interface Wording {
  readonly branding: { readonly product_name?: string | undefined }
  readonly messages: MessageOverrides
}

/** Derived catalogues per overrides object (a tenant's frozen config), by language and product name. */
const derived = new WeakMap<MessageOverrides, Map<string, Messages>>()
/** Product names per tenant are few (its own, its organizations'); a bound keeps a stray one from growing the map. */
const DERIVED_PER_TENANT = 64

/** The words of every page in `locale`: the shipped catalogue, or with `wording`'s product name and overrides in place. */
export function messagesFor(locale: Locale, wording?: Wording): Messages {
  const product = wording?.branding.product_name ?? PRODUCT
  const overrides = wording?.messages[locale]
  if (wording === undefined || (product === PRODUCT && overrides === undefined)) return CATALOGUES[locale]
  let cache = derived.get(wording.messages)
  if (cache === undefined) derived.set(wording.messages, (cache = new Map()))
  const key = `${locale}\n${product}`
  let messages = cache.get(key)
  if (messages === undefined) {
    if (cache.size >= DERIVED_PER_TENANT) cache.clear()
    cache.set(key, (messages = withOverrides(CATALOGUES[locale], product, overrides)))
  }
  return messages
}

/** The `dir` of the page's `<html>`: the CSS uses logical properties, so it follows. */
export function directionOf(locale: Locale): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale) ? 'rtl' : 'ltr'
}
