/**
 * The typed event map of Latch: what happened, named `<artefact>.<past-tense verb>`
 * (oidc-provider's docs/events.md). pino and metrics subscribe here instead of handlers logging
 * ad hoc. Payloads never carry a secret, code or token: only ids and hashes' prefixes.
 */
import { EventEmitter } from 'node:events'

export interface LatchEventMap {
  'token.issued': { grant_type: string; client_id: string; sub: string | null; jti: string }
  /** RFC 8693: a token was exchanged (organization switch or delegation); `org_id` of the new token, or null. */
  'token.exchanged': { client_id: string; sub: string; org_id: string | null; subject_token_type: string }
  'authorization_code.reused': { client_id: string; grant_id: string }
  'refresh_token.rotated': { client_id: string; grant_id: string }
  'refresh_token.family_revoked': { client_id: string; grant_id: string; reason: string }
  'grant.revoked': { grant_id: string; reason: string }
  'token.revoked': { client_id: string; token_type: 'access_token' | 'refresh_token' }
  'login.succeeded': { user_id: string; session_id: string }
  /**
   * `account_hash`: the account as typed, as a keyed hash (HMAC under LATCH_SECRET), to correlate failures per account without an email in the log.
   * Issue 14: `email`, the account as typed, only when the tenant's `audit.include_email` is set (for the audit log; never in the pino line).
   */
  'login.failed': { reason: 'bad_credentials' | 'throttled'; ip: string; account_hash: string; email?: string }
  'consent.granted': { user_id: string; client_id: string; scope: string }
  'consent.denied': { user_id: string; client_id: string }
  /**
   * Issue 10: a user joined an organization on their own (`reason`: `email_domain`, a sign-in with a
   * verified email of its domain; issue 12 `connection`, a sign-in through the organization's connection).
   */
  'organization.member_joined': { organization_id: string; user_id: string; reason: 'email_domain' | 'connection' }
  /** Issue 13: `reason` when the session was ended from the account page (`account_page`) or by a password change there (`password_changed`). */
  'session.ended': { session_id: string; user_id: string; reason?: 'account_page' | 'password_changed' | 'mfa_enrolled' }
  /** Issue 12: a user was created at their first sign-in through a connection (just in time). */
  'user.provisioned': { user_id: string; connection_id: string }
  /** Issue 12: an upstream account was linked to an existing user (`verified_email`: both sides asserted the email verified). */
  'identity.linked': { user_id: string; connection_id: string; reason: 'verified_email' | 'account_page' }
  /** Issue 12: a user unlinked an upstream account on the account page. */
  'identity.unlinked': { user_id: string; connection_id: string }
  /** Issue 12: a sign-in through a connection failed (never the code, token or state). */
  'upstream_login.failed': { connection_id: string; reason: 'cancelled' | 'invalid_response' | 'unavailable' | 'refused' | 'unknown_state' }
  /** Issue 13: someone created an account (`verification`: how its email is verified: link, code or none). */
  'user.registered': { user_id: string; verification: 'link' | 'code' | 'none' }
  /** Issue 13: a user proved their email (a sign-up's link or code, or a password reset's link). */
  'email.verified': { user_id: string; method: 'link' | 'code' | 'password_reset' }
  /** Issue 13: a reset link was mailed to a user (nothing is emitted for an address without an account). */
  'password.reset_requested': { user_id: string }
  /** Issue 13: a user set a new password through a reset link: their sessions ended and grants were revoked. */
  'password.reset_completed': { user_id: string }
  'device_code.approved': { client_id: string; user_id: string }
  'device_code.denied': { client_id: string; user_id: string }
  'key.rotated': { kid: string; alg: string }
  'client_assertion.replayed': { client_id: string }
  /** Issue 12, OIDC Back-Channel Logout 1.0: a client acknowledged (200/204) the logout token for session `sid`. */
  'logout_token.delivered': { client_id: string; sid: string; attempts: number }
  /** Issue 12: a logout token was given up: the retry window passed, or the client (or its URI) is gone. */
  'logout_token.abandoned': { client_id: string; sid: string; attempts: number; reason: 'retry_window_passed' | 'client_not_registered' }
  /** Issue 13: the user revoked an app on the account page (consent forgotten, grants revoked). */
  'consent.revoked': { user_id: string; client_id: string }
  /** Issue 13: the user changed their name claims on the account page. */
  'user.profile_updated': { user_id: string }
  /** Issue 13: the user's password changed (`account_page`: on the account page, other sessions ended, grants revoked). */
  'password.changed': { user_id: string; reason: 'account_page' }
  /** Issue 13: a user registered a passkey on the account page (`backup_eligible`: a synced passkey). */
  'passkey.registered': { user_id: string; credential_id: string; backup_eligible: boolean }
  /** Issue 13: a user renamed one of their passkeys. */
  'passkey.renamed': { user_id: string; credential_id: string }
  /** Issue 13: a user deleted one of their passkeys. */
  'passkey.removed': { user_id: string; credential_id: string }
  /** Issue 13: a passkey signed a user in. */
  'passkey.used': { user_id: string; credential_id: string }
  /** Issue 13, WebAuthn L3 §6.1.1: a valid signature whose counter did not go up: refused (a cloned authenticator, or a replay). */
  'passkey.counter_regressed': { user_id: string; credential_id: string; stored: number; received: number }
  /** Issue 13: a passkey ceremony failed (never the assertion): `unknown_challenge`, `unknown_credential`, `invalid_response`. */
  'passkey.failed': { purpose: 'authenticate' | 'register'; reason: 'unknown_challenge' | 'unknown_credential' | 'invalid_response' | 'taken'; ip: string }
  /** Issue 13: a TOTP authenticator was confirmed (at a sign-in that required one, or on the account page). */
  'mfa.enrolled': { user_id: string; where: 'sign_in' | 'account' }
  /** Issue 13: the user turned TOTP off (its recovery codes went with it). */
  'mfa.disabled': { user_id: string }
  /** Issue 13: a second factor passed (a TOTP code, a recovery code, or a remembered device). */
  'mfa.verified': { user_id: string; method: 'totp' | 'recovery_code' | 'remembered_device' | 'passkey' }
  /** Issue 13: a wrong second factor, or one refused by the throttle; `restarted`: the pending sign-in was dropped. */
  'mfa.failed': { user_id: string; reason: 'wrong_code' | 'throttled' | 'restarted' | 'locked' }
  /** Security review M4: too many wrong second-factor answers in a row locked the user's second factor (NIST SP 800-63B §5.2.2). */
  'mfa.locked': { user_id: string; failures: number }
  /** Issue 13: a recovery code was used; `remaining` unused ones are left. */
  'recovery_code.used': { user_id: string; remaining: number }
  /** Issue 13: the user replaced their recovery codes with ten new ones. */
  'recovery_codes.regenerated': { user_id: string }
  /** Issue 13: a sign-in link was mailed to a user (never the link). */
  'magic_link.mailed': { user_id: string; interaction_id: string }
  /** Issue 13: a sign-in code was mailed to a user (never the code). */
  'email_code.mailed': { user_id: string; interaction_id: string }
  /** Issue 13: a typed email code was wrong, expired, spent, or typed in another browser than the one that asked. */
  'email_code.rejected': { interaction_id: string; ip: string }
  /** Issue 13: a sign-in link or code was asked for past `mail.max_per_address` / `max_per_source`: nothing was mailed. */
  'sign_in_mail.throttled': { account_hash: string; ip: string; email?: string }
  /** Issue 13: a user signed in with a mailed link or code (`method`). */
  'email_sign_in.succeeded': { user_id: string; method: 'magic_link' | 'email_code'; other_browser: boolean }
  /** Issue 13: a signed-in user asked to change their email (a link went to the new address, or a notice when it has an account). */
  'email_change.requested': { user_id: string }
  /** Issue 13: a user's email changed (the new address's link was used). */
  'email.changed': { user_id: string }
  /**
   * Issue 13 (review M3): the first proof of a never-verified account's mailbox (`via`: a password
   * reset) removed what was enrolled before it: how many passkeys and linked identities, and whether TOTP.
   */
  'user.unproven_methods_removed': { user_id: string; via: 'password_reset' | 'email_verification'; passkeys: number; totp: boolean; identities: number }
  /**
   * Issue 14 (alerts): a throttle refused a request where no other event says so (`throttle`: which
   * one; `ip` the source). The sign-in throttle has `login.failed` (reason `throttled`), the mail
   * throttle of passwordless sign-in `sign_in_mail.throttled`, the second-factor lock `mfa.locked`.
   */
  'throttle.engaged': { throttle: 'user_code' | 'mail' | 'verification_code' | 'second_factor' | 'pending_interactions' | 'pending_device_codes'; ip: string }
  /** Issue 14: a webhook acknowledged (2xx) an alert; `webhook` its URL's origin, `status` the answer's. Never the body or secret. */
  'alert.delivered': { alert_id: string; type: string; webhook: string; attempts: number; status: number }
  /** Issue 14: an alert was given up for one webhook; `status` of the last answer (null: none). Never the body or secret. */
  'alert.failed': { alert_id: string; type: string; webhook: string; attempts: number; status: number | null; reason: 'attempts_exhausted' | 'retry_window_passed' | 'webhook_removed' }
  /** Issue 14 (metrics): an RFC 8693 token exchange was refused (`error`: the OAuth error code answered; never the token). */
  'token_exchange.failed': { client_id: string; error: string }
}

