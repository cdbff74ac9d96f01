/**
 * The device authorization endpoint (RFC 8628 §3.1, §3.2): a device with no browser (TV, CLI)
 * asks for a `device_code` to poll with and a short `user_code` the user types at
 * `verification_uri` on another screen. Form body only, no repeated parameters, the client
 * authenticated the same way as at the token endpoint (public clients with `none` too, §3.1), and
 * only for clients registered for the device_code grant.
 * - `device_code`: 256 random bits, stored hashed (RFC 8628 §5.2 wants it unguessable);
 * - `user_code`: 8 characters from a 20-letter alphabet (§6.1), stored as the hash of its
 *   normalized form so any case or dash the user types matches;
 * - `verification_uri` is built from the issuer, never from the Host header (docs/architecture.md §2);
 * - every response carries `Cache-Control: no-store` (§3.2 responses are token-like secrets).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LatchContext } from '../context.js'
import { PATHS } from '../context.js'
import { StorageUnavailableError, UnauthorizedClientError } from '../errors.js'
import { DEVICE_CODE_GRANT_TYPE } from '../grants/device-code.js'
import { resolveScope } from '../rules/scope.js'
import { resolveResource } from '../rules/resource.js'
import type { DeviceCodeRecord } from '../storage/store.js'
import { newHandle, newUserCode } from '../tokens/opaque-handle.js'
import { requireFormBody } from './_pipeline/form-body.js'
import { noStore } from './_pipeline/no-store.js'
import { clientAuthentication } from './_pipeline/client-authentication.js'

/** RFC 8628 §3.2 response; wire names. */
export interface DeviceAuthorizationResponseBody {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete: string
  expires_in: number
  interval: number
}

/** Attempts at a fresh user code: ~34.5 bits each, so a second collision in a row means a bug. */
const USER_CODE_ATTEMPTS = 3

/**
 * Inserts a device code with a fresh user code, retrying on a user_code_hash collision. The store
 * does not (yet) say which constraint failed; a fresh 256-bit device_code_hash cannot collide, so
 * any non-outage insert failure is taken as a user code collision and retried with a new one.
 */
async function insertDeviceCode(ctx: LatchContext, base: Omit<DeviceCodeRecord, 'user_code_hash'>): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const userCode = newUserCode()
    try {
      await ctx.store.deviceCodes.insert({ ...base, user_code_hash: userCode.hash })
      return userCode.value
    } catch (err) {
      if (err instanceof StorageUnavailableError || attempt >= USER_CODE_ATTEMPTS) throw err
      ctx.log.warn({ attempt }, 'device user code insert failed, retrying with a new code')
    }
  }
}

export const deviceAuthorizationEndpoint: FastifyPluginAsync = async (app) => {
  async function deviceAuthorizationRequest(request: FastifyRequest, reply: FastifyReply) {
    const ctx = request.latch
    const { params, client } = await clientAuthentication(request, ctx)
    if (!client.grant_types.includes(DEVICE_CODE_GRANT_TYPE)) {
      throw new UnauthorizedClientError('this client may not use the device authorization grant')
    }
    const { config, clock } = ctx
    const resource = resolveResource(params, client, config)
    const scope = resolveScope(params.scope, client, config, resource)
    // Anyone with a public client's id can ask: bounded per source and in total (issue 8).
    await ctx.pending.admitDeviceCode(request.ip)
    const now = clock.now()
    const device = newHandle()
    const userCode = await insertDeviceCode(ctx, {
      device_code_hash: device.hash,
      client_id: client.client_id,
      scope: scope.join(' '),
      resource,
      interval: config.tokens.device_poll_interval,
      created_at: now,
      expires_at: now + config.tokens.device_code_ttl,
      last_polled_at: null,
      status: 'pending',
      user_id: null,
      auth_time: null,
      session_id: null,
      granted_scope: null,
    })
    const verificationUri = ctx.urls.device_verification
    const body: DeviceAuthorizationResponseBody = {
      device_code: device.value,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
      expires_in: config.tokens.device_code_ttl,
      interval: config.tokens.device_poll_interval,
    }
    return reply.type('application/json; charset=utf-8').send(body)
  }
  app.post(
    PATHS.device_authorization,
    { config: { channel: 'json' }, onRequest: noStore, preValidation: requireFormBody },
    deviceAuthorizationRequest,
  )
}
