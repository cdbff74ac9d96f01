/**
 * The interaction pages, HTTP only: sign-in, the organization step (issue 10: picker or
 * not-a-member page, authorization requests only) and consent, the same for every kind of
 * interaction (authorization request, device verification). GET shows whatever step is next; the forms POST
 * back with a CSRF token. What each step decides is in `interaction/pages.ts`; here the
 * parameters are read, the CSRF token checked, cookies set, pages rendered and outcomes sent.
 * A throttled sign-in says when to retry (Retry-After and on the page).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.16
 */
import { emailMethodOn } from '../interaction/email-sign-in.js'
import { shownUser } from '../rules/placeholder-email.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS, type LatchContext } from '../context.js'
import { isOrganizationScope } from '../rules/organization.js'
import {
  assertPasswordSignIn,
  chooseOrganization,
  decideConsent,
  loadInteraction,
  nextStep,
  signIn,
  verifiedRedirectUri,
  type LoadedInteraction,
  type OrganizationForm,
} from '../interaction/pages.js'
import { seeOther, type Outcome } from '../interaction/outcome.js'
import { consentPage, describeResource, describeScopes } from '../interaction/views/consent.js'
import { loginPage } from '../interaction/views/login.js'
import type { Locale } from '../interaction/views/locales.js'
import { messagesFor } from '../interaction/views/locales.js'
import type { Messages } from '../interaction/views/messages.js'
import type { RegisteredConnection } from '../connections/registry.js'
import { notMemberPage, organizationPickerPage } from '../interaction/views/organization.js'
import { csrfToken, verifyCsrf } from './_pipeline/csrf.js'
import { requireFormBody, type RawParams } from './_pipeline/form-body.js'
import { rejectDuplicateParams } from './_pipeline/reject-duplicate-params.js'
import { securityHeaders } from './_pipeline/security-headers.js'
import { sendOutcome } from './_pipeline/send-outcome.js'
import { applyCookies } from './_pipeline/session-cookie.js'
import { pageLocale } from './_pipeline/page-locale.js'
import { noteWayBack } from './_pipeline/way-back.js'
import { noteLook, pageLook } from './_pipeline/page-look.js'
import { lookFor, requestedOrganization, tenantLook } from '../interaction/page-look.js'
import { connectionStartUrl, identify, prefilledEmail, signInButtons } from '../interaction/home-realm.js'
import { connectionRedirectPage, identifyPage } from '../interaction/views/identify.js'
import { passkeyButton } from './passkey-assets.js'
import { renderSecondFactor } from './mfa.js'
import { resetAvailable } from '../interaction/password-reset.js'
import { signUpAllowed } from '../interaction/sign-up.js'
import { verificationRequiredPage } from '../interaction/views/sign-up.js'

export type InteractionRequest = FastifyRequest<{ Params: { id: string } }>

/** The interaction's language: its request's `ui_locales`, else the browser's (every page of one interaction alike). */
export function localeOf(request: FastifyRequest, l: LoadedInteraction): Locale {
  return pageLocale(request, l.interaction.params.ui_locales ?? [])
}

export async function load(request: InteractionRequest): Promise<LoadedInteraction> {
  return adoptInteraction(request, await loadInteraction(request.latch, request.params.id))
}

/** This request's pages belong to interaction `l`: its way back, language and look (issue 13: also a sign-in link's pages). */
export async function adoptInteraction(request: FastifyRequest, l: LoadedInteraction): Promise<LoadedInteraction> {
  const ctx = request.latch
  noteWayBack(request, l.client, verifiedRedirectUri(l.interaction))
  // Chosen now, so that an error later in this request is shown in the interaction's language
  // (and, issue 11, with the branding of the organization it names) too.
  localeOf(request, l)
  noteLook(request, await lookFor(ctx, requestedOrganization(l.interaction)))
  return l
}

/**
 * A page whose form may end in the client's redirect (CSP form-action covers the redirect chain).
 * Issue 13: `passkeyOptions`, the path under this interaction that the passkey script fetches its
 * options from (`passkey/options`, `mfa/passkey/options`, `passkey/offer/options`), for the pages
 * that run it.
 */
