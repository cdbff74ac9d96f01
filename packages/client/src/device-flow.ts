/**
 * The device authorization grant for CLIs, TVs and other input-constrained clients: ask for a
 * device code, show the user code and verification URI, then poll the token endpoint. Polling
 * honours the server's `interval` (default 5 s), adds 5 s on every `slow_down`, keeps going on
 * `authorization_pending` and stops at `expires_in`; `access_denied` and `expired_token` end it
 * with that error. An ID token in the result is validated like any other (signature included).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import { deviceAuthorizationRequest, deviceCodeGrantRequest, processDeviceAuthorizationResponse, processDeviceCodeResponse } from 'oauth4webapi'
import { clientContext, type ClientContextOptions } from './client-context.js'
import { OAuthResponseError } from './errors.js'
import { tokenSetFrom, type TokenSet } from './token-set.js'
import { typed } from './translate-error.js'

/** What to show the user (RFC 8628 §3.3). */
export interface DeviceUserCode {
  userCode: string
  verificationUri: string
  /** The verification URI with the code filled in, for a QR code or a link (§3.3.1). */
  verificationUriComplete?: string
  /** Seconds until the code expires. */
  expiresIn: number
}

/** Options of `deviceAuthorization`. */
export interface DeviceAuthorizationOptions extends ClientContextOptions {
  scope?: string
  resource?: string
  /** Shows the code to the user; polling starts once it returns. */
  onUserCode: (info: DeviceUserCode) => void | Promise<void>
  /** Aborts polling (Ctrl-C); the promise then rejects with the signal's reason. */
  signal?: AbortSignal
  /**
   * Waits `seconds` before the next poll; default: a timer. Replace it to drive a countdown in a
   * UI, or in tests to observe the intervals the client honours.
   */
  wait?: (seconds: number, signal?: AbortSignal) => Promise<void>
}

const DEFAULT_INTERVAL = 5
const SLOW_DOWN_INCREMENT = 5

/** A timer that an abort signal cancels. */
function sleep(seconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, seconds * 1000)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Signs in with the device authorization grant: resolves with the tokens once the user approved
 * on another device.
 *
 * @throws `OAuthResponseError` `access_denied` (the user said no), `expired_token` (nobody
 *   approved in time; `status` 0 when this client's own deadline passed first), or the error of a
 *   failed device authorization request (e.g. `invalid_scope`, `unauthorized_client`).
 *
 * @example
 * ```ts
 * import { deviceAuthorization } from '@latch/client'
 *
 * const controller = new AbortController()
 * process.once('SIGINT', () => controller.abort())
 * const tokens = await deviceAuthorization({
 *   issuer: 'http://localhost:9000',
 *   clientId: 'demo-device',
 *   scope: 'openid profile offline_access',
 *   signal: controller.signal,
 *   onUserCode: ({ verificationUri, userCode }) => console.log(`Open ${verificationUri} and enter ${userCode}`),
 * })
 * ```
 */
export async function deviceAuthorization(options: DeviceAuthorizationOptions): Promise<TokenSet> {
  const ctx = clientContext(options)
  const { client, auth } = ctx
  const http = { ...ctx.http, ...(options.signal && { signal: options.signal }) }
  const wait = options.wait ?? sleep

  const as = await ctx.metadata()
  const parameters: Record<string, string> = {}
  if (options.scope !== undefined) parameters.scope = options.scope
  if (options.resource !== undefined) parameters.resource = options.resource
  const started = Date.now()
  const grant = await typed(async () => processDeviceAuthorizationResponse(as, client, await deviceAuthorizationRequest(as, client, auth, parameters, http)))
  const deadline = started + grant.expires_in * 1000

  await options.onUserCode({
    userCode: grant.user_code,
    verificationUri: grant.verification_uri,
    ...(grant.verification_uri_complete !== undefined && { verificationUriComplete: grant.verification_uri_complete }),
    expiresIn: grant.expires_in,
  })

  let interval = grant.interval ?? DEFAULT_INTERVAL
  for (;;) {
    // §3.5: the client waits at least `interval` seconds between polls, the first one included.
    await wait(interval, options.signal)
    options.signal?.throwIfAborted()
    try {
      return await typed(async () => {
        const response = await deviceCodeGrantRequest(as, client, auth, grant.device_code, http)
        return tokenSetFrom(as, response, await processDeviceCodeResponse(as, client, response), http)
      })
    } catch (err) {
      if (!(err instanceof OAuthResponseError)) throw err
      if (err.error === 'slow_down') interval += SLOW_DOWN_INCREMENT
      else if (err.error !== 'authorization_pending') throw err
    }
    if (Date.now() + interval * 1000 > deadline) {
      throw new OAuthResponseError('expired_token', { error_description: 'the device code expires before the next poll; start again', status: 0 })
    }
  }
}
