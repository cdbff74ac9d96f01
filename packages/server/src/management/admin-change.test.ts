/**
 * Issue 14: the administrative change record (DESIGN14b contract): masking of every secret-like
 * field at any depth, and the record's shape.
 */
import { describe, expect, it } from 'vitest'
import { ADMIN_ACTIONS, ADMIN_CHANGE_TYPES, ADMIN_RESOURCES, MASKED, adminChangeRecord, maskSecrets } from './admin-change.js'

describe('issue 14: maskSecrets', () => {
  it('DESIGN14b: client secrets and their hashes, password hashes, TOTP secrets, connection secrets and private keys are masked', () => {
    const masked = maskSecrets({
      client_id: 'web', client_secret: 's3cret', client_secret_hash: 'abc', password: 'pw', password_hash: '$argon2id$…',
      totp_secret: 'JBSWY3DP', secrets_encrypted: 'v1.…', private_key: '-----BEGIN PRIVATE KEY-----', private_key_file: '/k.p8',
      private_jwk_encrypted: 'x', refresh_token_hash: 'h', recovery_codes: ['a', 'b'], scope: 'openid',
    })
    expect(masked).toEqual({
      client_id: 'web', client_secret: MASKED, client_secret_hash: MASKED, password: MASKED, password_hash: MASKED,
      totp_secret: MASKED, secrets_encrypted: MASKED, private_key: MASKED, private_key_file: MASKED,
      private_jwk_encrypted: MASKED, refresh_token_hash: MASKED, recovery_codes: MASKED, scope: 'openid',
    })
  })

  it('DESIGN14b: nested objects and arrays are masked too; names are matched case-insensitively', () => {
    const masked = maskSecrets({ before: { settings: { upstream: [{ Client_Secret: 'x', id: 1 }] }, nested: { deeper: { passwordHash: 'y', ok: true } } } })
    expect(masked).toEqual({ before: { settings: { upstream: [{ Client_Secret: MASKED, id: 1 }] }, nested: { deeper: { passwordHash: MASKED, ok: true } } } })
  })

  it('RFC 7518 §6.3.2: the private members of a JWK are masked, its public ones kept', () => {
    const jwk = { kty: 'RSA', kid: 'k1', n: 'modulus', e: 'AQAB', d: 'private', p: 'p', q: 'q', dp: 'dp', dq: 'dq', qi: 'qi' }
    expect(maskSecrets({ jwks: { keys: [jwk, { kty: 'oct', k: 'symmetric' }] } })).toEqual({
      jwks: { keys: [{ kty: 'RSA', kid: 'k1', n: 'modulus', e: 'AQAB', d: MASKED, p: MASKED, q: MASKED, dp: MASKED, dq: MASKED, qi: MASKED }, { kty: 'oct', k: MASKED }] },
    })
    // A `d` outside a JWK is an ordinary field.
    expect(maskSecrets({ d: 1 })).toEqual({ d: 1 })
  })

  it('null, booleans and numbers stay (facts about a secret hold none); the input is not changed', () => {
    const input = { client_secret_hash: null, password_hash: 'h', has_password: true, min_client_secret_length: 32 }
    expect(maskSecrets(input)).toEqual({ client_secret_hash: null, password_hash: MASKED, has_password: true, min_client_secret_length: 32 })
    expect(input.password_hash).toBe('h')
  })

  it('RFC 3986 §3.2.1: the password of a URL (a tenant\'s mail.smtp_url) is masked, the rest of the URL kept', () => {
    expect(maskSecrets({ mail: { smtp_url: 'smtps://mailer:p%40ss:word@mail.example.com:465/?pool=true' } })).toEqual({ mail: { smtp_url: `smtps://mailer:${MASKED}@mail.example.com:465/?pool=true` } })
    expect(maskSecrets(['https://app.example.com/cb?user=a:b@c', 'smtp://mail.example.com'])).toEqual(['https://app.example.com/cb?user=a:b@c', 'smtp://mail.example.com'])
  })
})

describe('issue 14: adminChangeRecord', () => {
  it('DESIGN14b: schema version 1, type admin.<resource>.<action>, actor, subject, data.before/after masked and via', () => {
    const r = adminChangeRecord(
      { tenant: 'default', actor: { type: 'admin', id: 'ops' }, via: 'cli' },
      { type: 'admin.client.created', subject: { type: 'client', id: 'web' }, before: null, after: { client_id: 'web', client_secret_hash: 'abc' } },
      Date.UTC(2025, 0, 1),
    )
    expect(r).toMatchObject({
      type: 'admin.client.created', version: 1, time: '2025-01-01T00:00:00.000Z', tenant: 'default', actor: { type: 'admin', id: 'ops' },
      subject: { type: 'client', id: 'web' }, client_id: null, ip: null, user_agent: null, outcome: 'success',
      data: { before: null, after: { client_id: 'web', client_secret_hash: MASKED }, via: 'cli' },
    })
    expect(r.id).toMatch(/^[0-9a-f]{28}$/)
    expect(JSON.stringify(r)).not.toContain('abc')
  })

  it('issue 14: a change by an administrator through the admin API names the user as actor and the app as client_id; a client actor is its own client_id', () => {
    const change = { type: 'admin.user.updated', subject: { type: 'user', id: 'u2' }, before: null, after: null } as const
    const byUser = adminChangeRecord({ tenant: 'acme', actor: { type: 'user', id: 'u1' }, clientId: 'ops-tool', via: 'api', ip: '192.0.2.7' }, change)
    expect(byUser).toMatchObject({ actor: { type: 'user', id: 'u1' }, client_id: 'ops-tool', ip: '192.0.2.7', data: { via: 'api' } })
    const byClient = adminChangeRecord({ tenant: 'acme', actor: { type: 'client', id: 'ops' }, via: 'api' }, change)
    expect(byClient.client_id).toBe('ops')
  })

  it('every change type is admin.<resource>.<action> of the contract', () => {
    for (const type of ADMIN_CHANGE_TYPES) {
      const [, resource, action] = type.split('.')
      expect(ADMIN_RESOURCES).toContain(resource)
      expect(ADMIN_ACTIONS).toContain(action)
    }
  })
})
