/**
 * What the interaction pages decide (sign-in, the organization step of authorization requests,
 * and consent, the same for every kind of interaction: authorization request, device
 * verification), without HTTP: `endpoints/interaction.ts` parses,
 * checks the CSRF token, calls these, sets the cookies they return and renders or sends what they
 * answer. Sign-in failures say the same thing whether or not the email exists and take the same
 * time (argon2 runs against a dummy hash); repeated failures are throttled per account and
 * source, per source, and slowed per account (across nodes when Redis is configured;
 * users/login-throttle.ts), and a success leaves a device cookie (sessions/device-cookie.ts) and
 * joins the organizations of a verified email's domain (issue 10).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authenticates
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.16
 */
import type { LatchContext } from '../context.js'
import { AccessDeniedError, InvalidRequestError } from '../errors.js'
import { membershipOf } from '../organizations/membership.js'
import { ORGANIZATION_ID } from '../rules/organization.js'
import { rememberDevice, trustedDevice } from '../sessions/device-cookie.js'
import { currentSession, type ActiveSession, type CookieChange, type CookieJar } from '../sessions/idp-session.js'
import type { ClientRecord, InteractionRecord, SessionRecord, UserRecord } from '../storage/store.js'
import { accountOf, notChecked } from '../users/login-throttle.js'
import { verifyPassword } from '../users/password-hash.js'
import { authorizationKind, redirectTarget, requestOf } from './authorization-kind.js'
import { notMemberDescription } from './authorization-decision.js'
import type { GrantedScope } from './granted-scope.js'
import { organizationStep, type OrganizationPage } from './organization-step.js'
import { signedIn } from './begin.js'
import { gateFirstFactor, secondFactorDue, secondFactorForm, startStepUp, type SecondFactorForm } from './second-factor.js'
import { finishSignIn } from './session-start.js'
import { deviceKind } from './device-verification.js'
import { accountClient, accountKind } from './account-kind.js'
import { interactionResource, type InteractionKind } from './kinds.js'
import { authorizationError, seeOther, type Outcome } from './outcome.js'
import { connectionStartUrl, signInStep } from './home-realm.js'
import { requiredConnectionForEmail, requiredConnectionForMember, type OrganizationConnection } from '../federation/organization-rules.js'
import { isDisabled } from '../users/disabled.js'

const KINDS: Record<InteractionRecord['kind'], InteractionKind> = {
  authorization: authorizationKind,
  device: deviceKind,
  // Issue 13: signing in to the account page (its built-in client is not in the clients table).
  account: accountKind,
}

const ID_PATTERN = /^[0-9a-f-]{36}$/

export interface LoadedInteraction {
  interaction: InteractionRecord
  client: ClientRecord
  kind: InteractionKind
}

/** The pending interaction `id` names and its client; an error page when it is gone. */
export async function loadInteraction(ctx: LatchContext, id: string): Promise<LoadedInteraction> {
  const interaction = ID_PATTERN.test(id) ? await ctx.store.interactions.get(id, ctx.clock.now()) : null
  if (!interaction) throw new InvalidRequestError('This sign-in request has expired or was already completed. Return to the application and start again.')
  const client = interaction.kind === 'account' ? accountClient(ctx) : await ctx.clients.get(interaction.client_id)
  if (!client) throw new InvalidRequestError('This application is no longer registered.')
  return { interaction, client, kind: KINDS[interaction.kind] }
}

/** The redirect URI stored with the interaction, verified against the registration when it began. */
export function verifiedRedirectUri(interaction: InteractionRecord): string | undefined {
  const uri = interaction.params.redirect_uri
  return typeof uri === 'string' ? uri : undefined
}

/** The session this interaction was signed in with, if the browser still holds it. */
async function interactionSession(ctx: LatchContext, l: LoadedInteraction, cookies: CookieJar): Promise<ActiveSession | null> {
  if (!l.interaction.user_id) return null
  const session = await currentSession(ctx, cookies)
  return session && session.session.id === l.interaction.session_id ? session : null
}

/** What the interaction page shows next: the sign-in form, the organization step, the consent form, or the kind's end. */
export type NextStep =
  | { type: 'login_form' }
  /** Issue 12: home-realm discovery asks for the email first. */
  | { type: 'identify_form' }
  | OrganizationForm
  | { type: 'consent_form'; session: ActiveSession; grant: GrantedScope; resource: string | null }
  /** Issue 13: this browser's pending second factor (or forced enrolment). */
  | SecondFactorForm
  /** Issue 13: a step-up began: set the challenge's cookie, then the interaction page again. */
  | { type: 'second_factor_started'; cookies: CookieChange[]; outcome: Outcome }
  | Outcome

