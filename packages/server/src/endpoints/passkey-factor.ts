/**
 * Issue 13: a passkey as the second factor, and the offer to add one right after sign-up, HTTP
 * only (decisions in interaction/passkey-factor.ts and interaction/passkey-offer.ts). Every POST
 * carries the CSRF token, whose value (equal to the `latch_csrf` cookie's) also binds a ceremony's
 * challenge to the browser, as for the passkey sign-in (endpoints/passkeys.ts).
 * - `POST /interaction/:id/mfa/passkey/options` (JSON: request options listing the pending user's
 *   passkeys; 404 `{}` when nothing is pending in this browser or the user has none);
 * - `POST /interaction/:id/mfa/passkey` (`csrf`, `response`): 303 onwards, or the second-factor
 *   page again, 401, with one alert whatever refused (303 to the interaction page when the
 *   second-factor challenge is gone);
 * - `POST /interaction/:id/passkey/offer/options` (JSON: creation options; 403 `{}` unless this is
 *   the interaction's own recent session), `POST /interaction/:id/passkey/offer` (`csrf`,
 *   `response`): 303 to the interaction page, or the offer again (400) with an alert.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import { seeOther, type Outcome } from '../interaction/outcome.js'
import { passkeySecondFactor, secondFactorPasskeyOptions } from '../interaction/passkey-factor.js'
import { offerSession } from '../interaction/passkey-offer.js'
import { assertPasskeys, registerPasskey, registrationOptions } from '../interaction/passkeys.js'
import type { LoadedInteraction } from '../interaction/pages.js'
import { secondFactorForm } from '../interaction/second-factor.js'
import { productName } from '../interaction/views/branding.js'
import { messagesFor } from '../interaction/views/locales.js'
import { passkeyOfferPage } from '../interaction/views/passkeys.js'
import type { CookieChange } from '../sessions/idp-session.js'
import { csrfToken } from './_pipeline/csrf.js'
import { requireFormBody } from './_pipeline/form-body.js'
import { pageLook } from './_pipeline/page-look.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies } from './_pipeline/session-cookie.js'
import { html, load, localeOf, type InteractionRequest } from './interaction.js'
import { renderSecondFactor } from './mfa.js'
import { passkeysScriptUrl } from './passkey-assets.js'
import { checkedForm, json } from './passkeys.js'


async function secondFactorOptions(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const l = await load(request)
  const { browser } = checkedForm(request)
  const options = await secondFactorPasskeyOptions(ctx, l.interaction, request.cookies, browser)
  return options === null ? json(reply, 404, {}) : json(reply, 200, options)
}

async function submitSecondFactor(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const l = await load(request)
  const { params, browser } = checkedForm(request)
  const result = await passkeySecondFactor(ctx, l.interaction, { response: params.response, browser, ip: request.ip, cookies: request.cookies })
  if (result.type === 'signed_in' || result.type === 'gone' || result.type === 'enrolled') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  const form = await secondFactorForm(ctx, l.interaction, request.cookies)
  if (form === null) return sendOutcome(reply, seeOther(`${ctx.urls.interaction}/${l.interaction.id}`))
  const m = messagesFor(localeOf(request, l), pageLook(request))
  return renderSecondFactor(request, reply, l, form, 401, undefined, m.passkeys.secondFactorFailed)
}

const offerBase = (ctx: LatchContext, l: LoadedInteraction) => `${ctx.urls.interaction}/${l.interaction.id}/passkey/offer`

/** The offer page (with the cookies of the sign-in that just happened), or again after a failed attempt. */
export function renderPasskeyOffer(request: FastifyRequest, reply: FastifyReply, l: LoadedInteraction, cookies: CookieChange[], status = 200, error?: string): FastifyReply {
  const ctx = request.latch
  const base = offerBase(ctx, l)
  return html(applyCookies(reply, cookies), l, status, passkeyOfferPage({
    csrf: csrfToken(ctx, request, reply),
    action: base,
    options: `${base}/options`,
    continueHref: `${ctx.urls.interaction}/${l.interaction.id}`,
    script: passkeysScriptUrl(ctx),
    error,
  }, localeOf(request, l), pageLook(request)), 'passkey/offer/options')
}

/** A sign-up's signed-in answer: the offer when it is due, else the redirect onwards. */
export function sendSignedUp(request: FastifyRequest, reply: FastifyReply, result: { cookies: CookieChange[]; outcome: Outcome; offerPasskey: LoadedInteraction | null }): FastifyReply {
  if (result.offerPasskey !== null) return renderPasskeyOffer(request, reply, result.offerPasskey, result.cookies)
  return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
}

async function offerOptions(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const l = await load(request)
  const { browser } = checkedForm(request)
  const active = await offerSession(ctx, l, request.cookies)
  const options = active && (await registrationOptions(ctx, active, browser, productName(pageLook(request).branding)))
  return !options || options === 'too_many' ? json(reply, 403, {}) : json(reply, 200, options)
}

async function submitOffer(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  assertPasskeys(ctx)
  const l = await load(request)
  const { params, browser } = checkedForm(request)
  const onwards = seeOther(`${ctx.urls.interaction}/${l.interaction.id}`)
  const active = await offerSession(ctx, l, request.cookies)
  // Not this interaction's recent session: nothing to add here; on to where Not now goes.
  if (active === null) return sendOutcome(reply, onwards)
  const m = messagesFor(localeOf(request, l), pageLook(request)).passkeys
  const result = await registerPasskey(ctx, active, { response: params.response, name: m.defaultName, browser, ip: request.ip })
  if (result.type === 'registered') return sendOutcome(reply, onwards)
  return renderPasskeyOffer(request, reply, l, [], 400, m.registerFailed)
}

export const passkeyFactorPages: FastifyPluginAsync = async function passkeyFactorPages(app) {
  const html = { config: { channel: 'html' as const }, preValidation: requireFormBody }
  const jsonForm = { config: { channel: 'json' as const }, preValidation: requireFormBody }
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/mfa/passkey/options`, jsonForm, secondFactorOptions)
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/mfa/passkey`, html, submitSecondFactor)
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/passkey/offer/options`, jsonForm, offerOptions)
  app.post<{ Params: { id: string } }>(`${PATHS.interaction}/:id/passkey/offer`, html, submitOffer)
}
