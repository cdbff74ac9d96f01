/**
 * Issue 14: OpenTelemetry traces, collected by an in-process OTLP/HTTP receiver (JSON). With
 * `tracing.enabled`, a token request is one trace: the SERVER span `POST /token` with its HTTP
 * attributes, the grant's span under it and store spans under those; an incoming `traceparent`
 * is continued; outbound calls (a back-channel logout delivery, an upstream request) are CLIENT
 * spans whose `traceparent` reaches the receiver. Real flows (authorization code with PKCE after
 * a password sign-in, refresh, client credentials with a secret, logout) leave no secret,
 * password, code, token, email or cookie in anything exported. With tracing off, no SDK starts
 * and nothing is sent.
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { types } from 'node:util'
import { propagation, trace } from '@opentelemetry/api'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { upstreamPolicyOf, upstreamRequest } from '../../src/connections/transport.js'
import { tracingEnabled, withSpan } from '../../src/lib/tracing.js'
import { attemptAlert } from '../../src/alerts/delivery.js'
import { webhookId, type Webhook } from '../../src/alerts/webhooks.js'
import type { AlertDeliveryRecord } from '../../src/storage/store.js'
import { Browser, isLoginPage } from '../browser.js'
import { ALICE, SERVICE_SECRET, WEB_REDIRECT, baseTestConfig, basic, postForm, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, redeem, webRequest } from '../support/federation.js'
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js'
import { startOidcStandIn, type OidcStandIn } from '../support/upstream/oidc-stand-in.js'

const SECRET = 'trace-secret-0123456789abcdef0123456789ab'
const UPSTREAM_SECRET = 'trace-upstream-secret-0123456789abcdef01'
const SERVER = 2
const CLIENT = 3

/** A receiver of outbound calls that keeps each request's headers. */
async function startHeaderSink(): Promise<{ url: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = []
  const server: Server = createHttpServer((req, res) => {
    req.resume()
    req.on('end', () => {
      headers.push(req.headers)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/

describe('OpenTelemetry traces (tracing.enabled)', () => {
  let otlp: OtlpReceiver
  let sink: Awaited<ReturnType<typeof startHeaderSink>>
  let s: TestServer
  let standIn: OidcStandIn

  beforeAll(async () => {
    otlp = await startOtlpReceiver()
    sink = await startHeaderSink()
    standIn = await startOidcStandIn({ clientId: 'latch', clientSecret: UPSTREAM_SECRET, user: { sub: 'erin-1', email: 'erin@example.com', email_verified: true, name: 'Erin' } })
    s = await startServer({
      connections: [{ id: 'standin', type: 'oidc', display_name: 'Stand-in', issuer: standIn.issuer, client_id: 'latch', client_secret: UPSTREAM_SECRET }],
      clients: [
        ...baseTestConfig.clients,
        {
          client_id: 'traced', client_secret: SECRET, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [WEB_REDIRECT],
          scope: 'openid email offline_access', skip_consent: true, backchannel_logout_uri: `${sink.url}/bcl`,
        },
      ],
      tracing: { enabled: true, endpoint: otlp.url, service_name: 'latch-test' },
      // Security review L6: X-Forwarded-Proto is believed for request.protocol; the span must not be.
      trust_proxy: true,
    })
  })
  afterAll(async () => {
    await s?.close()
    await sink?.close()
    await standIn?.close()
    await otlp?.close()
  })

  /** Spans exported so far. */
  const exported = async () => {
    await s.server.flushTraces()
    return otlp.spans
  }
  const serverSpanOf = (spans: ReceivedSpan[], traceId: string) => spans.find((span) => span.traceId === traceId && span.kind === SERVER)
  /** Whether `span` descends from `ancestor` through spans of `spans`. */
  const descends = (spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
    const byId = new Map(spans.map((x) => [x.spanId, x]))
    for (let at: ReceivedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) if (at.parentSpanId === ancestor.spanId) return true
    return false
  }

  it('OTel HTTP semconv: a token request is one trace: SERVER span "POST /token" with its attributes, the grant span and store spans under it', async () => {
    const traceId = randomBytes(16).toString('hex')
    const parentId = randomBytes(8).toString('hex')
    const res = await postForm(`${s.url}/token`, { grant_type: 'client_credentials', scope: 'read:data', resource: 'https://api.example.com' }, { authorization: basic('service', SERVICE_SECRET), traceparent: `00-${traceId}-${parentId}-01` })
    expect(res.status, await res.text()).toBe(200)
    const spans = await exported()
    const root = serverSpanOf(spans, traceId)
    expect(root?.name).toBe('POST /token')
    // W3C Trace Context §3.2: the caller's trace continues under its span.
    expect(root?.parentSpanId).toBe(parentId)
    const port = Number(new URL(s.url).port)
    expect(root?.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/token',
      'http.response.status_code': 200,
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': port,
      'latch.tenant': 'default',
    })
    expect(root?.resource['service.name']).toBe('latch-test')
    const grant = spans.find((span) => span.traceId === traceId && span.name === 'grant client_credentials')
    expect(grant?.parentSpanId).toBe(root?.spanId)
    expect(grant?.attributes).toMatchObject({ 'oauth.grant_type': 'client_credentials', 'oauth.client_id': 'service', 'latch.tenant': 'default' })
    const stores = spans.filter((span) => span.traceId === traceId && span.name.startsWith('store.'))
    expect(stores.length).toBeGreaterThan(0)
    for (const span of stores) {
      expect(span.name).toMatch(/^store\.[a-zA-Z]+(\.[a-zA-Z]+)?$/)
      expect(span.attributes['db.system']).toBe(s.server.config.database.startsWith('sqlite:') ? 'sqlite' : 'postgresql')
      expect(descends(spans, span, root!), span.name).toBe(true)
    }
    // The client's first lookup (the cache is cold) is under the request, beside the grant (a JWT client-credentials grant writes nothing).
    expect(stores.find((span) => span.name === 'store.clients.get')?.parentSpanId).toBe(root?.spanId)
  })

  it('security review L6: url.scheme is the tenant issuer\'s scheme, never X-Forwarded-Proto (which trust_proxy lets a client write)', async () => {
    for (const proto of ['https', 'javascript', 'x'.repeat(300)]) {
      const traceId = randomBytes(16).toString('hex')
      const res = await postForm(`${s.url}/token`, { grant_type: 'client_credentials', scope: 'read:data', resource: 'https://api.example.com' }, {
        authorization: basic('service', SERVICE_SECRET), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, 'x-forwarded-proto': proto,
      })
      expect(res.status, await res.text()).toBe(200)
      const root = serverSpanOf(await exported(), traceId)
      expect(root?.attributes['url.scheme'], proto.slice(0, 20)).toBe('http')
    }
    // Also on a request that no tenant answered (no route): the deployment issuer's scheme.
    const traceId = randomBytes(16).toString('hex')
    const res = await fetch(`${s.url}/no-such-route-l6`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, 'x-forwarded-proto': 'https' } })
    await res.body?.cancel()
    expect(serverSpanOf(await exported(), traceId)?.attributes['url.scheme']).toBe('http')
  })

  it('W3C Trace Context: without traceparent a request starts its own trace; an invalid one is ignored', async () => {
    const before = otlp.spans.length
    const res = await fetch(`${s.url}/.well-known/openid-configuration?probe=visible-only-in-the-url`, { headers: { traceparent: '00-zz-nothex-01' } })
    await res.body?.cancel()
    const spans = (await exported()).slice(before)
    const root = spans.find((span) => span.kind === SERVER && span.name === 'GET /.well-known/openid-configuration')
    expect(root).toBeDefined()
    expect(root?.parentSpanId).toBeUndefined()
    expect(root?.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(JSON.stringify(root)).not.toContain('visible-only-in-the-url')
  })

  it('OTel HTTP semconv: a request no route matched is named by its method only, without the path', async () => {
    const before = otlp.spans.length
    const res = await fetch(`${s.url}/no-such-route-${randomBytes(4).toString('hex')}`)
    expect(res.status).toBe(404)
    await res.body?.cancel()
    const root = (await exported()).slice(before).find((span) => span.kind === SERVER)
    expect(root?.name).toBe('GET')
    expect(root?.attributes['http.route']).toBeUndefined()
    expect(root?.attributes['http.response.status_code']).toBe(404)
  })

  it('an upstream request (connections/transport.ts) is a CLIENT span, and the upstream receives its traceparent', async () => {
    const before = otlp.spans.length
    const url = `${sink.url}/token?secret-in-query=1`
    const res = await withSpan('test.parent', {}, () => upstreamRequest(upstreamPolicyOf({ issuer: sink.url, authorization_endpoint: null, token_endpoint: null, userinfo_endpoint: null, emails_endpoint: null }), url, { method: 'POST', body: 'a=b' }))
    expect(res.status).toBe(200)
    const spans = (await exported()).slice(before)
    const client = spans.find((span) => span.name === 'POST upstream')
    expect(client?.kind).toBe(CLIENT)
    expect(client?.attributes).toEqual({ 'http.request.method': 'POST', 'url.scheme': 'http', 'server.address': '127.0.0.1', 'server.port': Number(new URL(sink.url).port), 'http.response.status_code': 200 })
    const match = TRACEPARENT.exec(String(sink.headers.at(-1)?.traceparent))
    expect(match?.[1]).toBe(client?.traceId)
    expect(match?.[2]).toBe(client?.spanId)
  })

  it('an alert webhook POST (alerts/delivery.ts) is a CLIENT span "POST webhook", and the receiver gets its traceparent; the signature header and body are not exported', async () => {
    const before = otlp.spans.length
    const hooked = `${sink.url}/alerts`
    const webhook: Webhook = { id: webhookId(hooked), url: hooked, origin: sink.url, secret: SECRET, events: ['*'] }
    const row: AlertDeliveryRecord = { id: 'alert-traced', webhook_id: webhookId(hooked), tenant: 'default', type: 'authorization_code.reused', body: '{"secret-in-body":true}', created_at: 1, attempts: 0, next_attempt_at: 1, leased_until: null, last_status: null }
    const outcome = await attemptAlert(s.server.config.alerts, webhook, row, () => 1_000)
    expect(outcome).toEqual({ outcome: 'delivered', status: 200 })
    const spans = (await exported()).slice(before)
    const client = spans.find((span) => span.name === 'POST webhook')
    expect(client?.kind).toBe(CLIENT)
    const match = TRACEPARENT.exec(String(sink.headers.at(-1)?.traceparent))
    expect(match?.[1]).toBe(client?.traceId)
    expect(match?.[2]).toBe(client?.spanId)
    expect(JSON.stringify(spans)).not.toContain('secret-in-body')
    expect(JSON.stringify(spans)).not.toContain(String(sink.headers.at(-1)?.['latch-signature']))
  })

  it('a sign-in through a connection: the upstream token request is a CLIENT span under the callback request, and the upstream receives its traceparent; none of its secrets is exported', async () => {
    const before = otlp.bodies.length
    const browser = new FederatedBrowser()
    const request = webRequest(s.url)
    const page = await browser.open(connectionLink(await browser.open(request.url), 'Stand-in'))
    const { body } = await redeem(s.url, page.redirect!, request.verifier)
    expect(body.access_token).toBeTruthy()
    const spans = await exported()
    const tokenCall = standIn.requests.find((r) => r.path === '/token')
    const sent = TRACEPARENT.exec(String(tokenCall?.traceparent))
    expect(sent).not.toBeNull()
    const client = spans.find((span) => span.spanId === sent?.[2])
    expect(client?.name).toBe('POST upstream')
    expect(client?.kind).toBe(CLIENT)
    expect(client?.traceId).toBe(sent?.[1])
    const callback = serverSpanOf(spans, client!.traceId)
    expect(callback?.name).toBe('GET /connections/:id/callback')
    expect(descends(spans, client!, callback!)).toBe(true)
    // Discovery, JWKS and UserInfo went out traced too.
    expect(standIn.requests.filter((r) => r.path !== '/authorize').every((r) => TRACEPARENT.test(String(r.traceparent)))).toBe(true)
    const text = otlp.bodies.slice(before).join('\n')
    for (const value of [UPSTREAM_SECRET, 'erin@example.com', ...standIn.secrets, body.access_token!, body.id_token!, request.verifier]) {
      expect(text.includes(value), 'an upstream secret is exported').toBe(false)
    }
  })

  it('RFC 6819 §5.1.4.1: real flows (PKCE code after a password sign-in, refresh, client credentials, logout with its back-channel delivery) export no secret, password, code, token, email or cookie', async () => {
    const before = otlp.bodies.length
    const secrets = new Map<string, string>([[SECRET, 'client secret'], [SERVICE_SECRET, 'service secret'], [ALICE.password, 'password'], [ALICE.email, 'email']])
    const browser = new Browser(s.url)
    const verifier = randomBytes(32).toString('base64url')
    secrets.set(verifier, 'code_verifier')
    const authorize = `${s.url}/authorize?${new URLSearchParams({ client_id: 'traced', redirect_uri: WEB_REDIRECT, response_type: 'code', scope: 'openid email offline_access', state: 'state-value-x', nonce: 'nonce-value-x', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' })}`
    const login = await browser.open(authorize)
    expect(isLoginPage(login)).toBe(true)
    const page = await browser.signIn(login, ALICE.email, ALICE.password)
    const code = page.redirect?.searchParams.get('code')
    expect(code).toBeTruthy()
    secrets.set(code!, 'code')
    const sink0 = sink.headers.length
    const tokens = (await (await postForm(`${s.url}/token`, { grant_type: 'authorization_code', code: code!, redirect_uri: WEB_REDIRECT, code_verifier: verifier }, { authorization: basic('traced', SECRET) })).json()) as Record<string, string>
    expect(tokens.refresh_token).toBeTruthy()
    const refreshed = (await (await postForm(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { authorization: basic('traced', SECRET) })).json()) as Record<string, string>
    expect(refreshed.access_token).toBeTruthy()
    const service = (await (await postForm(`${s.url}/token`, { grant_type: 'client_credentials', client_id: 'web2', client_secret: 'other-secret-0123456789abcdef0123456789' })).json()) as Record<string, string>
    expect(service.access_token).toBeTruthy()
    secrets.set('other-secret-0123456789abcdef0123456789', 'client_secret_post secret')
    for (const body of [tokens, refreshed, service]) {
      for (const name of ['access_token', 'refresh_token', 'id_token'] as const) {
        if (!body[name]) continue
        secrets.set(body[name], name)
        if (body[name].split('.').length === 3) secrets.set(body[name].split('.')[2]!, `${name} signature`)
      }
    }
    for (const value of browser.cookies.values()) secrets.set(value, 'cookie')
    // Logout: the session ends and its back-channel logout token goes to the client, traced.
    const sid = decodeJwt(tokens.id_token!).sid as string
    const out = await browser.fetch(`${s.url}/logout?id_token_hint=${tokens.id_token}`)
    await out.body?.cancel()
    await s.server.deliverLogouts()
    expect(sink.headers.length).toBeGreaterThan(sink0)
    const delivered = TRACEPARENT.exec(String(sink.headers.at(-1)?.traceparent))
    expect(delivered).not.toBeNull()

    await s.server.flushTraces()
    const text = otlp.bodies.slice(before).join('\n')
    const spans = otlp.spans
    // The flows were traced (so the scan below is not vacuous).
    for (const name of ['POST /token', 'grant authorization_code', 'grant refresh_token', 'grant client_credentials', 'POST /interaction/:id/login', 'GET /authorize', 'backchannel_logout.deliver', 'POST backchannel_logout']) {
      expect(spans.some((span) => span.name === name), name).toBe(true)
    }
    // A grant's store operations are its children: the code is redeemed under `grant authorization_code`.
    const exchange = spans.find((span) => span.name === 'grant authorization_code')
    const redeem = spans.find((span) => span.name === 'store.authorizationCodes.redeem')
    expect(redeem?.parentSpanId).toBe(exchange?.spanId)
    const post = spans.find((span) => span.name === 'POST backchannel_logout' && span.spanId === delivered?.[2])
    expect(post?.kind).toBe(CLIENT)
    expect(post?.traceId).toBe(delivered?.[1])
    expect(secrets.size).toBeGreaterThan(10)
    for (const [value, what] of secrets) {
      expect(text.includes(value), `${what} is in an exported span`).toBe(false)
      expect(text.includes(encodeURIComponent(value)), `${what} is in an exported span, percent-encoded`).toBe(false)
    }
    // Nor the query string, the session id, nor any header.
    for (const fragment of ['state-value-x', 'nonce-value-x', 'visible-only-in-the-url', 'secret-in-query', sid, 'http.request.header', 'user-agent', 'url.full', 'url.query', 'url.path']) {
      expect(text.includes(fragment), fragment).toBe(false)
    }
  })
})

describe('OpenTelemetry traces: sampling and one SDK per process', () => {
  it('OTel SDK ParentBased sampler: with sample_ratio 0 a request of its own is not exported, one whose traceparent says sampled is', async () => {
    const otlp = await startOtlpReceiver()
    const s = await startServer({ tracing: { enabled: true, endpoint: otlp.url, sample_ratio: 0 } })
    try {
      // One SDK per process: a second traced server while this one runs is refused, naming the key.
      await expect(startServer({ tracing: { enabled: true, endpoint: otlp.url } })).rejects.toThrow(/tracing\.enabled/)
      const sampled = randomBytes(16).toString('hex')
      for (const traceparent of [undefined, `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`, `00-${sampled}-${randomBytes(8).toString('hex')}-01`]) {
        const res = await fetch(`${s.url}/jwks`, { headers: traceparent ? { traceparent } : {} })
        await res.body?.cancel()
      }
      await s.server.flushTraces()
      expect(otlp.spans.map((span) => [span.name, span.traceId])).toEqual([['GET /jwks', sampled]])
    } finally {
      await s.close()
      await otlp.close()
    }
  })
})

describe('OpenTelemetry traces off (the default)', () => {
  it('issue 14: with tracing.enabled false no SDK starts, the store is not wrapped, and nothing is sent', async () => {
    const otlp = await startOtlpReceiver()
    const s = await startServer({ tracing: { enabled: false, endpoint: otlp.url } })
    try {
      expect(tracingEnabled()).toBe(false)
      expect(types.isProxy(s.server.ctx.store)).toBe(false)
      const res = await postForm(`${s.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic('service', SERVICE_SECRET), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` })
      expect(res.status).toBe(200)
      await res.body?.cancel()
      // No provider nor propagator registered: the API is its no-op self.
      expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false)
      expect(propagation.fields()).toEqual([])
      await s.server.flushTraces()
    } finally {
      await s.close()
      await otlp.close()
    }
    expect(otlp.bodies).toEqual([])
  })
})
