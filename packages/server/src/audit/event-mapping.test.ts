/**
 * Issue 14: every event of `LatchEventMap` maps to a well-formed audit record of schema version 1.
 * `SAMPLES` is typed over the whole map, so an event added without a sample here does not compile,
 * as an event without a mapping does not (`AUDIT_MAPPINGS` satisfies the map).
 */
import { describe, expect, it } from 'vitest'
import { EVENT_NAMES, type LatchEventMap, type LatchEventName } from '../events.js'
import { AUDIT_MAPPINGS, auditFieldsOf } from './event-mapping.js'
import { toRecord } from './audit-writer.js'

const U = 'user-1'
const SAMPLES: { [K in LatchEventName]: LatchEventMap[K] } = {
  'token.issued': { grant_type: 'client_credentials', client_id: 'svc', sub: null, jti: 'g1.a' },
  'token.exchanged': { client_id: 'web', sub: U, org_id: 'acme', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
  'authorization_code.reused': { client_id: 'web', grant_id: 'g1' },
  'refresh_token.rotated': { client_id: 'web', grant_id: 'g1' },
  'refresh_token.family_revoked': { client_id: 'web', grant_id: 'g1', reason: 'reuse' },
  'grant.revoked': { grant_id: 'g1', reason: 'refresh_token_reuse' },
  'token.revoked': { client_id: 'web', token_type: 'refresh_token' },
  'login.succeeded': { user_id: U, session_id: 's1' },
  'login.failed': { reason: 'bad_credentials', ip: '192.0.2.7', account_hash: 'h'.repeat(22) },
  'consent.granted': { user_id: U, client_id: 'web', scope: 'openid' },
  'consent.denied': { user_id: U, client_id: 'web' },
  'organization.member_joined': { organization_id: 'acme', user_id: U, reason: 'email_domain' },
  'session.ended': { session_id: 's1', user_id: U, reason: 'account_page' },
  'user.provisioned': { user_id: U, connection_id: 'google' },
  'identity.linked': { user_id: U, connection_id: 'google', reason: 'verified_email' },
  'identity.unlinked': { user_id: U, connection_id: 'google' },
  'upstream_login.failed': { connection_id: 'google', reason: 'cancelled' },
  'user.registered': { user_id: U, verification: 'link' },
  'email.verified': { user_id: U, method: 'link' },
  'password.reset_requested': { user_id: U },
  'password.reset_completed': { user_id: U },
  'device_code.approved': { client_id: 'tv', user_id: U },
  'device_code.denied': { client_id: 'tv', user_id: U },
  'key.rotated': { kid: 'k1', alg: 'ES256' },
  'client_assertion.replayed': { client_id: 'pkjwt' },
  'logout_token.delivered': { client_id: 'web', sid: 's1', attempts: 1 },
  'logout_token.abandoned': { client_id: 'web', sid: 's1', attempts: 9, reason: 'retry_window_passed' },
  'consent.revoked': { user_id: U, client_id: 'web' },
  'user.profile_updated': { user_id: U },
  'password.changed': { user_id: U, reason: 'account_page' },
  'passkey.registered': { user_id: U, credential_id: 'c1', backup_eligible: true },
  'passkey.renamed': { user_id: U, credential_id: 'c1' },
  'passkey.removed': { user_id: U, credential_id: 'c1' },
  'passkey.used': { user_id: U, credential_id: 'c1' },
  'passkey.counter_regressed': { user_id: U, credential_id: 'c1', stored: 5, received: 3 },
  'passkey.failed': { purpose: 'authenticate', reason: 'unknown_credential', ip: '192.0.2.7' },
  'mfa.enrolled': { user_id: U, where: 'account' },
  'mfa.disabled': { user_id: U },
  'mfa.verified': { user_id: U, method: 'totp' },
  'mfa.failed': { user_id: U, reason: 'wrong_code' },
  'mfa.locked': { user_id: U, failures: 10 },
  'recovery_code.used': { user_id: U, remaining: 9 },
  'recovery_codes.regenerated': { user_id: U },
  'magic_link.mailed': { user_id: U, interaction_id: 'i1' },
  'email_code.mailed': { user_id: U, interaction_id: 'i1' },
  'email_code.rejected': { interaction_id: 'i1', ip: '192.0.2.7' },
  'sign_in_mail.throttled': { account_hash: 'h'.repeat(22), ip: '192.0.2.7' },
  'email_sign_in.succeeded': { user_id: U, method: 'email_code', other_browser: false },
  'email_change.requested': { user_id: U },
  'email.changed': { user_id: U },
  'user.unproven_methods_removed': { user_id: U, via: 'password_reset', passkeys: 1, totp: true, identities: 0 },
  'throttle.engaged': { throttle: 'user_code', ip: '192.0.2.7' },
  'alert.delivered': { alert_id: 'a1', type: 'authorization_code.reused', webhook: 'https://ops.example', attempts: 1, status: 204 },
  'alert.failed': { alert_id: 'a1', type: 'authorization_code.reused', webhook: 'https://ops.example', attempts: 10, status: 500, reason: 'attempts_exhausted' },
  'token_exchange.failed': { client_id: 'web', error: 'invalid_grant' },
}

const ACTORS = ['user', 'client', 'system', 'anonymous']
const SUBJECTS = ['user', 'client', 'grant', 'session', 'key', 'account', 'organization', 'connection', 'webhook']

describe('audit event mapping (issue 14)', () => {
  it('issue 14: the table has exactly one row per event of the map', () => {
    expect(Object.keys(AUDIT_MAPPINGS).sort()).toEqual([...EVENT_NAMES].sort())
  })

  it.each(EVENT_NAMES.map((name) => [name]))('issue 14: %s maps to a well-formed record of schema version 1', (name) => {
    const payload = { ...SAMPLES[name], tenant: 'acme' }
    const record = toRecord({ name, payload, ms: Date.UTC(2026, 0, 2, 3, 4, 5, 678), ip: '198.51.100.1', userAgent: 'ua' })
    expect(record).toMatchObject({ type: name, version: 1, time: '2026-01-02T03:04:05.678Z', tenant: 'acme', ip: '198.51.100.1', user_agent: 'ua' })
    expect(record.id).toMatch(/^[0-9a-f]{28}$/)
    expect(ACTORS).toContain(record.actor.type)
    expect(record.actor.id === null).toBe(record.actor.type === 'system' || record.actor.type === 'anonymous')
    if (record.subject !== null) {
      expect(SUBJECTS).toContain(record.subject.type)
      expect(typeof record.subject.id).toBe('string')
    }
    expect(['success', 'failure']).toContain(record.outcome)
    // The record carries tenant and ip itself; every other field of the event is somewhere in it.
    expect(record.data).not.toHaveProperty('tenant')
    expect(record.data).not.toHaveProperty('ip')
    const everything = JSON.stringify(record)
    for (const [key, value] of Object.entries(SAMPLES[name])) if (key !== 'ip' && value !== null) expect(everything, `${name}.${key}`).toContain(JSON.stringify(value).replace(/^"|"$/g, ''))
  })

  it('issue 14: a failed sign-in names the account by its keyed hash; the email only when the event carries it (audit.include_email)', () => {
    expect(auditFieldsOf('login.failed', SAMPLES['login.failed'])).toEqual({
      actor: { type: 'anonymous', id: null },
      subject: { type: 'account', id: 'h'.repeat(22) },
      client_id: null,
      outcome: 'failure',
      data: { reason: 'bad_credentials' },
    })
    expect(auditFieldsOf('login.failed', { ...SAMPLES['login.failed'], email: 'a@example.com' }).data).toEqual({ reason: 'bad_credentials', email: 'a@example.com' })
  })

  it('issue 14: outcomes of theft detection and denials are failures; tokens issued are the client\'s acts', () => {
    for (const name of ['authorization_code.reused', 'refresh_token.family_revoked', 'client_assertion.replayed', 'passkey.counter_regressed', 'consent.denied', 'device_code.denied', 'mfa.failed', 'mfa.locked', 'throttle.engaged', 'alert.failed', 'token_exchange.failed'] as const) {
      expect(auditFieldsOf(name, SAMPLES[name] as never).outcome, name).toBe('failure')
    }
    expect(auditFieldsOf('token.issued', { ...SAMPLES['token.issued'], sub: U })).toMatchObject({ actor: { type: 'client', id: 'svc' }, subject: { type: 'user', id: U }, client_id: 'svc', data: { grant_type: 'client_credentials', jti: 'g1.a' } })
  })
})