export function html(reply: FastifyReply, l: LoadedInteraction, status: number, body: string, passkeyOptions?: string): FastifyReply {
  const uri = verifiedRedirectUri(l.interaction)
  const ctx = reply.request.latch
  // Review L8: CSP names the one script and the one URL it fetches (options of this interaction), not the whole origin.
  const options = passkeyOptions === undefined ? {} : { scripts: { script: `${ctx.urls.issuer}${PATHS.passkeys_script}`, connect: `${ctx.urls.interaction}/${l.interaction.id}/${passkeyOptions}` } }
  return securityHeaders(reply, uri === undefined ? [] : [uri], pageLook(reply.request), options).status(status).type('text/html; charset=utf-8').send(body)
}

/** Issue 12: the notice `?notice=…&connection=…` names, in the page's words; unknown values are ignored. */
function noticeText(all: Messages, query: Record<string, string | undefined>, connections: readonly RegisteredConnection[]): string | undefined {
  const messages = all.login
  const name = connections.find((c) => c.id === query.connection)?.display_name
  switch (query.notice) {
    case 'account_unusable':
      return messages.accountUnusable
    // Issue 12: required SSO refused a sign-in through another connection.
    case 'connection_required':
      return all.homeRealm.connectionRequired
    case 'connection_cancelled':
      return name === undefined ? undefined : messages.noticeCancelled(name)
    case 'connection_failed':
      return name === undefined ? undefined : messages.noticeFailed(name)
    case 'connection_unavailable':
      return name === undefined ? undefined : messages.noticeUnavailable(name)
    default:
      return undefined
  }
}

/** The organization connection a `connection_required` notice names, as a link to its start. */
function requiredConnectionLink(ctx: LatchContext, l: LoadedInteraction, query: Record<string, string | undefined>, connections: readonly RegisteredConnection[]) {
  if (query.notice !== 'connection_required') return undefined
  const required = connections.find((c) => c.id === query.connection && c.enabled && c.organization_id !== null)
  return required === undefined ? undefined : { name: required.display_name, href: connectionStartUrl(ctx, required.id, l.interaction.id) }
}

/** Also the answer of a passwordless request the sign-in page must show again (issue 13, endpoints/email-sign-in.ts). */
export async function renderLogin(
  request: FastifyRequest,
  reply: FastifyReply,
  l: LoadedInteraction,
  status = 200,
  error?: string,
  email?: string,
  requiredConnection?: { name: string; href: string },
): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = localeOf(request, l)
  // Buttons come from the registry (no upstream is called to draw the page); organization connections are not buttons.
  const connections = await ctx.connections.list()
  const query = request.method === 'GET' ? (request.query as Record<string, string | undefined>) : {}
  const csrf = csrfToken(ctx, request, reply)
  return html(reply, l, status, loginPage({
    action: `${ctx.urls.interaction}/${l.interaction.id}/login`,
    csrf,
    clientName: l.client.client_name,
    // Issue 12: the email typed on the identify page, else an email login_hint.
    email: email ?? prefilledEmail(l.interaction),
    error,
    connections: await signInButtons(ctx, l.interaction),
    password: ctx.config.sign_in.password,
    position: ctx.config.sign_in.connections,
    notice: noticeText(messagesFor(locale, pageLook(request)), query, connections),
    // Issue 12: required SSO, on the password form or refused after a sign-in through another connection.
    requiredConnection: requiredConnection ?? requiredConnectionLink(ctx, l, query, connections),
    // Issue 13: the passkey button and autofill.
    passkey: ctx.config.passkeys.enabled ? passkeyButton(ctx, l, csrf) : undefined,
    // Issue 13: back from a password reset (good news, not an alert).
    info: query.notice === 'password_reset' ? messagesFor(locale, pageLook(request)).reset.doneNotice : undefined,
    forgotHref: resetAvailable(ctx) ? `${ctx.urls.interaction}/${l.interaction.id}/forgot` : undefined,
    signUpHref: signUpAllowed(ctx, l.client) ? `${ctx.urls.interaction}/${l.interaction.id}/signup` : undefined,
    // Issue 13: passwordless email.
    emailSignIn: { action: `${ctx.urls.interaction}/${l.interaction.id}/email`, link: emailMethodOn(ctx, 'magic_link'), code: emailMethodOn(ctx, 'email_code') },
  }, locale, pageLook(request)), ctx.config.passkeys.enabled ? 'passkey/options' : undefined)
}

