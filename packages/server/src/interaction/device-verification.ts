/**
 * Device verification (RFC 8628 §3.3): the page at `verification_uri` where the user types the
 * `user_code` shown on the device, then signs in and approves or denies on the shared interaction
 * pages, which call back into `deviceKind` here.
 * - `GET /device` renders the form (an input labelled **Code**, a button **Continue**), prefilled
 *   from `?user_code=` (`verification_uri_complete`, §3.3.1), shown large with a request to check
 *   it against the device, and never auto-submitted: a link alone decides nothing; the user
 *   confirms the code on screen, which is the defence §5.4 recommends against remote phishing.
 * - `POST /device` checks the CSRF token, looks the normalized code up and starts an interaction;
 *   an unknown or expired code re-renders the form. Wrong codes are throttled per code, per
 *   source (IPv4 address; IPv6 /64, /56 and /48) and over every source (issue 8), because the user
 *   code is short enough to brute-force (§5.1: "rate limit ... user code"), by the login
 *   throttle, so with Redis the budgets are shared by every node (issue 4).
 * - Consent is always shown (§5.4: the user must see which client asks for what, since a phisher
 *   can relay a code from their own device), names the client, shows the code again beside
 *   **Allow**, and a remembered consent never skips it. Only its CSRF-checked POST approves.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.4
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LatchContext } from '../context.js'
import { PATHS } from '../context.js'
import { csrfToken, CSRF_FIELD, verifyCsrf } from '../endpoints/_pipeline/csrf.js'
import type { RawParams } from '../endpoints/_pipeline/form-body.js'
import { requireFormBody } from '../endpoints/_pipeline/form-body.js'
import { rejectDuplicateParams } from '../endpoints/_pipeline/reject-duplicate-params.js'
import { securityHeaders } from '../endpoints/_pipeline/security-headers.js'
import { hashHandle } from '../lib/random.js'
import { USER_CODE_LENGTH, displayUserCode, normalizeUserCode } from '../rules/user-code.js'
import { notChecked } from '../users/login-throttle.js'
import { beginInteraction } from './begin.js'
import type { InteractionKind, InteractionOutcome } from './kinds.js'
import { interactionScope } from './kinds.js'
import { errorPage, html, page } from './views/layout.js'

export const INVALID_CODE = 'That code is not valid or has expired. Check the code on your device and try again.'
const EXPIRED_TITLE = 'Code expired'
const EXPIRED_MESSAGE = 'This code has expired or was already used. Start again on your device to get a new code.'
/** Longest input echoed back into the form: the code is 9 characters, so anything longer is noise. */
const MAX_ECHO = 32

/**
 * The code entry page. Reached through `verification_uri_complete` (`confirm`), the code is
 * already filled in, shown large, and the user is asked to compare it with the device before
 * continuing: RFC 8628 §5.4 ("remote phishing") is defeated only by that comparison, so the page
 * never submits itself. Every value is escaped by `html```.
 */
export function deviceCodePage(ctx: LatchContext, csrf: string, value: string, error?: string, confirm = false): string {
  const shown = confirm ? displayUserCode(value.slice(0, MAX_ECHO)) : value.slice(0, MAX_ECHO)
  return page(
    'Connect a device',
    html`<h1>Connect a device</h1>
${confirm
    ? html`<p id="user_code_hint">Check that this code is the one your device shows. Continue only if it matches and you started signing in on that device yourself.</p>`
    : html`<p id="user_code_hint">Enter the code shown on your device.</p>`}
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${ctx.urls.device_verification}">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<label for=user_code>Code</label>
<input type="text" id="user_code" name="user_code" class="user-code" value="${shown}" aria-describedby="user_code_hint" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus>
<button type="submit">Continue</button>
</form>`,
  )
}

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return securityHeaders(reply).status(status).type('text/html; charset=utf-8').send(body)
}

function renderForm(ctx: LatchContext, request: FastifyRequest, reply: FastifyReply, status: number, value: string, error?: string, confirm = false): FastifyReply {
  return sendPage(reply, status, deviceCodePage(ctx, csrfToken(ctx, request, reply), value, error, confirm))
}

