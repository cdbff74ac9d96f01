import { describe, expect, it } from 'vitest'
import { configError } from '../../test/support/config-error.js'
import { loadConfig } from './load.js'

const env = { LATCH_SECRET: 's'.repeat(40), ALERTS_SECRET: 'w'.repeat(40) }
const load = (config: Record<string, unknown>) => loadConfig({ config, env, cwd: '/nonexistent' })
const hook = (o: Record<string, unknown> = {}) => ({ url: 'https://alerts.example/hook', secret: '${ALERTS_SECRET}', ...o })

describe('alerts (issue 14)', () => {
  it('defaults: no webhooks; thresholds 20 per account and 100 per network in 15 minutes; 10 attempts within a day', () => {
    const { config } = load({})
    expect(config.alerts).toEqual({
      webhooks: [],
      thresholds: { failed_sign_ins_per_account: { count: 20, window: 900 }, failed_sign_ins_per_network: { count: 100, window: 900 } },
      repeat_window: 900, timeout: 10, max_attempts: 10, retry_window: 86_400, queue_limit: 10_000,
    })
  })

  it('issue 14: the secret comes from the environment; events default to every alert; a threshold may be turned off with null', () => {
    const { config } = load({ alerts: { webhooks: [hook()], thresholds: { failed_sign_ins_per_network: null } } })
    expect(config.alerts.webhooks).toEqual([{ url: 'https://alerts.example/hook', secret: 'w'.repeat(40), events: ['*'] }])
    expect(config.alerts.thresholds.failed_sign_ins_per_network).toBeNull()
  })

  it('issue 14 (as OIDC Back-Channel Logout §2.2): a webhook URL is https, or http to loopback only; the error names the key, never the secret', () => {
    expect(load({ alerts: { webhooks: [hook({ url: 'http://127.0.0.1:9/hook' })] } }).config.alerts.webhooks).toHaveLength(1)
    for (const url of ['http://alerts.example/hook', 'https://u:p@alerts.example/', 'not a url']) {
      const err = configError(() => load({ alerts: { webhooks: [hook({ url })] } }))
      expect(err.key).toBe('alerts.webhooks[0].url')
      expect(err.message).not.toContain('w'.repeat(40))
    }
    expect(configError(() => load({ alerts: { webhooks: [hook(), hook()] } })).key).toBe('alerts.webhooks[1].url')
  })

  it('issue 14: events are alert types, groups or *; a short secret is refused', () => {
    expect(load({ alerts: { webhooks: [hook({ events: ['theft', 'login.throttled', 'threshold.crossed'] })] } }).config.alerts.webhooks[0]!.events).toHaveLength(3)
    expect(configError(() => load({ alerts: { webhooks: [hook({ events: ['theft', 'token.issued'] })] } })).key).toBe('alerts.webhooks[0].events[1]')
    expect(configError(() => load({ alerts: { webhooks: [hook({ secret: 'short' })] } })).key).toBe('alerts.webhooks[0].secret')
  })

  it('security review L1: a webhook secret of the wrong length and a bad webhook URL are not echoed in the error message', () => {
    const short = 'short-secret-value'
    const tooLong = 'L'.repeat(600)
    for (const secret of [short, tooLong]) {
      const err = configError(() => load({ alerts: { webhooks: [hook({ secret })] } }))
      expect(err.key).toBe('alerts.webhooks[0].secret')
      expect(err.message).not.toContain(secret.slice(0, 12))
      expect(err.message).toContain('(value hidden)')
    }
    // A URL that does not parse, one too long for the schema, one with a credential in its query.
    const credential = 'tok-9f8e7d6c5b4a'
    for (const url of [`not a url?token=${credential}`, `https://alerts.example/hook?key=${credential}&${'p'.repeat(2100)}`, `http://alerts.example/hook?key=${credential}`]) {
      const err = configError(() => load({ alerts: { webhooks: [hook({ url })] } }))
      expect(err.key).toBe('alerts.webhooks[0].url')
      expect(err.message).not.toContain(credential)
    }
    // Any key ending in secret: a connection's client_secret too.
    expect(configError(() => load({ alerts: { webhooks: [hook({ secret: 12345678 })] } })).message).not.toContain('12345678')
  })

  it('issue 14: alerts are the deployment\'s: a tenant cannot set them', () => {
    expect(() => load({ tenants: [{ id: 'acme', issuer: 'https://acme.example', alerts: { webhooks: [hook()] } }] })).toThrow(/alerts/)
  })
})
