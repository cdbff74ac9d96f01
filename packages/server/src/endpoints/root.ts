/**
 * The issuer's root URL: a person who types it in (or follows an error page's way back) gets a
 * small HTML page naming the provider and linking its discovery document; a client that asks
 * for JSON (`Accept: application/json`, without `text/html`) gets `{ issuer, openid_configuration }`.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LatchContext } from '../context.js'
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

/** What the page needs of a tenant, computed on its first request to the root. */
interface RootOf {
  issuer: string
  discoveryUrl: string
  json: string
  /** Rendered once per look and language on first use: the page has no per-request content. */
  bodies: WeakMap<Look, Map<Locale, string>>
}

const perTenant = new WeakMap<LatchContext, RootOf>()

function rootOf(ctx: LatchContext): RootOf {
  let found = perTenant.get(ctx)
  if (found === undefined) {
    const { issuer } = ctx.config
    const discoveryUrl = `${issuer}${OPENID_CONFIGURATION_PATH}`
    found = { issuer, discoveryUrl, json: JSON.stringify({ issuer, openid_configuration: discoveryUrl }), bodies: new WeakMap() }
    perTenant.set(ctx, found)
  }
  return found
}

export const rootEndpoint: FastifyPluginAsync = async (app) => {
  async function rootPage(request: FastifyRequest, reply: FastifyReply) {
    const root = rootOf(request.latch)
    reply.header('vary', 'accept, accept-language')
    if (wantsJson(request.headers.accept)) return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(root.json)
    const locale = pageLocale(request)
    const look = pageLook(request)
    let byLocale = root.bodies.get(look)
    if (byLocale === undefined) root.bodies.set(look, (byLocale = new Map()))
    let body = byLocale.get(locale)
    if (body === undefined) byLocale.set(locale, (body = homePage({ issuer: root.issuer, discoveryUrl: root.discoveryUrl }, locale, look)))
    return securityHeaders(reply, [], look).type('text/html; charset=utf-8').send(body)
  }
  app.get('/', { config: { channel: 'html' } }, rootPage)
}