/** Issue 12: home-realm discovery's email-first page, posting to `/interaction/:id/identify`. */
async function renderIdentify(request: FastifyRequest, reply: FastifyReply, l: LoadedInteraction, status = 200, error?: string, email?: string): Promise<FastifyReply> {
  const ctx = request.latch
  const locale = localeOf(request, l)
  const connections = await ctx.connections.list()
  const query = request.method === 'GET' ? (request.query as Record<string, string | undefined>) : {}
  const csrf = csrfToken(ctx, request, reply)
  return html(reply, l, status, identifyPage({
    action: `${ctx.urls.interaction}/${l.interaction.id}/identify`,
    csrf,
    clientName: l.client.client_name,
    email,
    error,
    connections: await signInButtons(ctx, l.interaction),
    notice: noticeText(messagesFor(locale, pageLook(request)), query, connections),
    requiredConnection: requiredConnectionLink(ctx, l, query, connections),
    // Issue 13: the passkey button and autofill, as on the sign-in page.
    passkey: ctx.config.passkeys.enabled ? passkeyButton(ctx, l, csrf) : undefined,
  }, locale, pageLook(request)), ctx.config.passkeys.enabled ? 'passkey/options' : undefined)
}

/** Issue 10: the picker, or the not-a-member page, posting to `/interaction/:id/organization`. */
function renderOrganization(request: FastifyRequest, reply: FastifyReply, l: LoadedInteraction, form: OrganizationForm): FastifyReply {
  const ctx = request.latch
  const common = {
    action: `${ctx.urls.interaction}/${l.interaction.id}/organization`,
    csrf: csrfToken(ctx, request, reply),
    clientName: l.client.client_name,
    userEmail: shownUser(form.session.user),
  }
  const locale = localeOf(request, l)
  const { page } = form
  // Issue 11: the organization asked for is not one of the user's: its branding would name it.
  const look = page.type === 'not_member' || page.notMember ? noteLook(request, tenantLook(ctx)) : pageLook(request)
  const error = form.error && messagesFor(locale, look).organization[form.error]
  const body = page.type === 'not_member'
    ? notMemberPage({ ...common, error, required: page.required }, locale, look)
    : organizationPickerPage({
      error,
      ...common,
      organizations: page.memberships.map((m) => ({ id: m.organization.id, name: m.organization.name })),
      truncated: page.truncated,
      notMember: page.notMember,
    }, locale, look)
  return html(reply, l, form.status, body)
}

/** A kind's end: its page keeps the interaction's form targets; responses and redirects go as they are. */
function finish(reply: FastifyReply, l: LoadedInteraction, outcome: Outcome): FastifyReply {
  return outcome.type === 'page' ? html(reply, l, outcome.status, outcome.html) : sendOutcome(reply, outcome)
}

async function showNextStep(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const step = await nextStep(ctx, l, request.cookies, { returning: typeof (request.query as RawParams).notice === 'string' })
  if (step.type === 'login_form') return renderLogin(request, reply, l)
  if (step.type === 'identify_form') return renderIdentify(request, reply, l)
  if (step.type === 'organization_form') return renderOrganization(request, reply, l, step)
  // Issue 13: the pending second factor (or forced enrolment), and the start of a step-up.
  if (step.type === 'second_factor_form') return renderSecondFactor(request, reply, l, step)
  if (step.type === 'second_factor_started') return sendOutcome(applyCookies(reply, step.cookies), step.outcome)
  if (step.type === 'consent_form') {
    const { interaction, client } = l
    const { grant } = step
    const locale = localeOf(request, l)
    // Issue 11: the organization the grant acts for, however the step settled it.
    const look = grant.organization ? noteLook(request, await lookFor(ctx, grant.organization.id)) : pageLook(request)
    return html(reply, l, 200, consentPage({
      action: `${ctx.urls.interaction}/${interaction.id}/consent`,
      csrf: csrfToken(ctx, request, reply),
      clientName: client.client_name,
      userEmail: shownUser(step.session.user),
      // The organization has a line of its own rather than a scope entry.
      scopes: describeScopes(grant.scope.filter((s) => !isOrganizationScope(s)), ctx.config.scopes, grant.descriptions, locale, look),
      resource: describeResource(step.resource, ctx.config),
      organization: grant.organization && { id: grant.organization.id, name: grant.organization.name },
      grantedScope: grant.scope.join(' '),
      notGranted: grant.refused,
      deviceNotice: interaction.kind === 'device',
      userCode: typeof interaction.params.user_code === 'string' ? interaction.params.user_code : undefined,
    }, locale, look))
  }
  return finish(reply, l, step)
}

