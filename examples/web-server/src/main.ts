/**
 * `npm start -w @latch/example-web-server`: the web server example on http://localhost:3000,
 * signing in with the Latch of `npm start` (http://localhost:9000, client `demo-web` of
 * latch.config.yaml) and calling the example API (`npm start -w @latch/example-api`, :4000).
 * Environment: PORT, HOST, BASE_URL, LATCH_ISSUER, API_URL, API_AUDIENCE, CLIENT_ID, CLIENT_SECRET.
 */
import { createWebServerApp } from './app.js'

const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? 'localhost'
const app = await createWebServerApp({
  issuer: process.env.LATCH_ISSUER ?? 'http://localhost:9000',
  clientId: process.env.CLIENT_ID ?? 'demo-web',
  // The demo secret of latch.config.yaml (DEMO_WEB_SECRET there): override it outside a demo.
  clientSecret: process.env.CLIENT_SECRET ?? process.env.DEMO_WEB_SECRET ?? 'demo-web-secret-change-me-0123456789',
  baseUrl: process.env.BASE_URL ?? `http://localhost:${port}`,
  apiUrl: process.env.API_URL ?? 'http://localhost:4000',
  resource: process.env.API_AUDIENCE ?? 'https://api.example.com',
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
})
await app.listen({ port, host })