/** The organization step's page (picker or not-a-member), with why it is shown again after a refused choice. */
export interface OrganizationForm {
  type: 'organization_form'
  session: ActiveSession
  page: OrganizationPage
  status: number
  /** Why the picker is shown again, as the key of its text (the page's language is the endpoint's to pick). */
  error?: 'chooseOne' | 'notMemberOfChoice'
}

export async function nextStep(
  ctx: LatchContext,
  l: LoadedInteraction,
  cookies: CookieJar,
  /** Issue 12: the page shows a connection's failure or refusal: not straight back to an organization's IdP (no loop). */
  options: { returning?: boolean } = {},
): Promise<NextStep> {
  const { interaction, client, kind } = l
  // Issue 13: a first factor waiting for its second, in this browser: nothing else until it is done.
  const pending = await secondFactorForm(ctx, interaction, cookies)
  if (pending !== null) return pending
  let session = await interactionSession(ctx, l, cookies)
  if (!session) {
    const existing = await currentSession(ctx, cookies)
    if (!existing || interaction.user_id || kind.requiresFreshLogin(interaction, client, existing, ctx.clock.now())) {
      // Issue 12: an organization's identity provider first (home-realm discovery), else the email or the password.
      const step = await signInStep(ctx, interaction, options)
      return step.type === 'redirect_to_connection' ? seeOther(step.location) : step
    }
    // Single sign-on: adopt the browser's session for this interaction.
    await ctx.store.interactions.update(interaction.id, signedIn(ctx, interaction, { user_id: existing.user.id, auth_time: existing.session.auth_time, session_id: existing.session.id }))
    session = existing
  }
  const resolution = await kind.resolve(ctx, interaction, client, session)
  if (resolution.type === 'organization') return { type: 'organization_form', session, page: resolution.page, status: 200 }
  if (resolution.type === 'refused') {
    await take(ctx, interaction)
    return resolution.outcome
  }
  const { grant } = resolution
  // Issue 13: once the organization is known, its policy (and the client's, the tenant's, acr_values): step-up.
  if (await secondFactorDue(ctx, interaction, client, session.user.id, session.session.amr, grant.organization?.id ?? null, grant.scope)) {
    const cookie = await startStepUp(ctx, interaction, session.user, session.session.amr, session.session.auth_time)
    if (cookie === null) {
      // No second factor yet and an old sign-in: sign in again, then enrol (completeSignIn's gate).
      const step = await signInStep(ctx, interaction, options)
      return step.type === 'redirect_to_connection' ? seeOther(step.location) : step
    }
    return { type: 'second_factor_started', cookies: [cookie], outcome: seeOther(`${ctx.urls.interaction}/${interaction.id}`) }
  }
  if (await kind.needsConsent(ctx, interaction, client, session.user.id, grant.scope)) {
    return { type: 'consent_form', session, grant, resource: interactionResource(interaction) }
  }
  const taken = await ctx.store.interactions.take(interaction.id, ctx.clock.now())
  if (!taken) throw new InvalidRequestError('This sign-in request was already completed.')
  return kind.approve({ ctx, interaction: taken, client, session, grant })
}

export type SignInResult =
  /** Shown the form again: `throttled` with the seconds to wait, or `bad_credentials`. */
  | { type: 'login_form'; status: 401; reason: 'bad_credentials'; email: string }
  | { type: 'login_form'; status: 429; reason: 'throttled'; retryAfter: number; email: string }
  /** Issue 13: the right password of a signed-up account whose email is not verified yet: no session. */
  | { type: 'login_form'; status: 403; reason: 'verification_required'; email: string }
  /** Issue 12: this email (by its domain) or this member must sign in through their organization's connection. */
  | { type: 'login_form'; status: 403; reason: 'connection_required'; email: string; connection: { name: string; href: string } }
  /** Signed in: the cookies to set, then back to the interaction page. */
  | { type: 'signed_in'; cookies: CookieChange[]; outcome: Outcome }

/** Issue 12: `sign_in.password: false` shows no form; a password posted anyway is refused (400), before anything else is checked. */
export function assertPasswordSignIn(ctx: LatchContext): void {
  if (!ctx.config.sign_in.password) throw new InvalidRequestError('Password sign-in is turned off here.')
}

