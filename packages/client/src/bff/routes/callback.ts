/**
 * `GET <prefix>/callback`: the redirect URI. Takes this browser's sign-in transaction for the
 * response's `state` (once; transactions.ts), lets the core client validate the authorization
 * response (state, RFC 9207 `iss`, then `error`), exchange the code with PKCE and validate the ID
 * token (signature, iss, aud, nonce), then reads UserInfo (its `sub` checked against the ID
 * token's, OIDC Core §5.3.4) and creates the session under a fresh id, replacing any previous one
 * (session fixation; the previous one's grant is revoked). Tokens stay in the store; the browser
 * gets only the session cookie and a 302 to the transaction's `returnTo`.
 *
 * Every failure, an OP error such as `access_denied`, a forged or replayed callback, a failed
 * validation, an unreachable OP, is a 302 to `<errorPath>?auth_error=<code>` without a session:
 * never a 500, never tokens in a log line.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowSteps
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ClientValidationError, OAuthResponseError } from '../../errors.js'
import { errorLocation, type BffContext, type BffRouteOptions } from '../context.js'
import { createCsrfToken } from '../csrf.js'
import { isRefusal } from '../refusal.js'
import { safeReturnTo } from '../return-to.js'
import { sessionRecord, userFrom } from '../session.js'
import { takeTransaction } from '../transactions.js'

/**
 * The code for `auth_error`: the OP's error, our validation code, or `temporarily_unavailable`
 * when no verdict came (refusal.ts: unreachable, timeout, 408, 429, 5xx, a gateway's HTML page).
 */
function failureCode(err: unknown): string {
  // Status 0: an error authorization response, delivered by redirect; its code is the OP's verdict.
  if (err instanceof OAuthResponseError) return err.status === 0 || isRefusal(err) ? err.error : 'temporarily_unavailable'
  if (err instanceof ClientValidationError) return isRefusal(err) ? err.code : 'temporarily_unavailable'
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'temporarily_unavailable'
  return 'server_error'
}

/** The URL the OP redirected to, rebuilt from the configured redirect URI (never from `Host`). */
function callbackUrl(ctx: BffContext, request: FastifyRequest): URL {
  const url = new URL(ctx.options.redirectUri)
  const q = request.url.indexOf('?')
  url.search = q < 0 ? '' : request.url.slice(q)
  return url
}

export const callbackRoute: FastifyPluginAsync<BffRouteOptions> = async (app, { ctx }) => {
  const now = () => Math.floor(Date.now() / 1000)

  function fail(request: FastifyRequest, reply: FastifyReply, code: string, err?: unknown): FastifyReply {
    request.log.warn({ auth_error: code, err: err instanceof Error ? { name: err.name } : undefined }, 'latch bff: sign-in failed')
    return reply.header('cache-control', 'no-store').redirect(errorLocation(ctx, code), 302)
  }

  // The request line carries the authorization code and state: keep it out of the app's info-level request log.
  app.get('/callback', { logLevel: 'warn' }, async (request, reply) => {
    const { cookies } = ctx
    // This browser's transaction for this state, or none: a forged, replayed or stale callback
    // (RFC 6749 §10.12). Then nothing is removed, so the sign-in this browser has pending (in this
    // or another tab) still completes. The transaction cookie stays for those; it expires by itself.
    const state = (request.query as Record<string, unknown>).state
    const transaction = await takeTransaction(ctx.options.transactionStore, request.cookies[cookies.transaction], state)
    if (!transaction) return fail(request, reply, 'state_mismatch')

    let tokens
    let userinfo: Record<string, unknown> | undefined
    try {
      tokens = await ctx.client.handleCallback(callbackUrl(ctx, request), transaction)
      const sub = tokens.claims?.sub
      if (typeof sub !== 'string' || sub === '') return fail(request, reply, 'id_token_invalid')
      if (ctx.options.userinfo) {
        try {
          userinfo = await ctx.client.userinfo(tokens.accessToken, sub)
        } catch (err) {
          // A UserInfo answer about someone else is an attack, not an outage: no session.
          if (err instanceof ClientValidationError && err.code === 'subject_mismatch') throw err
          request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'latch bff: UserInfo failed; the profile is the ID token claims')
        }
      }
    } catch (err) {
      return fail(request, reply, failureCode(err), err)
    }

    const claims = tokens.claims as Record<string, unknown> & { sub: string }
    const user = userFrom(claims.sub, claims, userinfo)
    // Rotate: the previous session (if any) ends, the new one gets a new id. Its grant is revoked
    // too (best effort, RFC 7009): nobody holds its tokens any more.
    const previous = request.cookies[cookies.session]
    const replaced = previous === undefined ? null : await ctx.sessions.destroy(previous)
    if (replaced) {
      try {
        await ctx.client.revoke(replaced.refreshToken ?? replaced.accessToken, replaced.refreshToken !== null ? 'refresh_token' : 'access_token')
      } catch (err) {
        request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'latch bff: revoking the replaced session failed')
      }
    }
    const id = await ctx.sessions.create(sessionRecord(tokens, user, createCsrfToken(), now() + ctx.options.sessionTtl))
    reply.setCookie(cookies.session, id, cookies.options(ctx.options.sessionTtl))
    return reply.header('cache-control', 'no-store').redirect(safeReturnTo(transaction.returnTo, ctx.options.appOrigin), 302)
  })
}
