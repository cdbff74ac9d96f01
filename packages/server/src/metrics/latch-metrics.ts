/**
 * Latch's Prometheus metrics (issue 14): one registry per server, fed by the event bus (one
 * subscription per event, for every tenant: tenants share the bus), by the HTTP hook
 * (`http.ts`), by the store's query callback, and read at scrape time from the keystores, the
 * database pool and the rate-limit backend. Labels carry only bounded, public values: route
 * templates, methods, statuses, grant types, OAuth error codes, reasons, tenant ids and client ids
 * (the last two capped at `metrics.max_label_values` each, then `other`); never a token, code,
 * secret, email, user id or address. The process's default metrics (`process_*`, `nodejs_*`) come
 * from one registry per process, shared by every server in it.
 * @see https://prometheus.io/docs/practices/naming/
 * @see https://prometheus.io/docs/practices/instrumentation/#do-not-overuse-labels
 */
import { Registry, collectDefaultMetrics } from 'prom-client'
import type { LatchEventMap, LatchEvents } from '../events.js'
import type { PoolUsage } from '../storage/store.js'
import { HttpMetrics } from './http.js'
import { FastHistogram, LabelledCounter, ReadGauge, type HistogramSeries, type MetricValue } from './series.js'

/** Seconds: a SQLite read (~20 µs) to a PostgreSQL query stuck behind a lock. */
export const QUERY_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** The label value of everything past the cap. */
export const OTHER = 'other'

/** The default tenant's label (its events carry no `tenant`). */
const DEFAULT_TENANT = 'default'

/** A keystore as the key-age gauge sees it. */
export interface KeyAgeSource {
  signingKeyCreatedAt(): number | null
}

export interface ObservedParts {
  events: LatchEvents
  /** The keystores loaded now, by tenant id (the default tenant's first). */
  keystores: () => Iterable<readonly [tenant: string, keystore: KeyAgeSource]>
  /** The database pool's use, or null (SQLite). */
  poolUsage: () => PoolUsage | null
  /** Redis answers (true/false), or undefined when none is configured. */
  redisAvailable: () => boolean | undefined
  /** Epoch seconds (the server's clock). */
  now: () => number
}