/** OIDC Core §3.1.2.3: authenticates the End-User by email and password. */
export async function signIn(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { email: string | undefined; password: string | undefined; ip: string; cookies: CookieJar },
): Promise<SignInResult> {
  assertPasswordSignIn(ctx)
  const email = (input.email ?? '').trim().toLowerCase().slice(0, 320)
  const password = input.password ?? ''
  const failed = (): SignInResult => {
    ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: input.ip, ...accountOf(ctx.throttle, email, ctx.config.audit.include_email) })
    return { type: 'login_form', status: 401, reason: 'bad_credentials', email }
  }
  // Issue 12: required SSO by the email's domain, before anything about the user is read or checked,
  // so an unknown email of the domain gets the very same answer.
  const required = (c: OrganizationConnection): SignInResult =>
    ({ type: 'login_form', status: 403, reason: 'connection_required', email, connection: { name: c.display_name, href: connectionStartUrl(ctx, c.id, l.interaction.id, email) } })
  const byDomain = await requiredConnectionForEmail(ctx, email)
  if (byDomain !== null) return required(byDomain)
  // An email with U+0000 names nobody; PostgreSQL would reject it as a parameter (a 500, not a miss).
  const user = email && !email.includes('\u0000') ? await ctx.store.users.getByEmail(email) : null
  // Reserved before the (slow) check, so parallel guesses cannot slip past the limit; a browser
  // with this account's device cookie, signed over its current password hash, is throttled on its
  // own record (users/login-throttle.ts).
  const device = trustedDevice(ctx, input.cookies, email, user?.password_hash ?? null)
  const attempt = await ctx.throttle.signIn({ account: email, ip: input.ip, device })
  if (!attempt.allowed) {
    ctx.events.emit('login.failed', { reason: 'throttled', ip: input.ip, ...accountOf(ctx.throttle, email, ctx.config.audit.include_email) })
    return { type: 'login_form', status: 429, reason: 'throttled', retryAfter: attempt.retryAfter, email }
  }
  // verifyPassword runs argon2 against a dummy hash for unknown users: same answer, same time.
  const ok = await verifyPassword(user?.password_hash ?? null, password).catch(notChecked(attempt))
  // Issue 14: a disabled account is answered as a wrong password is (no oracle of its state).
  if (!user || !ok || isDisabled(user)) {
    await attempt.failed()
    return failed()
  }
  await attempt.succeeded()
  // Issue 12: a member of an organization whose connection is required (an email of another domain): no session.
  const byMembership = await requiredConnectionForMember(ctx, user.id)
  if (byMembership !== null) return required(byMembership)
  // Issue 13: said only after the right password, so it tells nothing about whether the email has an account.
  if (user.verification_pending === true) return { type: 'login_form', status: 403, reason: 'verification_required', email }
  const done = await completeSignIn(ctx, l, user, ['pwd'], input.cookies)
  // The password changed while it was being checked: it is no longer the right one.
  if (!done) return failed()
  const deviceCookie = rememberDevice(ctx, email, device, user.password_hash)
  return { type: 'signed_in', cookies: deviceCookie ? [...done.cookies, deviceCookie] : done.cookies, outcome: done.outcome }
}

/**
 * What every way of signing in ends with, once the user is known (a password checked, or an
 * upstream's answer, issue 12; a passkey or an email code, issue 13): the IdP session with `amr`
 * (`finishSignIn`: the organizations of a verified email's domain joined, the interaction marked
 * signed in), and back to the interaction page, whose next step (organization, consent, code) is
 * then the same however the user signed in. Issue 13: when a second factor is due and `amr` lacks
 * `mfa`, no session starts (`session: null`): the interaction holds the first factor and its page
 * asks for the second (interaction/second-factor.ts). Null, and nothing written, when the user's
 * password changed meanwhile (`startSession`).
 */
export async function completeSignIn(
  ctx: LatchContext,
  l: LoadedInteraction,
  user: UserRecord,
  amr: string[],
  cookies: CookieJar,
  /** Issue 12: when the user authenticated at an upstream (its ID token's `auth_time`); default now. */
  authTime?: number,
): Promise<{ cookies: CookieChange[]; outcome: Outcome; session: SessionRecord | null } | null> {
  // Issue 14: a disabled user goes no further (not even to a second factor's page): the caller's
  // answer for a wrong credential.
  if (isDisabled(user)) return null
  // Issue 13: the MFA gate. A second factor due: no session yet, the interaction holds the first.
  const gate = await gateFirstFactor(ctx, l.interaction, l.client, user, amr, cookies, authTime)
  if (gate.type === 'challenge') return { cookies: [gate.cookie], outcome: seeOther(`${ctx.urls.interaction}/${l.interaction.id}`), session: null }
  return finishSignIn(ctx, l.interaction, user, gate.amr, cookies, authTime)
}

