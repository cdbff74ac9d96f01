import { describe, expect, it } from 'vitest'
import { LatchEvents } from '../events.js'
import { parsePrometheusText, valueOf } from '../../test/support/prometheus-text.js'
import { LatchMetrics } from './latch-metrics.js'

function observed(max: number) {
  const metrics = new LatchMetrics({ maxLabelValues: max })
  const events = new LatchEvents()
  let redis: boolean | undefined
  metrics.observe({
    events,
    keystores: () => [['default', { signingKeyCreatedAt: () => 1_000 }], ['acme', { signingKeyCreatedAt: () => 1_500 }]],
    poolUsage: () => ({ total: 4, idle: 3, waiting: 0, max: 10 }),
    redisAvailable: () => redis,
    now: () => 2_000,
  })
  return { metrics, events, setRedis: (up: boolean | undefined) => (redis = up) }
}

const scrape = async (metrics: LatchMetrics) => parsePrometheusText(await metrics.registry.metrics())

describe('LatchMetrics (issue 14)', () => {
  it('counts the bus events of every tenant, each under its tenant label', async () => {
    const { metrics, events } = observed(100)
    events.emit('token.issued', { grant_type: 'client_credentials', client_id: 'svc', sub: null, jti: 'j1' })
    events.forTenant('acme').emit('token.issued', { grant_type: 'client_credentials', client_id: 'svc', sub: null, jti: 'j2' })
    events.forTenant('acme').emit('token.issued', { grant_type: 'client_credentials', client_id: 'svc', sub: null, jti: 'j3' })
    events.emit('login.failed', { reason: 'throttled', ip: '192.0.2.1', account_hash: 'h' })
    events.emit('login.succeeded', { user_id: 'u', session_id: 's' })
    events.emit('mfa.locked', { user_id: 'u', failures: 5 })
    events.emit('sign_in_mail.throttled', { account_hash: 'h', ip: '192.0.2.1' })
    events.emit('authorization_code.reused', { client_id: 'web', grant_id: 'g' })
    events.emit('refresh_token.family_revoked', { client_id: 'web', grant_id: 'g', reason: 'reused' })
    events.emit('client_assertion.replayed', { client_id: 'web' })
    events.emit('passkey.counter_regressed', { user_id: 'u', credential_id: 'c', stored: 5, received: 5 })
    events.emit('token.exchanged', { client_id: 'web', sub: 'u', org_id: null, subject_token_type: 'x' })
    events.emit('token_exchange.failed', { client_id: 'web', error: 'invalid_grant' })
    const s = await scrape(metrics)
    expect(valueOf(s, 'latch_tokens_issued_total', { tenant: 'default', client_id: 'svc' })).toBe(1)
    expect(valueOf(s, 'latch_tokens_issued_total', { tenant: 'acme', client_id: 'svc' })).toBe(2)
    expect(valueOf(s, 'latch_sign_ins_total', { outcome: 'throttled' })).toBe(1)
    expect(valueOf(s, 'latch_sign_ins_total', { outcome: 'success' })).toBe(1)
    for (const throttle of ['login', 'mfa_lock', 'sign_in_mail']) expect(valueOf(s, 'latch_throttle_hits_total', { throttle }), throttle).toBe(1)
    for (const artefact of ['authorization_code', 'refresh_token', 'client_assertion', 'passkey_counter']) expect(valueOf(s, 'latch_reuse_detections_total', { artefact }), artefact).toBe(1)
    expect(valueOf(s, 'latch_token_exchanges_total', { outcome: 'success' })).toBe(1)
    expect(valueOf(s, 'latch_token_exchanges_total', { outcome: 'invalid_grant' })).toBe(1)
    expect(valueOf(s, 'latch_signing_key_age_seconds', { tenant: 'default' })).toBe(1_000)
    expect(valueOf(s, 'latch_signing_key_age_seconds', { tenant: 'acme' })).toBe(500)
    expect(valueOf(s, 'latch_db_pool_connections')).toBe(4)
    expect(valueOf(s, 'latch_db_pool_max_connections')).toBe(10)
  })

  it('bounded cardinality: past metrics.max_label_values clients (and tenants), the rest count under other', async () => {
    const { metrics, events } = observed(3)
    for (let i = 0; i < 10; i++) {
      for (let n = 0; n <= i; n++) events.emit('token.issued', { grant_type: 'client_credentials', client_id: `client-${i}`, sub: null, jti: `j${i}-${n}` })
    }
    for (let i = 0; i < 10; i++) events.forTenant(`t${i}`).emit('login.failed', { reason: 'bad_credentials', ip: '192.0.2.1', account_hash: 'h' })
    const s = await scrape(metrics)
    const clients = s.samples.filter((x) => x.name === 'latch_tokens_issued_total').map((x) => x.labels.client_id)
    expect(clients.sort()).toEqual(['client-0', 'client-1', 'client-2', 'other'])
    // 1 + 2 + 3 labelled, the other 7 clients' 4 + … + 10 tokens under other.
    expect(valueOf(s, 'latch_tokens_issued_total', { client_id: 'other' })).toBe(49)
    const tenants = new Set(s.samples.filter((x) => x.name === 'latch_sign_ins_total').map((x) => x.labels.tenant))
    // default took one of the 3 tenant slots (its tokens); t0 and t1 the others.
    expect([...tenants].sort()).toEqual(['other', 't0', 't1'])
  })

  it('latch_redis_up: 1 or 0 with Redis configured, no sample without it', async () => {
    const { metrics, setRedis } = observed(10)
    expect((await scrape(metrics)).samples.some((x) => x.name === 'latch_redis_up')).toBe(false)
    setRedis(true)
    expect(valueOf(await scrape(metrics), 'latch_redis_up')).toBe(1)
    setRedis(false)
    expect(valueOf(await scrape(metrics), 'latch_redis_up')).toBe(0)
  })

  it('histograms: cumulative le buckets ending in +Inf equal to _count; query latency by outcome', async () => {
    const { metrics } = observed(10)
    const route = metrics.http.route('/token')
    for (const seconds of [0.0004, 0.002, 0.002, 20]) route.record('POST', 200, seconds)
    route.record('BREW', 418, 0.001)
    metrics.onQuery(0.0003, false)
    metrics.onQuery(0.2, true)
    const s = await scrape(metrics)
    const labels = { route: '/token', method: 'POST', status: '200' }
    expect(valueOf(s, 'latch_http_request_duration_seconds_bucket', { ...labels, le: '0.0005' })).toBe(1)
    expect(valueOf(s, 'latch_http_request_duration_seconds_bucket', { ...labels, le: '0.0025' })).toBe(3)
    expect(valueOf(s, 'latch_http_request_duration_seconds_bucket', { ...labels, le: '10' })).toBe(3)
    expect(valueOf(s, 'latch_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(4)
    expect(valueOf(s, 'latch_http_request_duration_seconds_count', labels)).toBe(4)
    expect(valueOf(s, 'latch_http_request_duration_seconds_sum', labels)).toBeCloseTo(20.0044)
    expect(valueOf(s, 'latch_http_requests_total', labels)).toBe(4)
    expect(valueOf(s, 'latch_http_requests_total', { method: 'other', status: '418' })).toBe(1)
    expect(valueOf(s, 'latch_db_query_duration_seconds_count', { outcome: 'ok' })).toBe(1)
    expect(valueOf(s, 'latch_db_query_duration_seconds_count', { outcome: 'error' })).toBe(1)
  })
})
