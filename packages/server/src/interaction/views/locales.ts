/**
 * The languages of Latch's pages: one catalogue per language (`catalogues/`), English first and
 * the default. `messagesFor` is the one place a page gets its words; it is the seam where a
 * tenant's (or an organization's) overrides of single messages will be merged in (issue 11).
 */
import { ar } from './catalogues/ar.js'
import { de } from './catalogues/de.js'
import { es } from './catalogues/es.js'
import { fr } from './catalogues/fr.js'
import { ja } from './catalogues/ja.js'
import { MESSAGES, type Messages } from './messages.js'

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

/** The words of every page in `locale`. */
export function messagesFor(locale: Locale): Messages {
  return CATALOGUES[locale]
}

/** The `dir` of the page's `<html>`: the CSS uses logical properties, so it follows. */
export function directionOf(locale: Locale): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale) ? 'rtl' : 'ltr'
}