/** OIDC Core §3.1.2.4: the End-User's answer on the consent page. */
export async function decideConsent(
  ctx: LatchContext,
  l: LoadedInteraction,
  decision: string | undefined,
  cookies: CookieJar,
  /** The concrete scope the page showed (its hidden `scope` field), when it was sent. */
  shown?: string,
): Promise<Outcome> {
  const { interaction, client, kind } = l
  const session = await interactionSession(ctx, l, cookies)
  if (!session) return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
  if (decision !== 'allow' && decision !== 'deny') throw new InvalidRequestError('Choose Allow or Deny.')
  if (decision === 'deny') {
    const taken = await take(ctx, interaction)
    ctx.events.emit('consent.denied', { user_id: session.user.id, client_id: client.client_id })
    return kind.deny({ ctx, interaction: taken, client, session })
  }
  // Decided again now, not as the page showed it: a membership ended since then takes the user
  // back to the organization step instead of into a code.
  const resolution = await kind.resolve(ctx, interaction, client, session)
  if (resolution.type === 'organization') return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
  if (resolution.type === 'refused') {
    await take(ctx, interaction)
    return resolution.outcome
  }
  const { grant } = resolution
  // Issue 13: a forged consent POST cannot pass a second factor still due: the page decides again.
  if (await secondFactorDue(ctx, interaction, client, session.user.id, session.session.amr, grant.organization?.id ?? null, grant.scope)) {
    return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
  }
  // Consent covers what was shown: a scope granted since (a role given meanwhile) is asked about first.
  if (shown !== undefined) {
    const seen = new Set(shown.split(' '))
    if (grant.scope.some((s) => !seen.has(s))) return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
  }
  const taken = await take(ctx, interaction)
  await ctx.store.consents.grant(session.user.id, client.client_id, interactionResource(taken), grant.scope, ctx.clock.now())
  ctx.events.emit('consent.granted', { user_id: session.user.id, client_id: client.client_id, scope: grant.scope.join(' ') })
  return kind.approve({ ctx, interaction: taken, client, session, grant })
}

/**
 * Issue 10: the answer on the organization step. `decision=cancel` (the not-a-member page's one
 * button) ends the request with `access_denied` at the client (RFC 6749 §4.1.2.1, with state and
 * iss); `organization=<id>` is taken only for a request that has an organization to choose (also
 * after going back to the picker once chosen) and only for an organization the user is a member
 * of now (a member removed since the picker was shown, or a forged id, gets the step again with
 * why). The choice is stored in the interaction's params (`organization_chosen`).
 */
export async function chooseOrganization(
  ctx: LatchContext,
  l: LoadedInteraction,
  input: { organization: string | undefined; decision: string | undefined },
  cookies: CookieJar,
): Promise<OrganizationForm | Outcome> {
  const { interaction, client } = l
  const session = await interactionSession(ctx, l, cookies)
  if (!session) return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
  // As if nothing were chosen yet: a user who went back to the picker may change their answer.
  const request = interaction.kind === 'authorization' ? { ...requestOf(interaction), organization_chosen: undefined } : null
  const step = request === null ? null : await organizationStep(ctx, request, client, session.user.id, { choosing: true })
  if (step === null || step.type === 'none' || step.type === 'use') throw new InvalidRequestError('There is no organization to choose for this request.')
  const page = step
  if (input.decision === 'cancel') {
    const taken = await take(ctx, interaction)
    const description = page.type === 'not_member' ? notMemberDescription(page.required) : 'the user did not choose an organization'
    return authorizationError(redirectTarget(ctx, requestOf(taken)), new AccessDeniedError(description))
  }
  if (input.decision !== undefined) throw new InvalidRequestError('The only decision on this page is cancel.')
  if (page.type === 'not_member') return { type: 'organization_form', session, page, status: 403 }
  const id = input.organization
  if (id === undefined) return { type: 'organization_form', session, page, status: 400, error: 'chooseOne' }
  const membership = ORGANIZATION_ID.test(id) ? await membershipOf(ctx.store, id, session.user.id) : null
  if (membership === null) return { type: 'organization_form', session, page, status: 403, error: 'notMemberOfChoice' }
  await ctx.store.interactions.update(interaction.id, { params: { ...interaction.params, organization_chosen: membership.organization.id } })
  return seeOther(`${ctx.urls.interaction}/${interaction.id}`)
}

async function take(ctx: LatchContext, interaction: InteractionRecord): Promise<InteractionRecord> {
  const taken = await ctx.store.interactions.take(interaction.id, ctx.clock.now())
  if (!taken) throw new InvalidRequestError('This sign-in request was already completed.')
  return taken
}
