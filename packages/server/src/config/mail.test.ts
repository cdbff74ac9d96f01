import { describe, expect, it } from 'vitest'
import { configError } from '../../test/support/config-error.js'
import { loadConfig } from './load.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (config: Record<string, unknown>, e: Record<string, string | undefined> = env) => loadConfig({ config, env: e, cwd: '/nonexistent' })

describe('mail, passwords, sign_up (issue 13)', () => {
  it('defaults: the development mailer writing under ./data/mail, min length 8, 30-minute resets, sign-up off with link verification', () => {
    const { config } = load({})
    expect(config.mail).toEqual({ smtp_url: null, from: 'Latch <no-reply@localhost>', directory: '/nonexistent/data/mail', development: false, max_per_address: 5, max_per_source: 20, throttle_window: 3600 })
    expect(config.passwords).toEqual({ min_length: 8, reset_ttl: 1800, invite_ttl: 604_800 })
    expect(config.sign_up).toEqual({ enabled: false, verify_email: 'link', verification_ttl: 3600, max_unverified: 10_000 })
    expect(load({ mail: { smtp_url: '${SMTP_URL:-}' } }).config.mail.smtp_url).toBeNull()
  })

  it('mail.smtp_url: smtp:// and smtps:// only; a bad one names the key and never the password', () => {
    expect(load({ mail: { smtp_url: 'smtps://u:p%40ss@mail.example.com:465' } }).config.mail.smtp_url).toBe('smtps://u:p%40ss@mail.example.com:465')
    for (const bad of ['http://u:hunter2@mail.example.com', 'hunter2 not a url', 'smtp://u:hunter2@']) {
      const err = configError(() => load({ mail: { smtp_url: bad } }))
      expect(err.key).toBe('mail.smtp_url')
      expect(err.message).not.toContain('hunter2')
    }
  })

  it('NIST SP 800-63B §5.1.1.2: passwords.min_length may not go below 8 (nor above 128)', () => {
    expect(configError(() => load({ passwords: { min_length: 6 } })).key).toBe('passwords.min_length')
    expect(configError(() => load({ passwords: { min_length: 129 } })).key).toBe('passwords.min_length')
    expect(load({ passwords: { min_length: 12 } }).config.passwords.min_length).toBe(12)
  })

  it('security review L5: an https issuer without mail.smtp_url warns which features are off, or, with mail.development, that mail goes to the development mailer', () => {
    expect(load({ issuer: 'https://login.example.com' }).warnings.join('\n')).toMatch(/mail\.smtp_url is not set on an https issuer: sign-up, "Forgot password\?" and email sign-in are off/)
    expect(load({ issuer: 'https://login.example.com', mail: { development: true } }).warnings.join('\n')).toMatch(/mail\.development is true: mail .* goes to the development mailer/)
    expect(load({ issuer: 'https://login.example.com', mail: { smtp_url: 'smtp://mail.example.com' } }).warnings.join('\n')).not.toMatch(/mail\.smtp_url/)
    expect(load({}).warnings.join('\n')).not.toMatch(/mail\.smtp_url/)
  })
})