export const deviceVerificationPages: FastifyPluginAsync = async (app) => {
  const ctx = app.latch

  app.get(PATHS.device_verification, { config: { channel: 'html' } }, async (request, reply) => {
    const prefill = (request.query as Record<string, unknown> | undefined)?.user_code
    const value = typeof prefill === 'string' ? prefill : ''
    return renderForm(ctx, request, reply, 200, value, undefined, value !== '')
  })

  app.post(PATHS.device_verification, { config: { channel: 'html' }, preValidation: requireFormBody }, async (request, reply) => {
    const params = rejectDuplicateParams(request.body as RawParams)
    verifyCsrf(ctx, request, params)
    const input = params.user_code ?? ''
    const code = normalizeUserCode(input)
    // RFC 8628 §5.1: per source (the throttle counts an IPv6 /64 as one) and in total; the
    // per-"account" key is the code itself, so retrying one mistyped code is bounded too.
    // Prefixed so it never shares a bucket with sign-in.
    const account = `device:${code}`
    // A short or empty code is a typo, not a guess: answered without spending the budget.
    if (code.length !== USER_CODE_LENGTH) return renderForm(ctx, request, reply, 400, input, INVALID_CODE)
    const attempt = await ctx.throttle.attempt(account, request.ip)
    if (!attempt.allowed) {
      reply.header('retry-after', String(attempt.retryAfter))
      const minutes = Math.ceil(attempt.retryAfter / 60)
      return renderForm(ctx, request, reply, 429, input, `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`)
    }
    const now = ctx.clock.now()
    const userCodeHash = hashHandle(code)
    const record = await ctx.store.deviceCodes.getByUserCode(userCodeHash, now).catch(notChecked(attempt))
    if (!record || record.status !== 'pending' || record.expires_at <= now) {
      return renderForm(ctx, request, reply, 400, input, INVALID_CODE)
    }
    await attempt.succeeded()
    securityHeaders(reply)
    return beginInteraction(ctx, reply, {
      kind: 'device',
      client_id: record.client_id,
      // The code in clear too, only so the consent page can show it for the user to compare with
      // the device (§5.4). Storing it adds no exposure: 34.5 bits, so its hash beside it would be
      // inverted in seconds; and it lives no longer than the device code.
      params: { user_code_hash: userCodeHash, user_code: displayUserCode(code), scope: record.scope, resource: record.resource },
      ip: request.ip,
    })
  })
}

function userCodeHashOf(outcome: InteractionOutcome): string | null {
  const value = outcome.interaction.params.user_code_hash
  return typeof value === 'string' && value !== '' ? value : null
}

/** What the device flow does at the end of the shared login and consent pages. */
export const deviceKind: InteractionKind = {
  // RFC 8628 §5.4: always ask; remembered consent or skip_consent would let a relayed code through unseen.
  async needsConsent() {
    return true
  },
  // The user is at the keyboard typing a code; an existing session is enough (no prompt/max_age here).
  requiresFreshLogin() {
    return false
  },
  async approve(outcome) {
    const { ctx, reply, interaction, client, session } = outcome
    const hash = userCodeHashOf(outcome)
    // Never grant more than the device asked for, whatever the consent form posted.
    const requested = new Set(interactionScope(interaction))
    const granted = outcome.scope.filter((s) => requested.has(s))
    const decided = hash !== null && (await ctx.store.deviceCodes.decide(
      hash,
      {
        status: 'approved',
        user_id: session.user.id,
        auth_time: session.session.auth_time,
        session_id: session.session.id,
        granted_scope: granted.join(' '),
      },
      ctx.clock.now(),
    ))
    if (!decided) return sendPage(reply, 400, errorPage(EXPIRED_TITLE, EXPIRED_MESSAGE))
    ctx.events.emit('device_code.approved', { client_id: client.client_id, user_id: session.user.id })
    return sendPage(
      reply,
      200,
      page('Device connected', html`<h1>Device connected</h1>
<p>${client.client_name} is now connected to your account.</p>
<p>You can return to your device.</p>`),
    )
  },
  async deny(outcome) {
    const { ctx, reply, client, session } = outcome
    const hash = userCodeHashOf(outcome)
    const decided = hash !== null && (await ctx.store.deviceCodes.decide(
      hash,
      { status: 'denied', user_id: session.user.id, auth_time: session.session.auth_time, session_id: session.session.id, granted_scope: null },
      ctx.clock.now(),
    ))
    // Already decided elsewhere (or expired): saying "denied" could hide that another tab approved.
    if (!decided) return sendPage(reply, 400, errorPage(EXPIRED_TITLE, EXPIRED_MESSAGE))
    ctx.events.emit('device_code.denied', { client_id: client.client_id, user_id: session.user.id })
    return sendPage(
      reply,
      200,
      page('Access denied', html`<h1>Access denied</h1>
<p>${client.client_name} was not connected to your account.</p>
<p>You can close this page.</p>`),
    )
  },
}
