/**
 * Builds the Latch server: resolve config → open the store (migrations run) → seed the clients
 * and users the config lists → open the keystore → a Fastify app with the shared context as
 * `app.latch`, the error handler, and one plugin per endpoint. `createServer` is the one entry
 * point for the CLI, tests and benchmarks.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import pino, { type Logger } from 'pino'
import { loadConfig, type LoadConfigOptions } from './config/load.js'
import type { LatchConfig } from './config/schema.js'
import { fastifyTrustProxy } from './config/trust-proxy.js'
import { createContext } from './compose.js'
import type { LatchContext } from './context.js'
import { InvalidRequestError } from './errors.js'
import { EVENT_NAMES, LatchEvents } from './events.js'
import { Keystore } from './keys/keystore.js'
import { ClientCache, idTokenAlgsOf } from './clients/registry.js'
import { systemClock, type Clock } from './lib/clock.js'
import { lazyChildLoggerFactory } from './lib/lazy-child-logger.js'
import { createStore } from './storage/kysely-store.js'
import { sweepPolicy } from './storage/repositories/sweep.js'
import type { Store } from './storage/store.js'
import { loadHooks } from './hooks/hooks.js'
import { seedFromConfig, seedTenants } from './seed.js'
import { DEFAULT_TENANT } from './config/tenant.js'
import { PATHS } from './context.js'
import { TenantContexts } from './tenancy/tenant-contexts.js'
import { tenantContext, tenantKeystore } from './tenancy/tenant-context.js'
import { KeyRotationSchedule } from './tenancy/key-rotation.js'
import { LogoutDeliveryQueue } from './tenancy/logout-deliveries.js'
import { AlertMonitor } from './alerts/alert-monitor.js'
import { AlertDeliveryQueue } from './alerts/alert-queue.js'
import { TenantsDirectory } from './tenancy/tenants-dir.js'
import { sendUnknownTenant } from './endpoints/_pipeline/unknown-tenant.js'
import { TENANT_OF, type RoutedRequest } from './endpoints/_pipeline/tenant-of.js'
import { registerFormParser } from './endpoints/_pipeline/form-body.js'
import { signUpPages } from './endpoints/sign-up.js'
import { passwordResetPages } from './endpoints/password-reset.js'
import { accountEndpoint } from './endpoints/account.js'
import { passkeyAssetsEndpoint } from './endpoints/passkey-assets.js'
import { passkeyEndpoints } from './endpoints/passkeys.js'
import { passkeyFactorPages } from './endpoints/passkey-factor.js'
import { accountEmailEndpoint } from './endpoints/account-email.js'
import { emailSignInEndpoint } from './endpoints/email-sign-in.js'
import { clientErrorHandler, errorHandler, frameworkErrors, sendErrorOn } from './endpoints/_pipeline/render-error.js'
import { recordMethods } from './endpoints/_pipeline/method-not-allowed.js'
import { corsForBrowserApps } from './endpoints/_pipeline/cors.js'
import { authorizationEndpoint } from './endpoints/authorization.js'
import { deviceAuthorizationEndpoint } from './endpoints/device-authorization.js'
import { discoveryEndpoint } from './endpoints/discovery.js'
import { endSessionEndpoint } from './endpoints/end-session.js'
import { healthEndpoint, Readiness } from './endpoints/health.js'
import { introspectionEndpoint } from './endpoints/introspection.js'
import { jwksEndpoint } from './endpoints/jwks.js'
import { revocationEndpoint } from './endpoints/revocation.js'
import { rootEndpoint } from './endpoints/root.js'
import { tokenEndpoint } from './endpoints/token.js'
import { userinfoEndpoint } from './endpoints/userinfo.js'
import { interactionPages } from './endpoints/interaction.js'
import { mfaPages } from './endpoints/mfa.js'
import { accountMfaPages } from './endpoints/account-mfa.js'
import { deviceVerificationPages } from './endpoints/device-verification.js'
import { brandingStylesheetEndpoint } from './endpoints/branding-css.js'
import { connectionEndpoints } from './endpoints/connections.js'
import { federatedLogoutEndpoint } from './endpoints/federated-logout.js'
import type { RateLimitBackend } from './rate-limit/backend.js'
import { openRateLimitStore } from './rate-limit/connect.js'
import { LatchMetrics } from './metrics/latch-metrics.js'
import { startMetricsListener, type MetricsListener } from './metrics/listener.js'
import { metricsEndpoint } from './endpoints/metrics.js'
import { adminApiEndpoint } from './endpoints/admin-api.js'
import { consoleEndpoint } from './endpoints/console.js'
import { recordRequestMetrics, recordUnmatched } from './endpoints/_pipeline/request-metrics.js'
import { planReload } from './config/reload.js'
import type { TracingSdk } from './tracing-sdk.js'
import { dbSystemOf, tracedStore } from './storage/traced-store.js'
import { traceRequests } from './endpoints/_pipeline/trace-request.js'
import { RequestContext, requestContext } from './lib/request-context.js'
import { storedUserAgent } from './rules/user-agent.js'
import { AuditWriter, type AuditStream } from './audit/audit-writer.js'

/** Issue 14: the request decorator holding its `RequestContext` (re-entered after the body is read). */
const REQUEST_CONTEXT = Symbol('latch.requestContext')

