/**
 * `latch serve`: runs the OpenID Provider. The store is opened here, before the server, so that a
 * database that cannot be opened is reported as such in one line; `createServer` then seeds the
 * config's clients and users, opens the keystore and registers the endpoints. SIGINT and SIGTERM
 * close gracefully: Fastify stops accepting connections (503 to new requests on kept-alive
 * sockets), in-flight requests finish, then the store closes. A second signal exits at once.
 */
import { InvalidArgumentError, type Command } from 'commander'
import type { LatchServer } from '@latch/server'
import { configFile, displayDatabase, openStore, withConfigOption, type CommonOptions } from '../context.js'

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535 (0: any free port)')
  return n
}

export function serve(program: Command): void {
  withConfigOption(program.command('serve').description('run the OpenID Provider'))
    .option('-p, --port <port>', 'port to listen on (default: PORT, else the config file, else 9000)', port)
    .action(async (opts: CommonOptions & { port?: number }) => {
      const { config, store } = await openStore(opts, { create: true })
      let server: LatchServer
      try {
        // Loaded here, not at the top: the other commands never need Fastify and the endpoints.
        const { createServer } = await import('@latch/server')
        server = await createServer({ file: configFile(opts), env: process.env, store })
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
        log.info({ signal }, 'shutting down')
        setTimeout(() => {
          log.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting`)
          process.exit(1)
        }, SHUTDOWN_TIMEOUT_MS).unref()
        server
          .close()
          .then(() => store.close())
          .then(
            () => log.info('stopped'),
            (err: unknown) => {
              log.error({ err }, 'error while shutting down')
              process.exitCode = 1
            },
          )
      }
      process.on('SIGINT', shutdown)
      process.on('SIGTERM', shutdown)
    })
}
