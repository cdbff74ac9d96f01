/**
 * `npm start -w @latch/example-spa`: the SPA and its BFF on http://localhost:5173, signing in at
 * the Latch of `npm start` (http://localhost:9000) as `demo-bff`, and proxying `/api` to the
 * example API (`npm start -w @latch/example-api`, http://localhost:4000).
 *
 * Environment: PORT (5173), HOST (localhost), APP_ORIGIN (http://localhost:$PORT), LATCH_ISSUER
 * (http://localhost:9000), DEMO_BFF_SECRET (the demo value of latch.config.yaml), API_URL
 * (http://localhost:4000/api), PKCE_CLIENT_ID (demo-spa; `off` disables PKCE mode), LOG_LEVEL (info).
 */
import { fileURLToPath } from 'node:url'
import { createSpaServer } from './spa-server.js'

const port = Number(process.env.PORT ?? 5173)
const host = process.env.HOST ?? 'localhost'
const app = await createSpaServer({
  issuer: process.env.LATCH_ISSUER ?? 'http://localhost:9000',
  appOrigin: process.env.APP_ORIGIN ?? `http://localhost:${port}`,
  clientSecret: process.env.DEMO_BFF_SECRET ?? 'demo-bff-secret-change-me-0123456789',
  apiUpstream: process.env.API_URL ?? 'http://localhost:4000/api',
  staticDir: fileURLToPath(new URL('../dist', import.meta.url)),
  pkceClientId: process.env.PKCE_CLIENT_ID === 'off' ? null : (process.env.PKCE_CLIENT_ID ?? 'demo-spa'),
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0))
  })
}

await app.listen({ port, host })
