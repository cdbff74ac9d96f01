/**
 * The language of the page a request gets (rules/locale.ts): the `ui_locales` of the
 * authorization request behind it (stored with the interaction, or in the query of `/authorize`
 * itself), then the `Accept-Language` header, then English.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */
import type { FastifyRequest } from 'fastify'
import { negotiateLocale, parseUiLocales } from '../../rules/locale.js'
import { DEFAULT_LOCALE, LOCALES, type Locale } from '../../interaction/views/locales.js'

/** The language an endpoint chose for this request's pages, for its error page too. */
const chosen = new WeakMap<FastifyRequest, Locale>()

/** `uiLocales`: the stored request's (already parsed), or undefined to read `ui_locales` from the query. */
export function pageLocale(request: FastifyRequest, uiLocales?: unknown): Locale {
  const stored = Array.isArray(uiLocales) ? uiLocales.filter((t): t is string => typeof t === 'string') : undefined
  const query = request.query as Record<string, unknown> | undefined
  const fromQuery = typeof query?.ui_locales === 'string' ? parseUiLocales(query.ui_locales, LOCALES) : undefined
  const header = request.headers['accept-language']
  const locale = negotiateLocale({ uiLocales: stored ?? fromQuery, acceptLanguage: typeof header === 'string' ? header : undefined }, LOCALES, DEFAULT_LOCALE)
  chosen.set(request, locale)
  return locale
}

/** The error page's language: the one the endpoint chose (an interaction's `ui_locales`), else negotiated afresh. */
export function errorPageLocale(request: FastifyRequest): Locale {
  return chosen.get(request) ?? pageLocale(request)
}

