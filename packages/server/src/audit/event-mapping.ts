/**
 * Issue 14: how every event of `LatchEventMap` becomes an audit record: who acted (`actor`), on
 * what (`subject`), for which client, with what outcome, and the event's other fields (`data`).
 * One table, `satisfies` the event map: a new event without a row here does not compile.
 *
 * Conventions: a request by a client at the token, revocation or introspection endpoint is the
 * client's act; what a signed-in user (or one proving a first factor) does is the user's; what
 * nobody authenticated did (a failed sign-in, a mailed link asked for) is `anonymous`; what Latch
 * does by itself (revoking a grant after a reuse, rotating a key, locking a second factor) is the
 * `system`'s. A failed sign-in's subject is the `account`, named by its keyed hash (never the
 * email; `data.email` only with `audit.include_email`). `ip` and `tenant` of a payload are not
 * repeated in `data`: the record has them.
 */
import type { LatchEventMap, LatchEventName } from '../events.js'
import type { AuditRecord } from './audit-record.js'

/** What a mapping decides; the writer adds id, type, version, time, tenant, ip and user_agent. */
export type AuditFields = Pick<AuditRecord, 'actor' | 'subject' | 'client_id' | 'outcome' | 'data'>
type Mapping<K extends LatchEventName> = (p: LatchEventMap[K]) => AuditFields

const user = (id: string) => ({ type: 'user', id }) as const
const client = (id: string) => ({ type: 'client', id }) as const
const SYSTEM = { type: 'system', id: null } as const
const ANONYMOUS = { type: 'anonymous', id: null } as const

/**
 * The payload's fields other than `a` and `b` (and `tenant`, `ip`, which the record carries
 * itself). Two names at most and a for-in loop: this runs for every event (every token issued).
 */
function rest(payload: object, a?: string, b?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in payload) {
    if (key === 'tenant' || key === 'ip' || key === a || key === b) continue
    const value = (payload as Record<string, unknown>)[key]
    if (value !== undefined) out[key] = value
  }
  return out
}

/** A user acting on themselves: the many self-service events of issue 13. */
const selfService = (outcome: AuditRecord['outcome'] = 'success') => (p: { user_id: string }): AuditFields => ({
  actor: user(p.user_id),
  subject: user(p.user_id),
  client_id: null,
  outcome,
  data: rest(p, 'user_id'),
})