/** A payload without `email` (issue 14: `audit.include_email` puts it in events for the audit log only). */
function withoutEmail(payload: object): object {
  if (!('email' in payload)) return payload
  const { email: _email, ...rest } = payload as { email?: unknown }
  return rest
}

/** How often each node sweeps expired rows. */
const SWEEP_INTERVAL_MS = 60_000

declare module 'fastify' {
  interface FastifyInstance {
    /** The default tenant's context. */
    latch: LatchContext
  }
  interface FastifyRequest {
    /** The context of the tenant this request is for (issue 11): what every endpoint reads. */
    latch: LatchContext
  }
}



export interface CreateServerOptions extends LoadConfigOptions {
  /** Inject a clock (tests freeze time). */
  clock?: Clock
  /** Inject a logger (tests pass a silent one). */
  logger?: Logger
  /**
   * Use an existing store (tests share one; `latch serve` opens its own). Its query durations feed
   * this server's `latch_db_query_duration_seconds` (`store.observeQueries`) until the server closes.
   */
  store?: Store
  /** Issue 14: where `audit.stream: stdout` writes (default process.stdout; tests read it). */
  auditStream?: AuditStream
}

/** Issue 14: what one configuration reload did (`LatchServer.reloadConfig`). */
export interface ConfigReload {
  /** Reloadable keys whose value changed and now apply (config/reload.ts `RELOADABLE_KEYS`). */
  applied: string[]
  /** Keys that changed in the file but need a restart: their running value is kept (each logged as a warning). */
  refused: string[]
  /** Config-owned clients the file no longer lists (review M5b): deleted, their grants revoked. */
  removedClients: string[]
}

