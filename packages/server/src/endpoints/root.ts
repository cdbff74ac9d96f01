/**
 * The issuer's root URL: a person who types it in (or follows an error page's way back) gets a
 * small HTML page naming the provider and linking its discovery document; a client that asks
 * for JSON (`Accept: application/json`, without `text/html`) gets `{ issuer, openid_configuration }`.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { homePage } from '../interaction/views/home.js'
import type { Locale } from '../interaction/views/locales.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { pageLook } from './_pipeline/page-look.js'
import type { Look } from '../interaction/views/branding.js'
import { OPENID_CONFIGURATION_PATH } from './discovery.js'

function wantsJson(accept: string | undefined): boolean {
  const types = (accept ?? '').toLowerCase()
  return /\bapplication\/(?:[\w.+-]*\+)?json\b/.test(types) && !types.includes('text/html')
}

export const rootEndpoint: FastifyPluginAsync = async (app) => {
  const { issuer } = app.latch.config
  const discoveryUrl = `${issuer}${OPENID_CONFIGURATION_PATH}`
  // Rendered once per language (and look: issue 11) on first use: the page has no per-request content.
  const bodies = new WeakMap<Look, Map<Locale, string>>()
  const json = JSON.stringify({ issuer, openid_configuration: discoveryUrl })
  async function rootPage(request: FastifyRequest, reply: FastifyReply) {
    reply.header('vary', 'accept, accept-language')
    if (wantsJson(request.headers.accept)) return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(json)
    const locale = pageLocale(request)
    const look = pageLook(request)
    let byLocale = bodies.get(look)
    if (byLocale === undefined) bodies.set(look, (byLocale = new Map()))
    let body = byLocale.get(locale)
    if (body === undefined) byLocale.set(locale, (body = homePage({ issuer, discoveryUrl }, locale, look)))
    return securityHeaders(reply, [], look).type('text/html; charset=utf-8').send(body)
  }
  app.get('/', { config: { channel: 'html' } }, rootPage)
}
