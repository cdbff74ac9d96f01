/**
 * The device authorization grant at the token endpoint (RFC 8628 §3.4, §3.5): the device polls with
 * its `device_code` until the user has decided on another screen. Each poll is one atomic store
 * step (`deviceCodes.poll`) that enforces the interval and single redemption:
 * - not decided yet: `authorization_pending`;
 * - polled sooner than `interval` after the last poll: `slow_down`, and the stored interval grows
 *   by 5 seconds for this and every later poll (§3.5);
 * - denied by the user: `access_denied`; past `expires_in`: `expired_token`;
 * - approved: the code is consumed once, and must belong to the authenticated client (§3.4); a
 *   grant is created and tokens issued for the scope the user approved, with the user's
 *   `auth_time`, and an ID token when `openid` was granted; the client must still be registered
 *   for the resource it asked for at the device authorization endpoint (RFC 8707 §2); an approval
 *   made within an IdP session opens its grant only while that session exists, so one stored just
 *   after a logout is `invalid_grant` (issue 8, token-set.ts); the grant keeps the approving
 *   session's `amr` (issue 13), so its tokens, refreshed ones too, carry `amr`, `acr` and `auth_time`.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  InvalidGrantError,
  InvalidRequestError,
  SlowDownError,
} from '../errors.js'
import { hashHandle, randomId } from '../lib/random.js'
import { assertResourcePermitted } from '../rules/resource.js'
import type { GrantRecord } from '../storage/store.js'
import type { GrantHandler } from './grant.js'
import { issueTokenSet, refreshAllowed } from './token-set.js'

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

const INVALID = 'the device_code is invalid or was already used'

export const deviceCodeGrant: GrantHandler = {
  grantType: DEVICE_CODE_GRANT_TYPE,
  parameters: ['device_code'],
  async handle({ params, client, ctx }) {
    const { store, clock, config } = ctx
    if (!params.device_code) throw new InvalidRequestError('device_code is missing')
    const now = clock.now()
    const result = await store.deviceCodes.poll(hashHandle(params.device_code), now)
    switch (result.outcome) {
      case 'pending':
        throw new AuthorizationPendingError()
      case 'slow_down':
        throw new SlowDownError(`polling too fast: wait at least ${result.interval} seconds between requests`)
      case 'denied':
        throw new AccessDeniedError('the user denied the authorization request')
      case 'expired':
        throw new ExpiredTokenError()
      case 'invalid':
        throw new InvalidGrantError(INVALID)
      case 'approved':
        break
    }
    const record = result.record
    // §3.4: the device code is bound to the client that requested it. The store has consumed it
    // already; a code another client holds is stolen, so burning it is the safe outcome.
    if (record.client_id !== client.client_id) throw new InvalidGrantError(INVALID, { detail: 'device_code of another client' })
    if (record.user_id === null) throw new InvalidGrantError(INVALID, { detail: 'approved device code without a user' })
    const user = await store.users.getById(record.user_id)
    if (!user) throw new InvalidGrantError(INVALID, { detail: 'the user no longer exists' })
    assertResourcePermitted(record.resource, client, config)

    const scope = (record.granted_scope ?? record.scope).split(' ').filter(Boolean)
    const authTime = record.auth_time ?? now
    const grant: GrantRecord = {
      id: randomId(),
      client_id: client.client_id,
      user_id: user.id,
      scope: scope.join(' '),
      resource: record.resource,
      auth_time: authTime,
      session_id: record.session_id,
      organization_id: null,
      // Issue 13: the approving session's amr (unknown for a code approved before 0018).
      amr: record.amr ?? null,
      created_at: now,
      revoked_at: null,
    }
    return issueTokenSet(ctx, {
      grantType: DEVICE_CODE_GRANT_TYPE,
      client,
      grant,
      user,
      scope,
      resource: record.resource,
      authTime,
      sessionId: record.session_id,
      refresh: refreshAllowed(client) ? { expiresAt: now + config.tokens.refresh_token_ttl } : null,
      idToken: true,
    })
  },
}
