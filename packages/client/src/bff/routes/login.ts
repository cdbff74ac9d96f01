/**
 * `GET <prefix>/login?returnTo=/path`: starts the authorization code flow (RFC 6749 §4.1.1) with
 * PKCE S256, `state` and `nonce`, all made by the core client. The transaction is stored server
 * side under its state and bound to this browser by a short-lived HttpOnly cookie (transactions.ts;
 * sign-ins started in two tabs do not displace each other); the answer is a 302 to the OP.
 * `returnTo` must be a same-origin path, else `/` (return-to.ts: no open redirect); `prompt` is
 * passed on when it is one of OIDC Core's values (`prompt=none` lets an app
 * check for an SSO session without showing a page); `organization` (Latch's organizations) is
 * passed on when it is a plausible organization id, so a page can sign in for an organization or
 * switch to another with a fresh sign-in (silent with an SSO session); `{org_id}` in the
 * configured scope is then replaced by it (see `scopeFor`). A failure to reach the OP
 * is a redirect to the error path, never a 500.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import type { FastifyPluginAsync } from 'fastify'
import { errorLocation, type BffRouteOptions } from '../context.js'
import { safeReturnTo } from '../return-to.js'
import { saveTransaction } from '../transactions.js'

/** OIDC Core §3.1.2.1 prompt values (one at a time here; `none` cannot be combined anyway). */
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account'])
/** An organization id worth sending: Latch's ids are `[a-z0-9-]{1,64}`; the OP judges the rest. */
const ORGANIZATION = /^[A-Za-z0-9._-]{1,64}$/

/**
 * The scope of a sign-in: `{org_id}` in a configured value (a Latch scope template) becomes the
 * organization signed in for; without one, such values are left out (an unresolved template
 * names no organization and would only be dropped by the OP).
 */
export function scopeFor(scope: string, organization: string | undefined): string {
  return scope
    .split(' ')
    .flatMap((value) => (!value.includes('{org_id}') ? [value] : organization === undefined ? [] : [value.replaceAll('{org_id}', organization)]))
    .join(' ')
}

export const loginRoute: FastifyPluginAsync<BffRouteOptions> = async (app, { ctx }) => {
  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const returnTo = safeReturnTo(query.returnTo, ctx.options.appOrigin)
    const prompt = typeof query.prompt === 'string' && PROMPTS.has(query.prompt) ? query.prompt : undefined
    const organization = typeof query.organization === 'string' && ORGANIZATION.test(query.organization) ? query.organization : undefined
    let started
    try {
      started = await ctx.client.authorizationUrl({
        scope: scopeFor(ctx.options.scope, organization),
        ...(ctx.options.resource !== undefined && { resource: ctx.options.resource }),
        ...(prompt !== undefined && { prompt }),
        ...(organization !== undefined && { organization }),
        returnTo,
      })
    } catch (err) {
      request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'latch bff: cannot start sign-in')
      return reply.header('cache-control', 'no-store').redirect(errorLocation(ctx, 'temporarily_unavailable'), 302)
    }
    const id = await saveTransaction(ctx.options.transactionStore, request.cookies[ctx.cookies.transaction], started.transaction, ctx.options.transactionTtl)
    reply.setCookie(ctx.cookies.transaction, id, ctx.cookies.options(ctx.options.transactionTtl))
    return reply.header('cache-control', 'no-store').redirect(started.url.href, 302)
  })
}
