/**
 * Issue 14: the tenant's signing keys through the admin API (README "Admin API", "Keys"), as
 * `latch keys list` and `latch keys rotate` (`management/keys.ts`):
 * - `GET /keys`: the published keys (the JWK Set's), each with its status (`pending`: published,
 *   signs from `activates_at`; `active`; `retired`: published until `expires_at` so that what it
 *   signed still verifies) and its public JWK only: the response schema has no private member;
 * - `POST /keys/rotate` (`{ "immediately"?: boolean }`): a new key, stored at once. The node that
 *   answers reloads its keys at once (its JWK Set has the new key now); every other node at its
 *   next key reload, within `tokens.key_reload_interval`, before the key signs (after
 *   `tokens.key_activation_delay`). `immediately` is for a compromised key: the new key signs and
 *   the old ones leave the JWK Set at once here, on the other nodes at their next reload.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { listKeys, rotateKeys } from '../../management/keys.js'
import { noStore } from '../_pipeline/no-store.js'
import { adminAuthorization } from './authorization.js'
import { JsonBody } from './json-body.js'
import { managementScopeOf, viaManagement } from './management.js'
import type { AdminResource, JsonSchema } from './openapi.js'
import { AdminQuery } from './query.js'

/** RFC 7517 §4, RFC 7518 §6.2.1, §6.3.1, RFC 8037 §2: the public members of Latch's keys (RSA, EC, OKP), no more. */
const PUBLIC_JWK_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The public key as the JWK Set publishes it',
  required: ['kty', 'kid'],
  properties: {
    kty: { type: 'string' },
    kid: { type: 'string' },
    alg: { type: 'string' },
    use: { type: 'string' },
    crv: { type: 'string' },
    x: { type: 'string' },
    y: { type: 'string' },
    n: { type: 'string' },
    e: { type: 'string' },
  },
}

const TIME = { type: 'string', format: 'date-time' }
const TIME_OR_NULL = { type: ['string', 'null'], format: 'date-time' }

export const SIGNING_KEY_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['kid', 'alg', 'use', 'status', 'created_at', 'activates_at', 'retired_at', 'expires_at', 'companion_of', 'public_jwk'],
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    use: { type: 'string', const: 'sig' },
    status: { type: 'string', enum: ['pending', 'active', 'retired'], description: 'pending: published, signs from activates_at; active: signs; retired: published only, until expires_at' },
    created_at: { ...TIME, description: 'Published in the JWK Set since' },
    activates_at: { ...TIME, description: 'Signs from' },
    retired_at: { ...TIME_OR_NULL, description: 'A newer key signs from then on; null while it is the newest' },
    expires_at: { ...TIME_OR_NULL, description: 'Leaves the JWK Set then; null while active' },
    companion_of: { type: ['string', 'null'], description: 'For an RS256 key kept beside a main key of another alg (RS256 ID tokens): that key\'s kid' },
    public_jwk: PUBLIC_JWK_SCHEMA,
  },
}

export const SIGNING_KEY_LIST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: SIGNING_KEY_SCHEMA }, next_cursor: { type: 'null', description: 'Always null: the published keys are few and come in one page' } },
}

export const KEY_ROTATION_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    immediately: { type: 'boolean', default: false, description: 'A compromised key: the new key signs, and the old ones leave the JWK Set, at once (tokens they signed stop verifying)' },
  },
}

export const KEY_ROTATION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['kid', 'alg', 'activates_at', 'retired', 'retired_keys_expire_in'],
  properties: {
    kid: { type: 'string', description: 'The new key' },
    alg: { type: 'string' },
    activates_at: { ...TIME, description: 'When it signs' },
    retired: { type: 'array', items: { type: 'string' }, description: 'The kids that stop signing then' },
    retired_keys_expire_in: { type: 'integer', description: 'Seconds the retired keys stay in the JWK Set after that (0 with immediately)' },
  },
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())
const json = (reply: FastifyReply) => reply.type('application/json; charset=utf-8')

const routes: FastifyPluginAsync = async (app) => {
  app.get(
    '/keys',
    { config: { channel: 'bearer-api' }, onRequest: [noStore, adminAuthorization('admin:read')], schema: { response: { 200: SIGNING_KEY_LIST_SCHEMA } } },
    async function listKeysRoute(request, reply) {
      new AdminQuery(request.query, [])
      const scope = managementScopeOf(request)
      const keys = await viaManagement(() => listKeys(scope))
      const data = keys.map((k) => ({
        kid: k.kid, alg: k.alg, use: 'sig', status: k.status, created_at: iso(k.created_at), activates_at: iso(k.activates_at),
        retired_at: iso(k.retired_at), expires_at: iso(k.expires_at), companion_of: k.companion_of, public_jwk: k.public_jwk,
      }))
      return json(reply).send({ data, next_cursor: null })
    },
  )

  app.post(
    '/keys/rotate',
    { config: { channel: 'bearer-api' }, onRequest: [noStore, adminAuthorization('admin:write')], schema: { response: { 200: KEY_ROTATION_SCHEMA } } },
    async function rotateKeysRoute(request, reply) {
      new AdminQuery(request.query, [])
      const body = JsonBody.of(request, ['immediately'])
      const immediately = body.boolean('immediately') ?? false
      const ctx = request.latch
      const rotation = await viaManagement(() => rotateKeys(managementScopeOf(request), { immediately }))
      // This node publishes (and, immediately, signs with) the new key now; the others at their next reload.
      await ctx.keystore.reload()
      return json(reply).send({ ...rotation, activates_at: iso(rotation.activates_at) })
    },
  )
}

export const keysResource: AdminResource = {
  tag: { name: 'keys', description: 'The tenant\'s signing keys (its JWK Set) and their rotation' },
  schemas: { SigningKey: SIGNING_KEY_SCHEMA, SigningKeyList: SIGNING_KEY_LIST_SCHEMA, KeyRotationInput: KEY_ROTATION_INPUT_SCHEMA, KeyRotation: KEY_ROTATION_SCHEMA },
  operations: [
    {
      method: 'get',
      path: '/keys',
      operationId: 'listKeys',
      summary: 'List the published signing keys',
      description: 'The keys of the tenant\'s JWK Set, newest first: the active key, a pending one a rotation published ahead of its activation, and retired keys still published so that what they signed verifies. Public members only. All in one page (`next_cursor` is null).',
      access: 'admin:read',
      responses: { 200: { description: 'The keys', schema: 'SigningKeyList' } },
    },
    {
      method: 'post',
      path: '/keys/rotate',
      operationId: 'rotateKeys',
      summary: 'Rotate the signing keys',
      description:
        'Adds a new signing key of `tokens.signing_alg`. It is in this node\'s JWK Set at once and in every other node\'s within `tokens.key_reload_interval`; it signs from `activates_at` (after `tokens.key_activation_delay`), when the current key retires, which stays published for `retired_keys_expire_in` seconds more. ' +
        'With `immediately` (a compromised key) the new key signs and the old keys leave the JWK Set at once on this node, on the others at their next reload: tokens the old keys signed stop verifying. ' +
        'The body may be omitted. A signing key of another alg than `tokens.signing_alg` is `invalid_request` (run `latch keys rotate --switch-alg`). Recorded as `admin.key.rotated`.',
      access: 'admin:write',
      requestBody: { description: 'Options; may be omitted', schema: 'KeyRotationInput', required: false },
      responses: { 200: { description: 'The new key', schema: 'KeyRotation' } },
    },
  ],
  routes,
}
