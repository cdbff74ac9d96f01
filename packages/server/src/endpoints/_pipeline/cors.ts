/**
 * CORS for the endpoints a browser app calls directly: SPAs and other public clients exchange
 * codes and refresh tokens at the token endpoint, call UserInfo, revoke tokens and start device
 * flows from JavaScript (RFC 9700 §2.1.1 recommends the code flow with PKCE for them, which
 * needs this). `Access-Control-Allow-Origin: *` without credentials is safe here: these endpoints
 * never read cookies, so a cross-origin page gains nothing it could not do with its own fetch.
 * Pages (authorize, login, consent, logout) and introspection (confidential clients only) are
 * not listed.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import { PATHS } from '../../context.js'

const CORS_PATHS: readonly string[] = [PATHS.token, PATHS.userinfo, PATHS.revocation, PATHS.device_authorization]

/** onSend of the CORS routes only (callback style: no promise per response). */
function corsHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  reply.header('access-control-allow-origin', '*')
  reply.header('access-control-expose-headers', 'WWW-Authenticate, Retry-After')
  done(null, payload)
}

export const corsForBrowserApps: FastifyPluginAsync = async (app) => {
  // A hook on the routes of CORS_PATHS, not one on every response that looks the path up.
  app.addHook('onRoute', (route) => {
    if (!CORS_PATHS.includes(route.url)) return
    const own = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]
    if (!own.includes(corsHeaders)) route.onSend = [...own, corsHeaders as onSendHookHandler]
  })
  for (const path of CORS_PATHS) {
    const methods = path === PATHS.userinfo ? 'GET, POST' : 'POST'
    app.options(path, async function corsPreflight(_request: FastifyRequest, reply: FastifyReply) {
      return reply
        .status(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', methods)
        .header('access-control-allow-headers', 'Authorization, Content-Type, DPoP')
        .header('access-control-max-age', '600')
        .send()
    })
  }
}

// The onSend hook must see routes registered by the other endpoint plugins (what fastify-plugin does).
Object.assign(corsForBrowserApps, { [Symbol.for('skip-override')]: true })