export interface LatchServer {
  app: FastifyInstance
  /** The default tenant's context (a new one after each configuration reload that applied something). */
  readonly ctx: LatchContext
  /** Issue 11: every tenant's context, loaded on use. */
  tenants: TenantContexts
  /**
   * What every node does every `tenancy.reload_interval` (issue 11), at once: re-read `tenants_dir`
   * (new or changed files), reload the tenant index, rotate the keys that `tokens.rotation_interval`
   * says are due. Resolves when done; a call while one runs joins it.
   */
  reloadTenants(): Promise<void>
  /**
   * Issue 12: one pass of the back-channel logout loop, after any pass under way: every queued
   * logout token that is due now gets an attempt (delivered, rescheduled or abandoned). The loop runs
   * by itself; tests call this to step it with their clock.
   */
  deliverLogouts(): Promise<void>
  /**
   * Issue 14: waits until every alert raised so far is queued, then runs one pass of the alert
   * delivery loop (every due alert gets an attempt). The loop runs by itself; tests step it with their clock.
   */
  deliverAlerts(): Promise<void>
  /** Issue 14: this server's Prometheus metrics (`GET /metrics`). */
  metrics: LatchMetrics
  /** Issue 14: the URL of `/metrics` on `metrics.port` once `listen` has started it; null on the main port (or before `listen`). */
  readonly metricsUrl: string | null
  /** The running configuration of the default tenant (replaced by a configuration reload). */
  readonly config: LatchConfig
  warnings: string[]
  /**
   * Issue 14: reads the config file again and applies its clients, users, organizations and
   * branding (config/reload.ts): seeds them, deletes the clients the file no longer lists, then
   * swaps the default tenant's context. Requests in flight finish on the old context. Any other
   * key that changed is logged and kept (it needs a restart). A file that does not load or seed
   * rejects with its error (a `ConfigError` naming the key) and the running configuration stays:
   * every refusal is checked before the first write, so a refused file writes nothing (review M5a).
   * Calls run one after the other.
   */
  reloadConfig(): Promise<ConfigReload>
  /**
   * Issue 14: the first step of a graceful shutdown: `/readyz` answers 503 from now on, every
   * request is still served. `close()` then stops accepting and waits for requests in flight.
   */
  beginShutdown(): void
  /** Listens on `port` (0 = ephemeral) and returns the bound URL; with `metrics.port`, starts the metrics listener too. */
  listen(port?: number, host?: string): Promise<string>
  close(): Promise<void>
  /** Issue 14: exports the spans ended so far (with `tracing.enabled`; otherwise resolves at once). `close` flushes too. */
  flushTraces(): Promise<void>
  /** Issue 14: writes the audit records still waiting in the batch writer now (tests; shutdown does it by itself). */
  flushAudit(): Promise<void>
}

