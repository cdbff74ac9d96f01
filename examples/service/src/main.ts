/**
 * `npm start -w @latch/example-service`: runs the service once against a local Latch and the
 * example API. Configuration comes from the environment, defaulting to the bundled demo config
 * (latch.config.yaml: client demo-service and its demo secret).
 */
import { ClientValidationError, OAuthResponseError } from '@latch/client'
import { runService } from './service.js'

const options = {
  issuer: process.env.LATCH_ISSUER ?? 'http://localhost:9000',
  apiUrl: process.env.API_URL ?? 'http://localhost:4000',
  clientId: process.env.CLIENT_ID ?? 'demo-service',
  clientSecret: process.env.CLIENT_SECRET ?? process.env.DEMO_SERVICE_SECRET ?? 'demo-service-secret-change-me-0123456789',
}

try {
  console.log(`demo service: ${options.clientId} at ${options.issuer}, calling ${options.apiUrl}`)
  const result = await runService(options)
  process.exitCode = result.ok ? 0 : 1
} catch (err) {
  // Typed errors carry no secrets: safe to print.
  if (err instanceof OAuthResponseError) console.error(`token request refused: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}, HTTP ${err.status}`)
  else if (err instanceof ClientValidationError) console.error(`failed: ${err.message}`)
  else console.error(`failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
}