export const AUDIT_MAPPINGS = {
  'token.issued': (p) => ({
    actor: client(p.client_id),
    subject: p.sub === null ? client(p.client_id) : user(p.sub),
    client_id: p.client_id,
    outcome: 'success',
    data: rest(p, 'client_id', 'sub'),
  }),
  'token.exchanged': (p) => ({ actor: client(p.client_id), subject: user(p.sub), client_id: p.client_id, outcome: 'success', data: rest(p, 'client_id', 'sub') }),
  'authorization_code.reused': (p) => ({ actor: client(p.client_id), subject: { type: 'grant', id: p.grant_id }, client_id: p.client_id, outcome: 'failure', data: rest(p, 'client_id', 'grant_id') }),
  'refresh_token.rotated': (p) => ({ actor: client(p.client_id), subject: { type: 'grant', id: p.grant_id }, client_id: p.client_id, outcome: 'success', data: rest(p, 'client_id', 'grant_id') }),
  'refresh_token.family_revoked': (p) => ({ actor: client(p.client_id), subject: { type: 'grant', id: p.grant_id }, client_id: p.client_id, outcome: 'failure', data: rest(p, 'client_id', 'grant_id') }),
  'grant.revoked': (p) => ({ actor: SYSTEM, subject: { type: 'grant', id: p.grant_id }, client_id: null, outcome: 'success', data: rest(p, 'grant_id') }),
  'token.revoked': (p) => ({ actor: client(p.client_id), subject: null, client_id: p.client_id, outcome: 'success', data: rest(p, 'client_id') }),
  'login.succeeded': (p) => ({ actor: user(p.user_id), subject: { type: 'session', id: p.session_id }, client_id: null, outcome: 'success', data: rest(p, 'user_id', 'session_id') }),
  'login.failed': (p) => ({ actor: ANONYMOUS, subject: { type: 'account', id: p.account_hash }, client_id: null, outcome: 'failure', data: rest(p, 'account_hash') }),
  'consent.granted': (p) => ({ actor: user(p.user_id), subject: client(p.client_id), client_id: p.client_id, outcome: 'success', data: rest(p, 'user_id', 'client_id') }),
  'consent.denied': (p) => ({ actor: user(p.user_id), subject: client(p.client_id), client_id: p.client_id, outcome: 'failure', data: rest(p, 'user_id', 'client_id') }),
  'organization.member_joined': (p) => ({ actor: user(p.user_id), subject: { type: 'organization', id: p.organization_id }, client_id: null, outcome: 'success', data: rest(p, 'user_id', 'organization_id') }),
  'session.ended': (p) => ({ actor: user(p.user_id), subject: { type: 'session', id: p.session_id }, client_id: null, outcome: 'success', data: rest(p, 'user_id', 'session_id') }),
  'user.provisioned': (p) => ({ actor: user(p.user_id), subject: user(p.user_id), client_id: null, outcome: 'success', data: rest(p, 'user_id') }),
  'identity.linked': (p) => ({ actor: user(p.user_id), subject: { type: 'connection', id: p.connection_id }, client_id: null, outcome: 'success', data: rest(p, 'user_id', 'connection_id') }),
  'identity.unlinked': (p) => ({ actor: user(p.user_id), subject: { type: 'connection', id: p.connection_id }, client_id: null, outcome: 'success', data: rest(p, 'user_id', 'connection_id') }),
  'upstream_login.failed': (p) => ({ actor: ANONYMOUS, subject: { type: 'connection', id: p.connection_id }, client_id: null, outcome: 'failure', data: rest(p, 'connection_id') }),
  'user.registered': selfService(),
  'email.verified': selfService(),
  'password.reset_requested': (p) => ({ actor: ANONYMOUS, subject: user(p.user_id), client_id: null, outcome: 'success', data: rest(p, 'user_id') }),
  'password.reset_completed': selfService(),
  'device_code.approved': (p) => ({ actor: user(p.user_id), subject: client(p.client_id), client_id: p.client_id, outcome: 'success', data: rest(p, 'user_id', 'client_id') }),
  'device_code.denied': (p) => ({ actor: user(p.user_id), subject: client(p.client_id), client_id: p.client_id, outcome: 'failure', data: rest(p, 'user_id', 'client_id') }),
  'key.rotated': (p) => ({ actor: SYSTEM, subject: { type: 'key', id: p.kid }, client_id: null, outcome: 'success', data: rest(p, 'kid') }),
  'client_assertion.replayed': (p) => ({ actor: ANONYMOUS, subject: client(p.client_id), client_id: p.client_id, outcome: 'failure', data: rest(p, 'client_id') }),
  'logout_token.delivered': (p) => ({ actor: SYSTEM, subject: { type: 'session', id: p.sid }, client_id: p.client_id, outcome: 'success', data: rest(p, 'client_id', 'sid') }),
  'logout_token.abandoned': (p) => ({ actor: SYSTEM, subject: { type: 'session', id: p.sid }, client_id: p.client_id, outcome: 'failure', data: rest(p, 'client_id', 'sid') }),
  'consent.revoked': (p) => ({ actor: user(p.user_id), subject: client(p.client_id), client_id: p.client_id, outcome: 'success', data: rest(p, 'user_id', 'client_id') }),
  'user.profile_updated': selfService(),
  'password.changed': selfService(),
  'passkey.registered': selfService(),
  'passkey.renamed': selfService(),
  'passkey.removed': selfService(),
  'passkey.used': selfService(),
  // Whoever presented the cloned or replayed assertion is not known to be the user.
  'passkey.counter_regressed': (p) => ({ actor: ANONYMOUS, subject: user(p.user_id), client_id: null, outcome: 'failure', data: rest(p, 'user_id') }),
  'passkey.failed': (p) => ({ actor: ANONYMOUS, subject: null, client_id: null, outcome: 'failure', data: rest(p) }),
  'mfa.enrolled': selfService(),
  'mfa.disabled': selfService(),
  'mfa.verified': selfService(),
  // The first factor was proven for this user: the second-factor attempt is theirs (or a thief's with their password).
  'mfa.failed': selfService('failure'),
  'mfa.locked': (p) => ({ actor: SYSTEM, subject: user(p.user_id), client_id: null, outcome: 'failure', data: rest(p, 'user_id') }),
  'recovery_code.used': selfService(),
  'recovery_codes.regenerated': selfService(),
  'magic_link.mailed': (p) => ({ actor: ANONYMOUS, subject: user(p.user_id), client_id: null, outcome: 'success', data: rest(p, 'user_id') }),
  'email_code.mailed': (p) => ({ actor: ANONYMOUS, subject: user(p.user_id), client_id: null, outcome: 'success', data: rest(p, 'user_id') }),
  'email_code.rejected': (p) => ({ actor: ANONYMOUS, subject: null, client_id: null, outcome: 'failure', data: rest(p) }),
  'sign_in_mail.throttled': (p) => ({ actor: ANONYMOUS, subject: { type: 'account', id: p.account_hash }, client_id: null, outcome: 'failure', data: rest(p, 'account_hash') }),
  'email_sign_in.succeeded': selfService(),
  'email_change.requested': selfService(),
  'email.changed': selfService(),
  'user.unproven_methods_removed': (p) => ({ actor: SYSTEM, subject: user(p.user_id), client_id: null, outcome: 'success', data: rest(p, 'user_id') }),
  // Issue 14: a throttle refused an anonymous request; who it was is only its source (the record's `ip`).
  'throttle.engaged': (p) => ({ actor: ANONYMOUS, subject: null, client_id: null, outcome: 'failure', data: rest(p) }),
  // Issue 14: an alert webhook's delivery status; the subject is the webhook by its URL's origin (never the path, secret or body).
  'alert.delivered': (p) => ({ actor: SYSTEM, subject: { type: 'webhook', id: p.webhook }, client_id: null, outcome: 'success', data: rest(p, 'webhook') }),
  'alert.failed': (p) => ({ actor: SYSTEM, subject: { type: 'webhook', id: p.webhook }, client_id: null, outcome: 'failure', data: rest(p, 'webhook') }),
  'token_exchange.failed': (p) => ({ actor: client(p.client_id), subject: null, client_id: p.client_id, outcome: 'failure', data: rest(p, 'client_id') }),
} as const satisfies { [K in LatchEventName]: Mapping<K> }

/** The audit fields of event `name` (its payload as emitted). */
export function auditFieldsOf<K extends LatchEventName>(name: K, payload: LatchEventMap[K]): AuditFields {
  return (AUDIT_MAPPINGS[name] as Mapping<K>)(payload)
}

/**
 * Refusals of anonymous requests: events anyone can cause at the rate they send requests (a wrong
 * password, a throttled attempt, a bad code). The writer records at most so many of them per
 * source and per minute (`audit-writer.ts`), so a flood cannot grow the log without bound. Theft
 * signals (`client_assertion.replayed`, `passkey.counter_regressed`) need a valid signature, and
 * mail-causing events are bounded by the mail throttle: they are always recorded.
 */
export const ANONYMOUS_REFUSALS: ReadonlySet<LatchEventName> = new Set<LatchEventName>([
  'login.failed', 'upstream_login.failed', 'passkey.failed', 'email_code.rejected', 'sign_in_mail.throttled', 'throttle.engaged',
])