/** pino redaction: credentials never reach a log line, whatever logs them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.client_secret',
  '*.client_assertion',
  '*.code',
  '*.code_verifier',
  '*.refresh_token',
  '*.access_token',
  '*.id_token',
  '*.id_token_hint',
  '*.token',
  '*.device_code',
  '*.user_code',
  // Issue 12: a back-channel logout token, should anything log one.
  '*.logout_token',
  // Issue 12: upstream sign-ins (secrets of connections, the upstream's state).
  '*.private_key',
  '*.secrets',
  '*.secrets_encrypted',
  '*.state',
  // Issue 13: recovery codes and TOTP secrets (TOTP codes are `code`, above).
  '*.recovery_code',
  '*.secret_encrypted',
]

/** The server's pino logger, with redaction; `destination` (default stdout) lets a test read what it writes. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // The query string can hold hints and codes: log the path only.
      req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }
  return destination ? pino(options, destination) : pino(options)
}

export async function createServer(options: CreateServerOptions = {}): Promise<LatchServer> {
  const { config, warnings } = loadConfig(options)
  const log = options.logger ?? createLogger(config.log_level)
  for (const w of warnings) log.warn(w)
  const clock = options.clock ?? systemClock
  // Issue 14: first, so that the store it opens reports its queries' durations.
  const metrics = new LatchMetrics({ maxLabelValues: config.metrics.max_label_values })
  const plainStore = options.store ?? (await createStore(config.database, { migrate: true, onQuery: metrics.onQuery }))
  const ownsStore = options.store === undefined
  // A store it was given reports its queries to this server's metrics too, until the close.
  const unobserveQueries = ownsStore ? () => {} : plainStore.observeQueries(metrics.onQuery)
  let rateLimit: RateLimitBackend | undefined
  // Issue 14: off by default; then no SDK starts, the store is the plain one and no request hook is added.
  let tracing: TracingSdk | null = null
  try {
    if (config.tracing.enabled) {
      // Loaded only when enabled: the SDK and exporter take ~0.2 s to import, which a server without tracing never pays.
      const { startTracing } = await import('./tracing-sdk.js')
      tracing = startTracing(config.tracing, log)
      // The endpoint carries no credentials (config/resolve.ts refuses them): safe to log.
      log.info({ endpoint: config.tracing.endpoint, service_name: config.tracing.service_name, sample_ratio: config.tracing.sample_ratio }, 'tracing: exporting spans over OTLP/HTTP')
    }
    const store = tracing === null ? plainStore : tracedStore(plainStore, dbSystemOf(config.database))
    // Before anything is written: a hooks module that cannot load stops the start (ConfigError).
    const hooks = await loadHooks(config.hooks)
    await seedFromConfig(store, config, clock.now())
    await seedTenants(store, config, clock.now())
    const events = new LatchEvents()
    // Below `info` neither events nor request lines are logged: skip building them at all.
    const infoEnabled = log.isLevelEnabled('info')
    // Issue 14: an event's `email` (only with audit.include_email) is for the audit log, never the log line.
    if (infoEnabled) events.onAny((name, payload) => log.info({ event: name, ...withoutEmail(payload as object) }, name))
    // Issue 14: the audit log, written in batches off the request path (audit/audit-writer.ts).
    const audit = config.audit.enabled
      ? new AuditWriter({ store: store.audit, log, stream: config.audit.stream === 'stdout' ? (options.auditStream ?? process.stdout) : null })
      : null
    if (audit) {
      // `audit.exclude_types`: an excluded event gets no listener at all (nothing to skip per event).
      const excluded = new Set<string>(config.audit.exclude_types)
      for (const name of EVENT_NAMES) if (!excluded.has(name)) events.on(name, (payload) => audit.record(name, payload as never))
    }
    // Clients of the config file and of the CLI alike: any that needs RS256 ID tokens.
    const keystore = await Keystore.openFor(config, { keys: store.keys, clock, idTokenAlgs: idTokenAlgsOf(await store.clients.list()), events })
    // Redis (when configured) never stops the boot: unreachable is one warning, then per-process counting.
    rateLimit = await openRateLimitStore({ url: config.redis_url, prefix: config.redis_key_prefix, log })
    const clientCache = new ClientCache()
    const ctx = createContext({ config, store, keystore, clock, events, log, rateLimit, hooks, clientCache })
    // Issue 13: say where mail goes, so a developer knows to look at the console and mail.directory.
    if (ctx.mailer.kind === 'development') log.info({ directory: config.mail.directory }, 'mail: no mail.smtp_url, the development mailer prints each message and saves it under mail.directory')
    const deployment = { base: config, store, clock, events, log, hooks, pending: ctx.pending, clientCache, background: ctx.background, ...(rateLimit && { rateLimit }) }
    const tenants = new TenantContexts({
      store,
      defaultContext: ctx,
      build: (id) => tenantContext(deployment, id),
      cacheSize: config.tenancy.cache_size,
      log,
      now: () => clock.now(),
    })
    await tenants.reload()
    const app = Fastify({
      loggerInstance: log as unknown as FastifyBaseLogger,
      bodyLimit: config.security.body_limit,
      trustProxy: fastifyTrustProxy(config.trust_proxy),
      return503OnClosing: true,
      logController: new LogController({ disableRequestLogging: !infoEnabled }),
      // Below `info` a request rarely logs anything: its child logger is built on first use.
      ...(infoEnabled ? {} : { childLoggerFactory: lazyChildLoggerFactory as unknown as FastifyServerOptions['childLoggerFactory'] }),
      frameworkErrors,
      clientErrorHandler,
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
      rewriteUrl(raw) {
        const url = raw.url ?? '/'
        if (!tenants.multi) return url
        const route = tenants.route(raw.headers.host, url)
        // The probes answer on any host: load balancers and Prometheus call nodes by address.
        const path = route === null ? url.split('?')[0] : undefined
        const id = route?.id ?? (path === PATHS.health || path === PATHS.ready || path === PATHS.metrics ? DEFAULT_TENANT : null)
        ;(raw as RoutedRequest)[TENANT_OF] = id
        return route?.url ?? url
      },
    })
    // Issue 14: the default tenant's context, replaced as a whole by a configuration reload.
    let current = ctx
    const readiness = new Readiness()
    app.decorate('latch', { getter: () => current })
    app.decorate('readiness', readiness)
    app.decorateRequest('latch', null as unknown as LatchContext)
    // Issue 14: first of the request hooks, so that the span covers choosing the tenant.
    if (tracing !== null) traceRequests(app, config.issuer)
    // Issue 14: every request runs in its context (source address, User-Agent) for the events it emits.
    app.decorateRequest(REQUEST_CONTEXT, null)
    app.addHook('onRequest', function enterRequestContext(request, _reply, done) {
      const store = new RequestContext(request, storedUserAgent)
      ;(request as unknown as Record<symbol, RequestContext>)[REQUEST_CONTEXT] = store
      requestContext.run(store, done)
    })
    // Node 22 reads a body in the socket's async context: what follows it (validation, the handler) re-enters the
    // request's. Node 24 (AsyncContextFrame) keeps it, and this hook only compares.
    app.addHook('preValidation', function reenterRequestContext(request, _reply, done) {
      const store = (request as unknown as Record<symbol, RequestContext>)[REQUEST_CONTEXT]
      if (store === undefined || store === null || requestContext.getStore() === store) return done()
      requestContext.run(store, done)
    })
    app.addHook('onRequest', function tenantOfRequest(request, reply, done) {
      // Issue 14: while draining, every answer closes its connection, so clients reconnect elsewhere.
      if (readiness.draining) reply.header('connection', 'close')
      const id = (request.raw as RoutedRequest)[TENANT_OF]
      if (id === undefined) {
        request.latch = current
        return done()
      }
      const found = id === null ? null : tenants.get(id)
      if (found === null) return void sendUnknownTenant(request, reply)
      if (id !== DEFAULT_TENANT) request.log = request.log.child({ tenant: id })
      if (!(found instanceof Promise)) {
        request.latch = found
        return done()
      }
      found.then(
        (loaded) => {
          if (loaded === null) return void sendUnknownTenant(request, reply)
          request.latch = loaded
          done()
        },
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      )
    })
    // Issue 14: before any route is defined, so that every route gets its recorder.
    recordRequestMetrics(app, metrics.http)
    metrics.observe({
      events,
      keystores: () => (function* () {
        for (const [id, context] of tenants.loadedContexts()) yield [id, context.keystore] as const
      })(),
      poolUsage: () => store.poolUsage(),
      redisAvailable: () => rateLimit?.sharedAvailable,
      now: () => clock.now(),
    })
    await app.register(fastifyCookie)
    registerFormParser(app, config.security.body_limit)
    app.setErrorHandler(errorHandler)
    const methods = recordMethods(app)
    app.setNotFoundHandler(function notFoundOrMethodNotAllowed(request, reply) {
      recordUnmatched(metrics.http, request, reply)
      const known = methods.allowed((request.url ?? '').split('?')[0] ?? '')
      if (known) {
        // RFC 9110 §15.5.6: the path exists, the method does not.
        reply.header('allow', known.allow)
        return sendErrorOn(known.channel, request, reply, new InvalidRequestError(`the method ${request.method} is not allowed here`, { status: 405 }))
      }
      return reply.status(404).type('application/json; charset=utf-8').send({ error: 'not_found', error_description: 'no such endpoint' })
    })
    for (const plugin of [
      corsForBrowserApps, discoveryEndpoint, jwksEndpoint, authorizationEndpoint, tokenEndpoint, userinfoEndpoint, introspectionEndpoint,
      revocationEndpoint, deviceAuthorizationEndpoint, endSessionEndpoint, healthEndpoint, interactionPages, mfaPages, deviceVerificationPages,
      rootEndpoint, brandingStylesheetEndpoint, connectionEndpoints, federatedLogoutEndpoint, accountEndpoint, accountMfaPages,
      // Issue 13.
      passkeyAssetsEndpoint, passkeyEndpoints, passkeyFactorPages, signUpPages, passwordResetPages,
      emailSignInEndpoint, accountEmailEndpoint,
      // Issue 14: the admin REST API, and the admin console's pages.
      adminApiEndpoint, consoleEndpoint,
    ]) {
      await app.register(plugin)
    }
    // Issue 14: on the main port unless `metrics.port` gives it one of its own.
    if (config.metrics.port === null) await app.register(metricsEndpoint, { metrics, token: config.metrics.token, trustProxy: config.trust_proxy })
    let metricsListener: MetricsListener | null = null
    const pruneAudit = () =>
      store.audit
        .prune((clock.now() - config.audit.retention) * 1000)
        .then((deleted) => log.debug({ deleted }, 'audit log pruned'), (err: unknown) => log.warn({ err }, 'audit log prune failed'))
    // Every node sweeps; batches with SKIP LOCKED make concurrent sweeps safe (storage/repositories/sweep.ts).
    let sweeping = false
    const sweeper = setInterval(() => {
      if (sweeping) return
      sweeping = true
      // Revoked grants are kept as long as the longest-lived access token of any tenant.
      const policy = sweepPolicy({ tokens: { access_token_ttl: tenants.longestAccessTokenTtl } })
      store
        .sweep(clock.now(), policy)
        .then((deleted) => log.debug({ deleted }, 'sweep done'), (err: unknown) => log.warn({ err }, 'sweep failed'))
        // Issue 14: audit records past audit.retention (0: kept forever).
        .then(() => (config.audit.retention > 0 ? pruneAudit() : undefined))
        .finally(() => (sweeping = false))
    }, SWEEP_INTERVAL_MS)
    sweeper.unref()
    const tenantsDir = config.tenants_dir === null ? null : new TenantsDirectory({ dir: config.tenants_dir, base: config, env: options.env ?? process.env, store, log, now: () => clock.now() })
    const keyRotation = new KeyRotationSchedule({ store, base: config, contexts: tenants, openKeystore: (id) => tenantKeystore(deployment, id), log, now: () => clock.now() })
    let reloading: Promise<void> | null = null
    const reloadTenants = (): Promise<void> =>
      (reloading ??= (async () => {
        // Each step on its own: a failing one (the database away) does not hold back the others.
        await tenantsDir?.sync().catch((err: unknown) => log.error({ err }, 'tenants_dir reload failed'))
        await tenants.reload().catch((err: unknown) => log.warn({ err }, 'tenant reload failed'))
        await keyRotation.run().catch((err: unknown) => log.warn({ err }, 'scheduled key rotation failed'))
      })().finally(() => (reloading = null)))
    // Tenants created, changed or deleted elsewhere (the CLI, another node, tenants_dir) are seen within this bound.
    const tenantReloader = setInterval(() => void reloadTenants(), config.tenancy.reload_interval * 1000)
    tenantReloader.unref()
    // `latch keys rotate` runs in another process: pick its key up within this bound.
    const keyReloader = setInterval(() => {
      keystore.reload().catch((err: unknown) => log.warn({ err }, 'signing key reload failed'))
    }, config.tokens.key_reload_interval * 1000)
    keyReloader.unref()
    // Issue 12: back-channel logout tokens, sent by every node from the shared queue.
    const logoutDeliveries = new LogoutDeliveryQueue({ store, contexts: tenants, clock, log })
    logoutDeliveries.start()
    events.on('session.ended', () => logoutDeliveries.kick())
    // Issue 14: alert webhooks (deployment-wide). Counts go to Redis when configured (shared by the
    // nodes), else to a bounded memory store of the monitor's own.
    const alerts: AlertMonitor = new AlertMonitor({
      config: config.alerts,
      store,
      clock,
      log,
      ...(config.redis_url !== null && rateLimit !== undefined && { rateLimit }),
      keySecret: config.secret,
      onQueued: () => alertQueue.kick(),
    })
    const alertQueue = new AlertDeliveryQueue({ config: config.alerts, webhooks: alerts.webhooks, store, clock, log, events })
    alerts.subscribe(events)
    alertQueue.start()
    app.addHook('onClose', async () => {
      await metricsListener?.close()
      await logoutDeliveries.stop()
      await alerts.close()
      await alertQueue.stop()
      clearInterval(sweeper)
      clearInterval(keyReloader)
      clearInterval(tenantReloader)
      // A reload under way finishes before the store closes under it.
      await reloading
      // Issue 14: so does a configuration reload.
      await reloadQueue
      // Issue 13: mail being decided or sent after its response.
      await ctx.background.settled()
      // Issue 14: the audit records still buffered, before the store closes.
      await audit?.close()
      await rateLimit?.close()
      if (ownsStore) await store.close()
      else unobserveQueries()
      // Issue 14: last, so that the spans of everything above are exported (flushed) before the SDK stops.
      await tracing?.shutdown()
    })
    // Issue 14: configuration reloads, one after the other.
    let reloadQueue: Promise<unknown> = Promise.resolve()
    const reloadConfig = (): Promise<ConfigReload> => {
      const run = reloadQueue.then(async (): Promise<ConfigReload> => {
        // Everything is built (and seeded) before anything in memory changes: a bad file changes nothing.
        const loaded = loadConfig(options)
        const plan = planReload(current.config, loaded.config)
        for (const w of loaded.warnings) log.warn(w)
        for (const key of plan.refused) log.warn({ key }, `config reload: ${key} changed in the file but needs a restart; the running value is kept`)
        if (plan.applied.length === 0) {
          log.info({ refused: plan.refused }, 'config reload: nothing to apply')
          return { applied: [], refused: plan.refused, removedClients: [] }
        }
        const now = clock.now()
        // The seed checks everything it could refuse before its first write (review M5a), then
        // deletes the config-owned clients the file no longer lists (review M5b; CLI-made ones stay),
        // dropping each from the client cache just before and just after its delete (review M5c), so
        // no token request in between is served from a cached removed client.
        const { removedClients } = await seedFromConfig(store, plan.config, now, { invalidate: (id) => current.clients.invalidate(id) })
        const wanted = idTokenAlgsOf(plan.config.clients).filter((alg) => !keystore.idTokenAlgs().includes(alg))
        if (wanted.length > 0) log.warn({ algs: wanted }, 'config reload: a client asks for ID tokens in an alg with no key yet; restart to add its key')
        const previous = current
        current = { ...previous, config: plan.config }
        tenants.setDefaultContext(current)
        for (const c of [...previous.config.clients, ...plan.config.clients]) current.clients.invalidate(c.client_id)
        log.info({ applied: plan.applied, refused: plan.refused, removed_clients: removedClients }, `config reloaded: ${plan.applied.join(', ')}`)
        return { applied: plan.applied, refused: plan.refused, removedClients }
      })
      reloadQueue = run.catch(() => {})
      return run
    }
    await app.ready()
    return {
      app,
      get ctx() {
        return current
      },
      tenants,
      reloadTenants,
      deliverLogouts: () => logoutDeliveries.runOnce(),
      async deliverAlerts() {
        await alerts.settled()
        await alertQueue.runOnce()
      },
      get config() {
        return current.config
      },
      warnings,
      metrics,
      get metricsUrl() {
        return metricsListener?.url ?? null
      },
      reloadConfig,
      beginShutdown: () => readiness.drain(),
      async listen(port = config.port, host = config.host) {
        const address = await app.listen({ port, host })
        if (config.metrics.port !== null && metricsListener === null) {
          metricsListener = await startMetricsListener({ metrics, token: config.metrics.token, port: config.metrics.port, host: config.metrics.host ?? host })
          log.info({ url: metricsListener.url }, 'metrics: /metrics is served on metrics.port')
        }
        return address.replace('[::]', 'localhost').replace('0.0.0.0', 'localhost')
      },
      close: () => app.close(),
      flushTraces: () => tracing?.flush() ?? Promise.resolve(),
      flushAudit: async () => audit?.flush(),
    }
  } catch (err) {
    await rateLimit?.close()
    if (ownsStore) await plainStore.close()
    else unobserveQueries()
    await tracing?.shutdown()
    throw err
  }
}
