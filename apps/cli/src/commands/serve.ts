/**
 * `latch serve`: runs the OpenID Provider. The store is opened here, before the server, so that a
 * database that cannot be opened is reported as such in one line; `createServer` then seeds the
 * config's clients and users, opens the keystore and registers the endpoints.
 *
 * Issue 14, signals:
 * - SIGTERM, SIGINT: graceful shutdown. `/readyz` answers 503 at once; after `shutdown.drain_delay`
 *   Fastify stops accepting connections (idle keep-alive sockets closed, 503 to new requests on busy
 *   ones), in-flight requests finish, background work settles, Redis and the store close, exit 0.
 *   Past `shutdown.timeout` from the signal the process exits 1 anyway, after writing the audit
 *   records still buffered (and draining stdout for `audit.stream: stdout`) for at most 1 s (security
 *   review L2: a slow client, Fastify's requestTimeout being 0, must not cost the audit log). A
 *   second signal exits 1 at once.
 * - SIGHUP: `reloadConfig()` (clients, users, organizations, branding); a bad file is logged and
 *   the running configuration kept. The handler is installed before the server is built: a SIGHUP
 *   during the start queues one reload, run once the server listens (security review L9).
 */
import { InvalidArgumentError, type Command } from 'commander'
import type { LatchServer } from '@latch/server'
import { configFile, displayDatabase, openStore, withConfigOption, type CommonOptions } from '../context.js'
import { cliIo } from '../io.js'

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535 (0: any free port)')
  return n
}

export function serve(program: Command): void {
  withConfigOption(program.command('serve').description('run the OpenID Provider'))
    .option('-p, --port <port>', 'port to listen on (default: PORT, else the config file, else 9000)', port)
    .action(async (opts: CommonOptions & { port?: number }) => {
      // Issue 14 (security review L9): the SIGHUP handler is installed before the server is built,
      // so a SIGHUP during the start (migrations, seeding, keys) no longer kills the process (the
      // signal's default action). One reload is queued and runs once the server listens.
      let ready: LatchServer | null = null
      let reloadQueued = false
      const reload = (server: LatchServer): void => {
        server.ctx.log.info({ signal: 'SIGHUP' }, 'reloading the configuration')
        server.reloadConfig().catch((err: unknown) => server.ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload failed: the running configuration is kept'))
      }
      process.on('SIGHUP', () => {
        if (ready === null) reloadQueued = true
        // `closing` is declared below, and read only once `ready` is set (after it).
        else if (!closing) reload(ready)
      })
      const { config, store } = await openStore(opts, { create: true })
      let server: LatchServer
      try {
        // Loaded here, not at the top: the other commands never need Fastify and the endpoints.
        const { createServer } = await import('@latch/server')
        server = await createServer({ file: configFile(opts), env: cliIo().env, store })
      } catch (err) {
        await store.close()
        throw err
      }
      const log = server.ctx.log
      let address: string
      try {
        address = await server.listen(opts.port ?? config.port)
      } catch (err) {
        await server.close()
        await store.close()
        throw err
      }
      const database = displayDatabase(config.database)
      log.info({ address, database }, `Latch listening on ${config.issuer} (database: ${database})`)

      let closing = false
      const shutdown = (signal: NodeJS.Signals): void => {
        if (closing) {
          log.warn({ signal }, 'second signal: exiting without waiting')
          process.exit(1)
        }
        closing = true
        const { timeout, drain_delay: drainDelay } = server.config.shutdown
        log.info({ signal, timeout, drain_delay: drainDelay }, 'shutting down')
        setTimeout(() => {
          log.error({ timeout }, `shutdown took longer than shutdown.timeout (${timeout} s): exiting`)
          // Security review L2: the close hooks never ran, so the audit records still buffered are
          // written now (and, with audit.stream: stdout, stdout drained), within AUDIT_EXIT_DEADLINE_MS.
          void flushBeforeExit(server, log).finally(() => process.exit(1))
        }, timeout * 1000).unref()
        // 1. /readyz answers 503 while every request is still served, for drain_delay: a load
        //    balancer's probe takes the node out of rotation before it stops accepting.
        server.beginShutdown()
        new Promise<void>((resolve) => setTimeout(resolve, drainDelay * 1000))
          // 2. Stop accepting, close idle keep-alive sockets, answer 503 to new requests on busy
          //    ones, wait for requests in flight; then the background work, Redis and the store.
          .then(() => server.close())
          .then(() => store.close())
          .then(
            () => {
              log.info('stopped')
              process.exit(process.exitCode ?? 0)
            },
            (err: unknown) => {
              log.error({ err }, 'error while shutting down')
              process.exit(1)
            },
          )
      }
      process.on('SIGINT', shutdown)
      process.on('SIGTERM', shutdown)
      // Issue 14: SIGHUP reloads clients, users, organizations and branding from the config file.
      // A file that does not load keeps the running configuration; the server never stops for it.
      // From here on the handler installed above reloads at once (none once shutting down); a
      // SIGHUP received during the start reloads now.
      ready = server
      if (reloadQueued) {
        log.info('a SIGHUP arrived during the start')
        reload(server)
      }
    })
}

/** Security review L2: how long the timed-out shutdown waits for the audit log before exiting. */
const AUDIT_EXIT_DEADLINE_MS = 1000

/** Writes the buffered audit records and drains stdout (for `audit.stream: stdout`), for at most `AUDIT_EXIT_DEADLINE_MS`. */
async function flushBeforeExit(server: LatchServer, log: LatchServer['ctx']['log']): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, AUDIT_EXIT_DEADLINE_MS)))
  const work = (async () => {
    try {
      await server.flushAudit()
    } catch (err) {
      log.error({ err }, 'audit log: flush at the shutdown timeout failed')
    }
    if (server.config.audit.stream === 'stdout' && process.stdout.writableNeedDrain) {
      await new Promise<void>((resolve) => process.stdout.once('drain', resolve))
    }
  })()
  await Promise.race([work, deadline])
  clearTimeout(timer)
}