export type LatchEventName = keyof LatchEventMap

export class LatchEvents {
  readonly #emitter: EventEmitter
  readonly #tenant: string | undefined

  constructor(emitter: EventEmitter = new EventEmitter(), tenant?: string) {
    this.#emitter = emitter
    this.#tenant = tenant
  }

  /** Issue 11: the same bus, whose events say which tenant emitted them (`tenant`, absent for the default tenant). */
  forTenant(tenant: string): LatchEvents {
    return new LatchEvents(this.#emitter, tenant)
  }

  emit<K extends LatchEventName>(name: K, payload: LatchEventMap[K]): void {
    this.#emitter.emit(name, this.#tenant === undefined ? payload : { ...payload, tenant: this.#tenant })
  }
  on<K extends LatchEventName>(name: K, listener: (payload: LatchEventMap[K]) => void): this {
    this.#emitter.on(name, listener)
    return this
  }
  onAny(listener: (name: LatchEventName, payload: unknown) => void): this {
    for (const name of EVENT_NAMES) this.#emitter.on(name, (p: unknown) => listener(name, p))
    return this
  }
}

/**
 * One line per event, for readers of the logs and docs/architecture.md "Events". Keyed by the
 * event map's names and checked by the compiler against it (`satisfies`): an event added to the
 * map without a line here, or a line for an event the map lacks, does not compile, so
 * `EVENT_NAMES` (what `onAny` subscribes to) cannot drift from the map.
 */
export const EVENT_DESCRIPTIONS = Object.freeze({
  'token.issued': 'an access token was issued (any grant)',
  'token.exchanged': 'a token was exchanged for another (RFC 8693: organization switch or delegation)',
  'authorization_code.reused': 'a code was presented again: its grant is revoked (RFC 6749 §4.1.2)',
  'refresh_token.rotated': 'a refresh token was exchanged for a new one',
  'refresh_token.family_revoked': 'a rotated refresh token was presented again: its family (grant) is revoked',
  'grant.revoked': 'a grant and every token under it were revoked (reason: a reused code or refresh token, revocation)',
  'token.revoked': 'a token was revoked at /revoke (RFC 7009)',
  'login.succeeded': 'a user signed in; a session began',
  'login.failed': 'a sign-in failed or was throttled (the account as a keyed hash)',
  'consent.granted': 'a user allowed a client some scopes',
  'consent.denied': 'a user denied a client',
  'organization.member_joined': 'a user became a member of an organization through its email domain, or by signing in through its connection (issue 12)',
  'session.ended': 'an IdP session ended (logout, Sign out, another user signing in on the browser)',
  'user.provisioned': 'a user was created at their first sign-in through a connection (issue 12)',
  'identity.linked': 'an upstream account was linked to an existing user (issue 12)',
  'identity.unlinked': 'a user unlinked an upstream account on the account page (issue 12)',
  'upstream_login.failed': 'a sign-in through a connection failed or was refused (issue 12)',
  'user.registered': 'someone created an account through sign-up (issue 13)',
  'email.verified': 'a user proved their email address by a mailed link or code (issue 13)',
  'password.reset_requested': 'a password reset link was mailed to an existing user (issue 13)',
  'password.reset_completed': 'a user chose a new password through a reset link; their sessions ended and grants were revoked (issue 13)',
  'device_code.approved': 'a user approved a device authorization (RFC 8628)',
  'device_code.denied': 'a user denied a device authorization (RFC 8628)',
  'key.rotated': 'this node first saw a new signing key (kid and alg only)',
  'client_assertion.replayed': 'a private_key_jwt assertion was presented twice (RFC 7523 §3)',
  'logout_token.delivered': 'a client acknowledged a back-channel logout token (OIDC Back-Channel Logout 1.0)',
  'logout_token.abandoned': 'a back-channel logout token was given up (retry window passed, or the client or its URI is gone)',
  'consent.revoked': 'a user revoked an app on the account page: its consent forgotten, its grants and tokens revoked (issue 13)',
  'user.profile_updated': 'a user changed their name on the account page (issue 13)',
  'password.changed': 'a user changed their password on the account page; their other sessions ended, their grants revoked (issue 13)',
  'passkey.registered': 'a user registered a passkey on /account/passkeys (issue 13)',
  'passkey.renamed': 'a user renamed a passkey (issue 13)',
  'passkey.removed': 'a user deleted a passkey (issue 13)',
  'passkey.used': 'a passkey signed a user in, as the first or the second factor (issue 13)',
  'passkey.counter_regressed': 'a passkey assertion\'s signature counter did not increase: refused, a possible clone (WebAuthn L3 §6.1.1; issue 13)',
  'passkey.failed': 'a passkey sign-in, second factor or registration failed (issue 13)',
  'mfa.enrolled': 'a user confirmed a TOTP authenticator (issue 13)',
  'mfa.disabled': 'a user turned TOTP off, with their recovery codes (issue 13)',
  'mfa.verified': 'a second factor passed: TOTP, recovery code, remembered device or passkey (issue 13)',
  'mfa.failed': 'a wrong or throttled second factor; restarted: the pending sign-in was dropped; locked: refused, the second factor is locked (issue 13)',
  'mfa.locked': 'too many wrong second-factor answers in a row locked the user\'s second factor until a password reset or `latch users reset-mfa` (issue 13)',
  'recovery_code.used': 'a recovery code was used, with how many are left (issue 13)',
  'recovery_codes.regenerated': 'a user replaced their recovery codes (issue 13)',
  'magic_link.mailed': 'a passwordless sign-in link was mailed to a user (issue 13)',
  'email_code.mailed': 'a passwordless sign-in code was mailed to a user (issue 13)',
  'email_code.rejected': 'a typed sign-in code was wrong, expired, spent or typed in another browser (issue 13)',
  'sign_in_mail.throttled': 'a sign-in link or code was asked for past the mail limits: nothing was mailed (issue 13)',
  'email_sign_in.succeeded': 'a user signed in with a mailed link or code (issue 13)',
  'email_change.requested': 'a signed-in user asked to change their email address (issue 13)',
  'email.changed': 'a user\'s email address changed through the link mailed to the new address (issue 13)',
  'user.unproven_methods_removed': 'the first proof of a never-verified account\'s mailbox removed its passkeys, TOTP, recovery codes and linked identities (issue 13)',
  /** Issue 14: alerts. */
  'throttle.engaged': 'a throttle refused a request where no other event says so: user-code entry, mail, verification codes, second factors, pending interactions or device codes per source (issue 14)',
  'alert.delivered': 'an alert webhook acknowledged an alert (issue 14)',
  'alert.failed': 'an alert was given up for one webhook: attempts or retry window spent, or the webhook removed (issue 14)',
  /** Issue 14 (metrics). */
  'token_exchange.failed': 'a token exchange was refused, with the OAuth error code answered (RFC 8693; issue 14)',
} as const satisfies Record<LatchEventName, string>)

/** Every event name of the map, in the order of `EVENT_DESCRIPTIONS`. */
export const EVENT_NAMES: readonly LatchEventName[] = Object.freeze(Object.keys(EVENT_DESCRIPTIONS) as LatchEventName[])
