/**
 * Issue 14, `GET /metrics`: scraped over real HTTP after real flows and parsed by a strict parser
 * of the Prometheus text format (test/support/prometheus-text.ts). Counters move as the flows say
 * (a client-credentials token, a failed sign-in, a refused token exchange, the route template of a
 * request), the access rule holds (bearer token: 401 without, 200 with; without a token the socket
 * peer must be loopback, whatever X-Forwarded-For claims), `metrics.port` serves it alone, it
 * answers on any host, no label carries a token, code, secret or email, and the Grafana dashboard
 * queries only metrics a real scrape has.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as httpCreateServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type LatchServer } from '../../src/server.js'
import { ALICE, API, SERVICE_SECRET, TEST_SECRET, WEB_SECRET, baseTestConfig, basic, freePort, postForm, startServer, type TestServer } from '../helpers.js'
import { parsePrometheusText, valueOf, type Scrape } from '../support/prometheus-text.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'
import { createStore } from '../../src/storage/kysely-store.js'
import type { Store } from '../../src/storage/store.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const METRICS_TOKEN = 'metrics-token-0123456789abcdef'

/** A GET with full control of headers (fetch forbids `Host`). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await get(url, headers)
  expect(res.status, res.body).toBe(200)
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(res.body)
}

describe('GET /metrics on the main port, loopback, no token', () => {
  let server: TestServer
  let port: number
  const secrets: string[] = [SERVICE_SECRET, WEB_SECRET, ALICE.password, ALICE.email, 'wrong-password-for-metrics']

  beforeAll(async () => {
    port = await freePort()
    server = await startServer(
      {
        default_resource: API,
        clients: baseTestConfig.clients.map((c) => (c.client_id === 'web' ? { ...c, grant_types: [...c.grant_types, TOKEN_EXCHANGE] } : c)),
        // Issue 11: a second tenant, so that routing by host is on (the probe and metrics answer on any host).
        tenants: [{ id: 'acme', issuer: `http://acme.localhost:${port}` }],
      },
      { port },
    )
  })
  afterAll(async () => {
    await server?.close()
  })

  it('Prometheus text format 0.0.4: every line parses; latch_* families, process and Node.js defaults are there', async () => {
    const s = await scrape(`${server.url}/metrics`)
    for (const name of [
      'latch_http_requests_total', 'latch_http_request_duration_seconds', 'latch_tokens_issued_total', 'latch_sign_ins_total',
      'latch_throttle_hits_total', 'latch_reuse_detections_total', 'latch_token_exchanges_total', 'latch_signing_key_age_seconds',
      'latch_db_pool_connections', 'latch_db_pool_idle_connections', 'latch_db_pool_waiting_queries', 'latch_db_pool_max_connections',
      'latch_db_query_duration_seconds', 'latch_redis_up', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds',
    ]) {
      expect(s.types.has(name), name).toBe(true)
    }
    expect(s.types.get('latch_http_request_duration_seconds')).toBe('histogram')
    expect(s.types.get('latch_tokens_issued_total')).toBe('counter')
    // The key signing now was made at this server's start.
    const age = valueOf(s, 'latch_signing_key_age_seconds', { tenant: 'default' })
    expect(age).toBeGreaterThanOrEqual(0)
    expect(age).toBeLessThan(600)
    // Queries ran (seeding, keys): their latency is observed.
    expect(valueOf(s, 'latch_db_query_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThan(0)
    // No redis_url: no sample.
    expect(s.samples.some((x) => x.name === 'latch_redis_up')).toBe(false)
    if (server.server.config.database.startsWith('postgres')) {
      expect(valueOf(s, 'latch_db_pool_max_connections')).toBeGreaterThan(0)
      expect(valueOf(s, 'latch_db_pool_connections')).toBeGreaterThan(0)
    } else {
      expect(s.samples.some((x) => x.name.startsWith('latch_db_pool_'))).toBe(false)
    }
  })

  it('RFC 6749 §4.4: a client-credentials token counts once for its grant and client, and its request under the /token template', async () => {
    const before = await scrape(`${server.url}/metrics`)
    const labels = { tenant: 'default', grant_type: 'client_credentials', client_id: 'service' }
    const res = await postForm(`${server.url}/token`, { grant_type: 'client_credentials', scope: 'read:data' }, { authorization: basic('service', SERVICE_SECRET) })
    expect(res.status, await res.clone().text()).toBe(200)
    secrets.push(((await res.json()) as { access_token: string }).access_token)
    const after = await scrape(`${server.url}/metrics`)
    expect(valueOf(after, 'latch_tokens_issued_total', labels) - valueOf(before, 'latch_tokens_issued_total', labels)).toBe(1)
    const route = { route: '/token', method: 'POST', status: '200' }
    expect(valueOf(after, 'latch_http_requests_total', route) - valueOf(before, 'latch_http_requests_total', route)).toBe(1)
    expect(valueOf(after, 'latch_http_request_duration_seconds_count', route) - valueOf(before, 'latch_http_request_duration_seconds_count', route)).toBe(1)
    const inf = valueOf(after, 'latch_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })
    expect(inf).toBe(valueOf(after, 'latch_http_request_duration_seconds_count', route))
  })

  it('RFC 6749 §5.2: a failed password sign-in counts as bad_credentials', async () => {
    const before = await scrape(`${server.url}/metrics`)
    const res = await postForm(`${server.url}/token`, { grant_type: 'password', username: ALICE.email, password: 'wrong-password-for-metrics', scope: 'openid' }, { authorization: basic('web', WEB_SECRET) })
    expect(res.status).toBe(400)
    const after = await scrape(`${server.url}/metrics`)
    const labels = { tenant: 'default', outcome: 'bad_credentials' }
    expect(valueOf(after, 'latch_sign_ins_total', labels) - valueOf(before, 'latch_sign_ins_total', labels)).toBe(1)
  })

  it('RFC 8693 §2.2.2: a refused token exchange counts under its error code, a granted one as success', async () => {
    const before = await scrape(`${server.url}/metrics`)
    const refused = await postForm(
      `${server.url}/token`,
      { grant_type: TOKEN_EXCHANGE, subject_token: 'not-a-token-0123456789', subject_token_type: ACCESS_TOKEN_TYPE },
      { authorization: basic('web', WEB_SECRET) },
    )
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant')
    const signedIn = await postForm(`${server.url}/token`, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid read:data' }, { authorization: basic('web', WEB_SECRET) })
    expect(signedIn.status, await signedIn.clone().text()).toBe(200)
    const subject = ((await signedIn.json()) as { access_token: string }).access_token
    secrets.push(subject)
    const granted = await postForm(`${server.url}/token`, { grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE }, { authorization: basic('web', WEB_SECRET) })
    expect(granted.status, JSON.stringify(await granted.clone().json())).toBe(200)
    secrets.push(((await granted.json()) as { access_token: string }).access_token)
    const after = await scrape(`${server.url}/metrics`)
    const delta = (outcome: string) => valueOf(after, 'latch_token_exchanges_total', { tenant: 'default', outcome }) - valueOf(before, 'latch_token_exchanges_total', { tenant: 'default', outcome })
    expect(delta('invalid_grant')).toBe(1)
    expect(delta('success')).toBe(1)
  })

  it('route labels are templates, never the URL sent: an unknown path is (unmatched), a parameter stays :param', async () => {
    const before = await scrape(`${server.url}/metrics`)
    expect((await get(`${server.url}/no-such-path-4f2a?code=secret-code-value`)).status).toBe(404)
    expect((await get(`${server.url}/connections/some-id-9b1c/start`)).status).toBeGreaterThanOrEqual(300)
    const after = await scrape(`${server.url}/metrics`)
    const unmatched = { route: '(unmatched)', method: 'GET', status: '404' }
    expect(valueOf(after, 'latch_http_requests_total', unmatched) - valueOf(before, 'latch_http_requests_total', unmatched)).toBe(1)
    const routes = new Set(after.samples.filter((x) => x.name === 'latch_http_requests_total').map((x) => x.labels.route))
    expect([...routes].some((r) => r!.includes('no-such-path') || r!.includes('some-id'))).toBe(false)
    expect([...routes].some((r) => r!.startsWith('/connections/:'))).toBe(true)
  })

  it('answers on any host, like /healthz (issue 14: load balancers and scrapers call nodes by address)', async () => {
    const res = await get(`${server.url}/metrics`, { host: `unknown-host.example:${port}` })
    expect(res.status).toBe(200)
    // While another host without a tenant is not routed.
    expect((await get(`${server.url}/jwks`, { host: `unknown-host.example:${port}` })).status).toBe(404)
  })

  it('Security: no label value holds a token, code, secret, password or email', async () => {
    const s = await scrape(`${server.url}/metrics`)
    for (const sample of s.samples) {
      for (const value of Object.values(sample.labels)) {
        expect(value).not.toMatch(/@|^eyJ|secret-code/)
        for (const secret of secrets) expect(value.includes(secret), `${sample.name} ${value}`).toBe(false)
      }
    }
  })

  it('the Grafana dashboard (deploy/grafana/latch.json) parses, and every metric it queries is in a real scrape', async () => {
    const s = await scrape(`${server.url}/metrics`)
    const dashboard = JSON.parse(readFileSync(new URL('../../../../deploy/grafana/latch.json', import.meta.url), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] }
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))
    expect(exprs.length).toBeGreaterThan(8)
    const names = new Set(exprs.flatMap((e) => e.match(/\b(latch|process|nodejs)_[a-z0-9_]+/g) ?? []))
    for (const name of names) {
      const family = s.types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '')
      expect(s.types.has(family), name).toBe(true)
    }
  })
})

describe('metrics.token (LATCH_METRICS_TOKEN)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer({ metrics: { token: METRICS_TOKEN } })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('RFC 6750 §3: without the bearer token, 401 with WWW-Authenticate: Bearer, even from loopback', async () => {
    const res = await get(`${server.url}/metrics`)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(res.headers['cache-control']).toBe('no-store')
    const wrong = await get(`${server.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}x` })
    expect(wrong.status).toBe(401)
    const basicScheme = await get(`${server.url}/metrics`, { authorization: `Basic ${Buffer.from(`a:${METRICS_TOKEN}`).toString('base64')}` })
    expect(basicScheme.status).toBe(401)
  })

  it('RFC 6750 §2.1: with Authorization: Bearer <token>, 200 and the metrics', async () => {
    const s = await scrape(`${server.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })
    expect(s.types.has('latch_tokens_issued_total')).toBe(true)
  })

  it('the env var LATCH_METRICS_TOKEN sets metrics.token', async () => {
    const { loadConfig } = await import('../../src/config/load.js')
    const dir = mkdtempSync(join(tmpdir(), 'latch-metrics-env-'))
    try {
      const { config } = loadConfig({ config: {}, env: { LATCH_SECRET: TEST_SECRET, LATCH_METRICS_TOKEN: METRICS_TOKEN }, cwd: dir })
      expect(config.metrics.token).toBe(METRICS_TOKEN)
      // Security: a token the loader refuses is named by its key, its value never echoed.
      expect(() => loadConfig({ config: {}, env: { LATCH_SECRET: TEST_SECRET, LATCH_METRICS_TOKEN: 'short-t0ken' }, cwd: dir })).toThrow(/metrics\.token/)
      try {
        loadConfig({ config: {}, env: { LATCH_SECRET: TEST_SECRET, LATCH_METRICS_TOKEN: 'short-t0ken' }, cwd: dir })
      } catch (err) {
        expect(String((err as Error).message)).not.toContain('short-t0ken')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** This machine's first non-loopback IPv4 address, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address

describe('without a token: the socket peer decides, never X-Forwarded-For', () => {
  let server: LatchServer
  let dir: string
  let port: number
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latch-metrics-peer-'))
    port = await freePort()
    server = await createServer({
      // A proxy elsewhere: the loopback peers of these tests are not it.
      config: { ...baseTestConfig, database: `sqlite:${join(dir, 'latch.db')}`, issuer: `http://127.0.0.1:${port}`, trust_proxy: ['192.0.2.1'] },
      env: { LATCH_SECRET: TEST_SECRET },
      logger: pino({ level: 'silent' }),
      cwd: dir,
    })
    // Every interface, so that the same server can be reached from loopback and from outside it.
    await server.listen(port, '0.0.0.0')
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a loopback peer that sends no forwarding header is served', async () => {
    const res = await get(`http://127.0.0.1:${port}/metrics`)
    expect(res.status).toBe(200)
  })

  it('security review M1: a loopback peer carrying Forwarded, X-Forwarded-For/-Host/-Proto or X-Real-IP (a proxy or tunnel on this machine) is refused (403)', async () => {
    for (const [name, value] of [['forwarded', 'for=203.0.113.7;proto=https'], ['x-forwarded-for', '203.0.113.7'], ['x-forwarded-host', 'login.example.com'], ['x-forwarded-proto', 'https'], ['x-real-ip', '203.0.113.7']] as const) {
      const res = await get(`http://127.0.0.1:${port}/metrics`, { [name]: value })
      expect(res.status, name).toBe(403)
      expect(res.body).toMatch(/metrics\.token or metrics\.port/)
      expect(res.headers['cache-control']).toBe('no-store')
    }
  })

  it('security review M1: a real reverse proxy on loopback (adds X-Forwarded-For, as Caddy and nginx do) gets 403 for whoever is behind it', async () => {
    const proxy = httpCreateServer((req, res) => {
      const upstream = httpRequest(`http://127.0.0.1:${port}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      upstream.on('error', () => res.writeHead(502).end())
      req.pipe(upstream)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
      expect((await get(`${proxied}/metrics`)).status).toBe(403)
      // The rest of the server answers through it as usual.
      expect((await get(`${proxied}/healthz`)).status).toBe(200)
    } finally {
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  })

  it.skipIf(outside === undefined)('RFC 7239 §7.4: a peer off loopback is refused (403) even when X-Forwarded-For says 127.0.0.1 and trust_proxy is on', async () => {
    const res = await get(`http://${outside}:${port}/metrics`, { 'x-forwarded-for': '127.0.0.1' })
    expect(res.status).toBe(403)
    expect(res.headers['cache-control']).toBe('no-store')
    // The rest of the server answers that peer as usual.
    expect((await get(`http://${outside}:${port}/healthz`)).status).toBe(200)
  })
})

describe('security review M1: a socket peer that trust_proxy names is a proxy', () => {
  let server: TestServer
  beforeAll(async () => {
    // The proxy runs on this machine: its connections come from 127.0.0.1.
    server = await startServer({ trust_proxy: ['127.0.0.1'] })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('security review M1: without a token, /metrics on the main port refuses (403) a request from the configured proxy\'s address, even without forwarding headers', async () => {
    const res = await get(`${server.url}/metrics`)
    expect(res.status).toBe(403)
    expect(res.body).toMatch(/metrics\.token or metrics\.port/)
    expect((await get(`${server.url}/healthz`)).status).toBe(200)
  })
})

describe('security review M1: behind a proxy, metrics.port or metrics.token still serve the scraper', () => {
  let server: TestServer
  let tokened: TestServer
  beforeAll(async () => {
    server = await startServer({ trust_proxy: ['127.0.0.1'], metrics: { port: 0 } })
    tokened = await startServer({ trust_proxy: true, metrics: { token: METRICS_TOKEN } })
  })
  afterAll(async () => {
    await server?.close()
    await tokened?.close()
  })

  it('metrics.port: a loopback scrape is served (trust_proxy names the main port\'s proxies), one carrying a forwarding header is refused (403)', async () => {
    const url = server.server.metricsUrl!
    expect((await get(url)).status).toBe(200)
    const forwarded = await get(url, { 'x-forwarded-for': '203.0.113.7' })
    expect(forwarded.status).toBe(403)
    expect((await get(url, { forwarded: 'for=203.0.113.7' })).status).toBe(403)
  })

  it('metrics.token: the bearer token decides, through a proxy or not', async () => {
    expect((await get(`${tokened.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}`, 'x-forwarded-for': '203.0.113.7' })).status).toBe(200)
    expect((await get(`${tokened.url}/metrics`, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(401)
  })
})

describe('security review (bug): a store given to createServer, as `latch serve` gives its own, reports its query durations', () => {
  let db: TestDatabase
  let store: Store
  let server: LatchServer
  let url: string
  beforeAll(async () => {
    db = await createTestDatabase()
    // Opened as apps/cli/src/context.ts opens it: no onQuery.
    store = await createStore(db.url, { migrate: true })
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    server = await createServer({
      config: { ...baseTestConfig, default_resource: API, database: db.url, issuer: url },
      env: { LATCH_SECRET: TEST_SECRET },
      logger: pino({ level: 'silent' }),
      cwd: db.dir,
      store,
    })
    await server.listen(port, '127.0.0.1')
  })
  afterAll(async () => {
    await server?.close()
    await store?.close()
    await db?.dispose()
  })

  it('security review: latch_db_query_duration_seconds counts the queries of the served store (seeding, keys, a token request)', async () => {
    const before = await scrape(`${url}/metrics`)
    const count = (s: Scrape) => valueOf(s, 'latch_db_query_duration_seconds_count', { outcome: 'ok' })
    expect(count(before)).toBeGreaterThan(0)
    const res = await postForm(`${url}/token`, { grant_type: 'client_credentials', scope: 'read:data' }, { authorization: basic('service', SERVICE_SECRET) })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(count(await scrape(`${url}/metrics`))).toBeGreaterThan(count(before))
  })

  it('the observer is detached when the server closes, and the store it was given stays open', async () => {
    const seen: number[] = []
    // Another observer set meanwhile is not cleared by the server's close.
    const detach = store.observeQueries((seconds) => seen.push(seconds))
    await server.close()
    await store.ping()
    expect(seen.length).toBeGreaterThan(0)
    detach()
    const after = seen.length
    await store.ping()
    expect(seen.length).toBe(after)
  })
})

describe('metrics.port: /metrics on a listener of its own', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer({ metrics: { port: 0 } })
  })

  it('serves /metrics there, and not on the main port; other paths are 404 there', async () => {
    const url = server.server.metricsUrl
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    expect(url).not.toContain(`:${new URL(server.url).port}/`)
    const s = await scrape(url!)
    expect(s.types.has('latch_http_requests_total')).toBe(true)
    expect((await get(`${server.url}/metrics`)).status).toBe(404)
    expect((await get(url!.replace('/metrics', '/token'))).status).toBe(404)
    // Requests to the main port are still counted (the listener reads the same registry).
    await get(`${server.url}/healthz`)
    const after = await scrape(url!)
    expect(valueOf(after, 'latch_http_requests_total', { route: '/healthz', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1)
  })

  it('closes with the server', async () => {
    const url = server.server.metricsUrl!
    await server.close()
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/)
  })
})

describe('Redis availability (the rate-limit backend)', () => {
  let server: TestServer | undefined
  afterAll(async () => {
    await server?.close()
  })

  it('latch_redis_up is 1 while Redis answers', async (t) => {
    try {
      server = await startServer({ redis_url: 'redis://127.0.0.1:6379', redis_key_prefix: `latch-metrics-test-${process.pid}:` })
    } catch (err) {
      t.skip(`skipped: redis unreachable (${String(err)})`)
    }
    const s = await scrape(`${server!.url}/metrics`)
    const up = valueOf(s, 'latch_redis_up')
    if (up === 0) t.skip('skipped: redis unreachable')
    expect(up).toBe(1)
  })
})