async function submitLogin(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  assertPasswordSignIn(ctx)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const result = await signIn(ctx, l, { email: params.email, password: params.password, ip: request.ip, cookies: request.cookies })
  if (result.type === 'signed_in') return sendOutcome(applyCookies(reply, result.cookies), result.outcome)
  if (result.reason === 'connection_required') {
    const m = messagesFor(localeOf(request, l), pageLook(request))
    return renderLogin(request, reply, l, result.status, m.homeRealm.connectionRequired, result.email, result.connection)
  }
  if (result.reason === 'verification_required') {
    return html(reply, l, result.status, verificationRequiredPage({
      email: result.email,
      csrf: csrfToken(ctx, request, reply),
      resendAction: `${ctx.urls.interaction}/${l.interaction.id}/signup/resend`,
    }, localeOf(request, l), pageLook(request)))
  }
  if (result.reason === 'throttled') {
    reply.header('retry-after', String(result.retryAfter))
    return renderLogin(request, reply, l, result.status, messagesFor(localeOf(request, l), pageLook(request)).login.throttled(result.retryAfter), result.email)
  }
  return renderLogin(request, reply, l, result.status, messagesFor(localeOf(request, l), pageLook(request)).login.badCredentials, result.email)
}

/**
 * Issue 12: the identify page's email. An email of an organization's domain with a connection
 * gets a page that continues to that connection (200, see `connectionRedirectPage` for why not a
 * redirect); any other is kept on the interaction, and the password page shows it.
 */
async function submitIdentify(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const email = (params.email ?? '').trim().toLowerCase()
  if (!/^[^\s@\u0000]+@[^\s@\u0000]+$/.test(email) || email.length > 320) {
    return renderIdentify(request, reply, l, 400, messagesFor(localeOf(request, l), pageLook(request)).homeRealm.invalidEmail, email.slice(0, 320))
  }
  const found = await identify(ctx, l.interaction, email)
  if (found === null) return sendOutcome(reply, seeOther(`${ctx.urls.interaction}/${l.interaction.id}`))
  return html(reply, l, 200, connectionRedirectPage({
    organizationName: found.organizationName,
    connectionName: found.connection.display_name,
    location: found.location,
  }, localeOf(request, l), pageLook(request)))
}

async function submitConsent(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  return finish(reply, l, await decideConsent(ctx, l, params.decision, request.cookies, params.scope))
}

async function submitOrganization(request: InteractionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = request.latch
  const l = await load(request)
  const params = rejectDuplicateParams(request.body as RawParams)
  verifyCsrf(ctx, request, params)
  const answer = await chooseOrganization(ctx, l, { organization: params.organization, decision: params.decision }, request.cookies)
  return answer.type === 'organization_form' ? renderOrganization(request, reply, l, answer) : finish(reply, l, answer)
}

export const interactionPages: FastifyPluginAsync = async function interactionPages(app) {
  const base = PATHS.interaction
  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { channel: 'html' } }, showNextStep)
  app.post<{ Params: { id: string } }>(`${base}/:id/login`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitLogin)
  app.post<{ Params: { id: string } }>(`${base}/:id/identify`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitIdentify)
  app.post<{ Params: { id: string } }>(`${base}/:id/consent`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitConsent)
  app.post<{ Params: { id: string } }>(`${base}/:id/organization`, { config: { channel: 'html' }, preValidation: requireFormBody }, submitOrganization)
}
