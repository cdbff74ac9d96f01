/**
 * `npm start -w @latch/example-device-cli`: signs in to a local Latch with the device flow as
 * client demo-device (latch.config.yaml). Ctrl-C cancels cleanly (exit code 130).
 * Environment: LATCH_ISSUER (default http://localhost:9000), CLIENT_ID (default demo-device).
 */
import { ClientValidationError, OAuthResponseError } from '@latch/client'
import { runDeviceCli } from './device-cli.js'

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())

try {
  await runDeviceCli({
    issuer: process.env.LATCH_ISSUER ?? 'http://localhost:9000',
    clientId: process.env.CLIENT_ID ?? 'demo-device',
    signal: controller.signal,
  })
} catch (err) {
  if (controller.signal.aborted) {
    console.error('Cancelled.')
    process.exitCode = 130
  } else if (err instanceof OAuthResponseError) {
    const reason = err.error === 'access_denied' ? 'access was denied' : err.error === 'expired_token' ? 'the code expired; run me again' : err.error
    console.error(`Sign-in failed: ${reason}`)
    process.exitCode = 1
  } else if (err instanceof ClientValidationError) {
    console.error(`Sign-in failed: ${err.message}`)
    process.exitCode = 1
  } else {
    console.error(`Sign-in failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  }
}
