/**
 * The resource owner password credentials grant (RFC 6749 §4.3). Legacy: it hands the user's
 * password to the client, and RFC 9700 §2.4 says it MUST NOT be used; Latch keeps it only for
 * clients that list `password` explicitly (the config warns at boot). Rules:
 * - password guessing is throttled like the sign-in page (per account and source, per source,
 *   slowed per account; users/login-throttle.ts) (RFC 6749 §4.3.2: "MUST protect
 *   this endpoint against brute force attacks"), before any hash is computed;
 * - an unknown user costs the same argon2id verification as a known one, and gets the same
 *   `invalid_grant` description as a wrong password, so neither timing nor text reveals whether
 *   an account exists;
 * - success creates a grant and issues through `issueTokenSet`: a refresh token when the client has
 *   the `refresh_token` grant, an ID token when `openid` was granted; the grant is written only
 *   while the password hash checked is still the stored one, so a password change racing the
 *   request fails it with the same `invalid_grant` as a wrong password;
 * - `organization=<id>` or the scope `organization:<id>` (issue 10) asks for tokens of that
 *   organization: only a member gets them (`invalid_target` otherwise, checked after the
 *   password, so it reveals nothing to someone without it), with `org_id` and `org_roles`;
 *   template instances are granted by membership and dropped otherwise (RFC 6749 §3.3).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.4
 */
import { policyRequires, secondFactorRequired } from '../sessions/second-factor.js'
import { InvalidGrantError, InvalidRequestError, InvalidTargetError, UnsupportedGrantTypeError } from '../errors.js'
import { requiredConnectionForEmail, requiredConnectionForMember } from '../federation/organization-rules.js'
import { grantDynamicScopes } from '../organizations/dynamic-scopes.js'
import { selectedOrganization, withOrganizationScope } from '../rules/organization.js'
import { randomId } from '../lib/random.js'
import { resolveResource } from '../rules/resource.js'
import type { GrantRecord, Membership } from '../storage/store.js'
import { accountOf, notChecked } from '../users/login-throttle.js'
import { verifyPassword } from '../users/password-hash.js'
import type { GrantHandler } from './grant.js'
import { resolveScopeRequest } from '../rules/scope.js'
import { BAD_CREDENTIALS, issueTokenSet, refreshAllowed } from './token-set.js'
import { isDisabled } from '../users/disabled.js'

const REQUIRED_CONNECTION = "this account signs in through its organization's identity provider"


/** Issue 13: the password grant's answer for a user who must pass a second factor. */
export const SECOND_FACTOR_REQUIRED = 'this user must sign in with a second factor, which the password grant cannot ask for: use the authorization code flow'

export const passwordGrant: GrantHandler = {
  grantType: 'password',
  parameters: ['username', 'password', 'scope', 'resource', 'audience', 'organization'],
  async handle(request) {
    const { params, client, ctx } = request
    const { store, clock, config, throttle } = ctx
    // Issue 12: a tenant without password sign-in has no password grant either (RFC 6749 §5.2).
    if (!config.sign_in.password) throw new UnsupportedGrantTypeError('password sign-in is turned off here')
    if (!params.username) throw new InvalidRequestError('username is missing')
    if (!params.password) throw new InvalidRequestError('password is missing')
    // Validate the request before touching credentials: a malformed request is not a guess.
    const resource = resolveResource(params, client, config)
    const requested = resolveScopeRequest(params.scope, client, config, resource)
    const organizationId = selectedOrganization(requested.organizations, params.organization)

    const account = params.username.trim().toLowerCase()
    // Issue 12: required SSO holds here as on the sign-in page: by the email's domain before any
    // user is read (the same answer for unknown users), by membership after the password.
    if ((await requiredConnectionForEmail(ctx, account)) !== null) throw new InvalidGrantError(REQUIRED_CONNECTION)
    const source = request.ip
    // The same rules as the sign-in page, without a device cookie (users/login-throttle.ts).
    const attempt = await throttle.signIn({ account, ip: source })
    if (!attempt.allowed) {
      ctx.events.emit('login.failed', { reason: 'throttled', ip: source, ...accountOf(throttle, account, ctx.config.audit.include_email) })
      throw new InvalidGrantError(`too many failed attempts; try again in ${attempt.retryAfter} seconds`)
    }
    // An email with U+0000 names nobody; PostgreSQL would reject it as a parameter (a 500, not a miss).
    const user = account.includes('\u0000') ? null : await store.users.getByEmail(account).catch(notChecked(attempt))
    // verifyPassword runs argon2id against a dummy hash for unknown users: equal timing.
    const ok = await verifyPassword(user?.password_hash ?? null, params.password).catch(notChecked(attempt))
    // Issue 14: a disabled account is refused as a wrong password is (no oracle of its state).
    if (!user || !ok || isDisabled(user)) {
      await attempt.failed()
      ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: source, ...accountOf(throttle, account, ctx.config.audit.include_email) })
      throw new InvalidGrantError(BAD_CREDENTIALS)
    }
    await attempt.succeeded()
    if ((await requiredConnectionForMember(ctx, user.id)) !== null) throw new InvalidGrantError(REQUIRED_CONNECTION)
    // Issue 13: a signed-up account signs in once its email is verified (told only to whoever knows its password).
    if (user.verification_pending === true) throw new InvalidGrantError('the account\'s email address is not verified yet')
    // Issue 13: this grant has no page to ask a second factor on, so it never skips one: a user who
    // has one, or whom MFA policy covers (tenant, client, the organization asked, any of theirs), is refused.
    if (
      (await secondFactorRequired(ctx, { userId: user.id, clientId: client.client_id, organizationId })) ||
      (await policyRequires(ctx, user.id))
    ) {
      throw new InvalidGrantError(SECOND_FACTOR_REQUIRED)
    }

    // Issue 10: a token for an organization only for a member; template instances as granted.
    let organization: Membership | null = null
    if (organizationId !== null) {
      organization = await store.organizations.membership(organizationId, user.id)
      if (organization === null) throw new InvalidTargetError('the user is not a member of the requested organization')
    }
    const dynamic = await grantDynamicScopes(ctx, { requested: requested.dynamic, client, user, resource, organization: organization?.organization ?? null, membership: organization })
    const scope = [...withOrganizationScope(requested.scope, organizationId), ...dynamic.granted]
    const now = clock.now()
    const grant: GrantRecord = {
      id: randomId(),
      client_id: client.client_id,
      user_id: user.id,
      scope: scope.join(' '),
      resource,
      auth_time: now,
      session_id: null,
      organization_id: organizationId,
      amr: ['pwd'],
      created_at: now,
      revoked_at: null,
    }
    const issued = issueTokenSet(ctx, {
      grantType: 'password',
      client,
      grant,
      user,
      scope,
      resource,
      authTime: now,
      sessionId: null,
      refresh: refreshAllowed(client) ? { expiresAt: now + config.tokens.refresh_token_ttl } : null,
      organization,
      idToken: true,
      // Opened only while this is still the user's password hash: a password change committing
      // while this request is in flight leaves no grant behind it (issue 8).
      checkedPasswordHash: user.password_hash ?? undefined,
    })
    return issued.catch((error: unknown) => {
      if (error instanceof InvalidGrantError) ctx.events.emit('login.failed', { reason: 'bad_credentials', ip: source, ...accountOf(throttle, account, ctx.config.audit.include_email) })
      throw error
    })
  },
}
