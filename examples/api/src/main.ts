/**
 * `npm start -w @latch/example-api`: the example API on http://localhost:4000 against a local
 * Latch (`npm start` at the repository root). Configuration comes from the environment:
 * - `LATCH_ISSUER` (default `http://localhost:9000`), `API_AUDIENCE` (default
 *   `https://api.example.com`, the resource of latch.config.yaml), `PORT` (default 4000), `HOST`
 *   (default `localhost`, like the other examples: a demo API with a demo secret is not for the
 *   network; set `HOST=0.0.0.0` to expose it);
 * - `API_CLIENT_ID` (default: the audience) and `API_CLIENT_SECRET` (default: `DEMO_API_SECRET`,
 *   else the demo value of latch.config.yaml), the API's own client credentials at Latch, used
 *   for introspection (RFC 7662) on `DELETE /api/data`.
 * The secret is never logged. Discovery is tried at start; if Latch is not up yet the API starts
 * anyway and discovers on the first request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
import { createApi } from './api.js'

const env = process.env
const issuer = env.LATCH_ISSUER ?? 'http://localhost:9000'
const audience = env.API_AUDIENCE ?? 'https://api.example.com'
const port = Number(env.PORT ?? 4000)
const host = env.HOST ?? 'localhost'
const clientId = env.API_CLIENT_ID ?? audience
const clientSecret = env.API_CLIENT_SECRET ?? env.DEMO_API_SECRET ?? 'demo-api-secret-change-me-0123456789'

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(env.PORT)}`)
  process.exit(1)
}

const app = createApi({ issuer, audience, introspection: { clientId, clientSecret } })
const server = app.listen(port, host)

server.on('listening', () => {
  const address = server.address()
  const bound = typeof address === 'object' && address ? address : { port, address: host }
  console.log(`example API listening on http://localhost:${bound.port} (bound to ${bound.address}; issuer ${issuer}, audience ${audience})`)
  app.locals.verifier.discover().then(
    (metadata) => console.log(`issuer metadata found: jwks_uri ${metadata.jwks_uri ?? '(none)'}`),
    (err: { detail?: string }) => console.warn(`issuer not reachable yet (${err.detail ?? 'unknown error'}); will retry on the first request`),
  )
})
server.on('error', (err) => {
  console.error(`example API could not listen on port ${port}: ${err.message}`)
  process.exit(1)
})

const shutdown = () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