/** First come, first labelled: at most `max` distinct values, the rest are `other`. */
export class BoundedLabel {
  readonly #seen = new Set<string>()
  constructor(private readonly max: number) {}
  of(value: string): string {
    if (this.#seen.has(value)) return value
    if (this.#seen.size >= this.max) return OTHER
    this.#seen.add(value)
    return value
  }
}

let processRegistry: Registry | undefined
/** `process_*` and `nodejs_*` (prom-client's default metrics), collected once per process however many servers it runs. */
function defaultMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

const tenantOf = (payload: unknown): string => (payload as { tenant?: string }).tenant ?? DEFAULT_TENANT

export class LatchMetrics {
  readonly registry = new Registry()
  readonly http: HttpMetrics
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE
  readonly #tenants: BoundedLabel
  readonly #clients: BoundedLabel
  readonly #queryOk: HistogramSeries
  readonly #queryFailed: HistogramSeries
  readonly tokensIssued: LabelledCounter
  readonly signIns: LabelledCounter
  readonly throttleHits: LabelledCounter
  readonly reuseDetections: LabelledCounter
  readonly tokenExchanges: LabelledCounter
  #parts: ObservedParts | undefined

  constructor(options: { maxLabelValues: number }) {
    this.#tenants = new BoundedLabel(options.maxLabelValues)
    this.#clients = new BoundedLabel(options.maxLabelValues)
    const tenantFirst = ([tenant, ...rest]: string[]) => [this.#tenants.of(tenant!), ...rest]
    this.http = new HttpMetrics(this.registry)
    const queries = new FastHistogram('latch_db_query_duration_seconds', 'Database query time, by outcome (ok, error).', QUERY_DURATION_BUCKETS).registerIn(this.registry)
    this.#queryOk = queries.create({ outcome: 'ok' })
    this.#queryFailed = queries.create({ outcome: 'error' })
    this.tokensIssued = new LabelledCounter(
      'latch_tokens_issued_total',
      `Access tokens issued, by tenant, grant type and client (at most ${options.maxLabelValues} clients labelled, then client_id="other").`,
      ['tenant', 'grant_type', 'client_id'],
      ([tenant, grant, client]) => {
        const t = this.#tenants.of(tenant!)
        return [t, grant!, t === OTHER ? OTHER : this.#clients.of(`${t}\u0000${client}`) === OTHER ? OTHER : client!]
      },
    ).registerIn(this.registry)
    this.signIns = new LabelledCounter('latch_sign_ins_total', 'Password sign-ins (form and password grant), by tenant and outcome (success, bad_credentials, throttled).', ['tenant', 'outcome'], tenantFirst).registerIn(this.registry)
    this.throttleHits = new LabelledCounter('latch_throttle_hits_total', 'Requests refused or slowed by a throttle, by tenant and throttle (login, mfa, mfa_lock, sign_in_mail, and the throttle.engaged names: user_code, mail, verification_code, second_factor, pending_interactions, pending_device_codes).', ['tenant', 'throttle'], tenantFirst).registerIn(this.registry)
    this.reuseDetections = new LabelledCounter('latch_reuse_detections_total', 'Replays detected (theft signals), by tenant and artefact (authorization_code, refresh_token, client_assertion, passkey_counter).', ['tenant', 'artefact'], tenantFirst).registerIn(this.registry)
    this.tokenExchanges = new LabelledCounter('latch_token_exchanges_total', 'RFC 8693 token exchanges, by tenant and outcome (success, or the OAuth error code answered).', ['tenant', 'outcome'], tenantFirst).registerIn(this.registry)
    const parts = () => this.#parts
    new ReadGauge('latch_signing_key_age_seconds', 'Seconds since the key that signs now was created, by tenant (tenants loaded on this node).', () => {
      const observed = parts()
      if (observed === undefined) return []
      const now = observed.now()
      const values: MetricValue[] = []
      for (const [tenant, keystore] of observed.keystores()) {
        const created = keystore.signingKeyCreatedAt()
        const label = this.#tenants.of(tenant)
        // Past the tenant cap, the oldest key of the `other` tenants.
        const same = values.find((v) => v.labels.tenant === label)
        const age = Math.max(0, now - (created ?? now))
        if (same) same.value = Math.max(same.value, age)
        else if (created !== null) values.push({ labels: { tenant: label }, value: age })
      }
      return values
    }).registerIn(this.registry)
    const pool = (name: string, help: string, read: (usage: PoolUsage) => number) =>
      new ReadGauge(name, help, () => {
        const usage = parts()?.poolUsage()
        return usage ? [{ labels: {}, value: read(usage) }] : []
      }).registerIn(this.registry)
    pool('latch_db_pool_connections', 'Connections the PostgreSQL pool holds open (idle or in use); no sample on SQLite.', (u) => u.total)
    pool('latch_db_pool_idle_connections', 'Open PostgreSQL pool connections not in use; no sample on SQLite.', (u) => u.idle)
    pool('latch_db_pool_waiting_queries', 'Queries waiting for a PostgreSQL pool connection; no sample on SQLite.', (u) => u.waiting)
    pool('latch_db_pool_max_connections', 'The PostgreSQL pool size (pool_size of the database URL); no sample on SQLite.', (u) => u.max)
    new ReadGauge('latch_redis_up', 'Whether Redis, the shared rate-limit store, answers (1) or not (0: nodes count per process); no sample without redis_url.', () => {
      const up = parts()?.redisAvailable()
      return up === undefined ? [] : [{ labels: {}, value: up ? 1 : 0 }]
    }).registerIn(this.registry)
  }

  /** For `createStore({ onQuery })`: one observe per query. */
  readonly onQuery = (seconds: number, failed: boolean): void => {
    ;(failed ? this.#queryFailed : this.#queryOk).observe(seconds)
  }

  /** Starts counting the bus's events and reading the parts at scrape time. Call once. */
  observe(parts: ObservedParts): void {
    this.#parts = parts
    const { events } = parts
    const on = <K extends keyof LatchEventMap>(name: K, listener: (payload: LatchEventMap[K], tenant: string) => void) =>
      events.on(name, (payload) => listener(payload, tenantOf(payload)))
    on('token.issued', (p, tenant) => this.tokensIssued.at(tenant, p.grant_type, p.client_id).inc())
    on('login.succeeded', (_p, tenant) => this.signIns.at(tenant, 'success').inc())
    on('login.failed', (p, tenant) => {
      this.signIns.at(tenant, p.reason).inc()
      if (p.reason === 'throttled') this.throttleHits.at(tenant, 'login').inc()
    })
    on('mfa.failed', (p, tenant) => {
      if (p.reason === 'throttled') this.throttleHits.at(tenant, 'mfa').inc()
    })
    on('mfa.locked', (_p, tenant) => this.throttleHits.at(tenant, 'mfa_lock').inc())
    on('sign_in_mail.throttled', (_p, tenant) => this.throttleHits.at(tenant, 'sign_in_mail').inc())
    // The other throttles (device user codes, mail, verification codes, second factors per source, pending state): their own names.
    on('throttle.engaged', (p, tenant) => this.throttleHits.at(tenant, p.throttle).inc())
    on('authorization_code.reused', (_p, tenant) => this.reuseDetections.at(tenant, 'authorization_code').inc())
    on('refresh_token.family_revoked', (_p, tenant) => this.reuseDetections.at(tenant, 'refresh_token').inc())
    on('client_assertion.replayed', (_p, tenant) => this.reuseDetections.at(tenant, 'client_assertion').inc())
    on('passkey.counter_regressed', (_p, tenant) => this.reuseDetections.at(tenant, 'passkey_counter').inc())
    on('token.exchanged', (_p, tenant) => this.tokenExchanges.at(tenant, 'success').inc())
    on('token_exchange.failed', (p, tenant) => this.tokenExchanges.at(tenant, p.error).inc())
  }

  /** The Prometheus text exposition: this server's metrics, then the process's. */
  async render(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), defaultMetricsRegistry().metrics()])
    return `${own}\n${process}`
  }

  /** Starts the process's default metrics (idempotent); `render` does it too. */
  static startDefaultMetrics(): void {
    defaultMetricsRegistry()
  }
}
