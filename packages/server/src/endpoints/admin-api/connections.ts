/**
 * Issue 14: the tenant's connections (issue 12: upstream identity providers users sign in through)
 * through the admin API, on the management services `latch connections …` uses
 * (management/connections.ts): `GET/POST /connections`, `GET/DELETE /connections/{id}`.
 * - `POST` takes a `connections:` entry of the config file, validated by the config loader itself,
 *   with two differences: the server reads no file for a caller (`private_key_file` is refused:
 *   Apple's key is given as `private_key`, its PEM text), and nothing is substituted (`${VAR}` is
 *   taken literally, management/validate.ts). And `private_network: true` is refused: letting
 *   Latch's server-side requests reach loopback and private addresses is the operator's decision
 *   (config file or CLI), not a tenant administrator's over HTTP (connections/upstream-fetch.ts).
 * - Secrets are write-only: `client_secret` and `private_key` are accepted, stored encrypted under
 *   LATCH_SECRET, masked in the audit record, and never in an answer (the response schema is an
 *   allow-list of settings).
 * - Every answer carries `redirect_uri`, the callback to register at the upstream.
 * There is no PATCH, as there is no `latch connections update`: delete and create again.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { connectionSettingsOf } from '../../connections/records.js'
import { InvalidRequestError } from '../../errors.js'
import { createConnection, deleteConnection, getConnection, listConnections } from '../../management/connections.js'
import { adminResourceOf } from '../../rules/admin-api.js'
import { CONNECTION_TYPES, connectionCallbackUrl } from '../../rules/connection-presets.js'
import type { ConnectionRecord } from '../../storage/store.js'
import { noStore } from '../_pipeline/no-store.js'
import { adminAuthorization } from './authorization.js'
import { JsonBody } from './json-body.js'
import { keyedPage, PAGE_PARAMETERS } from './keyed-page.js'
import { managementScopeOf, viaManagement } from './management.js'
import type { AdminParameter, AdminResource, JsonSchema } from './openapi.js'
import { AdminQuery, pathId } from './query.js'

/** The bound of `connections[].client_secret` (the loader sees a placeholder, so it is checked here). */
const MAX_SECRET = 4096

const FIELDS = [
  'id', 'type', 'display_name', 'enabled', 'client_id', 'client_secret', 'scope', 'issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint',
  'token_endpoint_auth_method', 'authorization_params', 'mapping', 'link_by_email', 'jit', 'federated_logout', 'trust_amr', 'private_network',
  'tenant', 'allowed_tenants', 'team_id', 'key_id', 'private_key', 'hosted_domain', 'organization', 'required',
] as const

const REFUSED = { private_key_file: 'not accepted through the API (the server reads no file for a caller); give private_key, the PEM text' }

const PRIVATE_NETWORK_REFUSAL = 'private_network: true is not accepted through the API (reaching loopback and private addresses is the operator\'s decision: set it in the config file or with `latch connections create`)'

const URL_OR_NULL = { type: ['string', 'null'], format: 'uri' }

const CONNECTION_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'A connection as stored: its settings with the preset\'s defaults filled in, never a secret',
  required: ['id', 'type', 'protocol', 'display_name', 'enabled', 'client_id', 'scope', 'redirect_uri', 'source', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
    type: { type: 'string', enum: [...CONNECTION_TYPES] },
    protocol: { type: 'string', enum: ['oidc', 'oauth2'] },
    display_name: { type: 'string', description: 'The button: "Continue with <display_name>"' },
    enabled: { type: 'boolean' },
    issuer: URL_OR_NULL,
    authorization_endpoint: URL_OR_NULL,
    token_endpoint: URL_OR_NULL,
    userinfo_endpoint: URL_OR_NULL,
    client_id: { type: 'string', description: 'The client id the upstream gave Latch' },
    scope: { type: 'string' },
    token_endpoint_auth_method: { type: 'string' },
    authorization_params: { type: 'object', additionalProperties: { type: 'string' } },
    mapping: { type: 'object', additionalProperties: { type: 'string' }, description: 'Claim ← dot path in the upstream\'s profile' },
    trust_email_verified: { type: 'boolean' },
    link_by_email: { type: 'boolean' },
    jit: { type: 'boolean' },
    federated_logout: { type: 'boolean' },
    trust_amr: { type: 'boolean' },
    private_network: { type: 'boolean' },
    microsoft: {
      anyOf: [{ type: 'null' }, { type: 'object', properties: { tenant: { type: 'string' }, allowed_tenants: { type: 'array', items: { type: 'string' } } } }],
    },
    apple: { anyOf: [{ type: 'null' }, { type: 'object', properties: { team_id: { type: 'string' }, key_id: { type: 'string' } } }] },
    hosted_domain: { type: ['string', 'null'] },
    organization_id: { type: ['string', 'null'], description: 'Enterprise SSO: the organization whose identity provider it is' },
    required: { type: 'boolean', description: 'With organization_id: its members must sign in through it' },
    source: { type: 'string', enum: ['config', 'cli'], description: '`config`: seeded from the config file, which sets it again at each start; `cli`: made by an administrator (CLI or this API)' },
    redirect_uri: { type: 'string', format: 'uri', description: 'The callback to register at the upstream' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
}

const CONNECTION_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'A `connections:` entry of the config file (README "Connections"), but for private_key_file',
  required: ['id', 'type', 'client_id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'In the redirect URI' },
    type: { type: 'string', enum: [...CONNECTION_TYPES], description: 'oidc, oauth2, or a preset' },
    display_name: { type: 'string', minLength: 1, maxLength: 64 },
    enabled: { type: 'boolean' },
    client_id: { type: 'string', minLength: 1, maxLength: 255 },
    client_secret: { type: 'string', minLength: 1, maxLength: MAX_SECRET, writeOnly: true, description: 'Write-only: stored encrypted, never returned' },
    scope: { type: 'string', description: 'Space-separated (default: the preset\'s)' },
    issuer: { type: 'string', description: 'oidc: the issuer (discovery); presets: an override' },
    authorization_endpoint: { type: 'string' },
    token_endpoint: { type: 'string' },
    userinfo_endpoint: { type: 'string' },
    token_endpoint_auth_method: { type: 'string' },
    authorization_params: { type: 'object', additionalProperties: { type: 'string' } },
    mapping: { type: 'object', additionalProperties: { type: 'string' } },
    link_by_email: { type: 'boolean' },
    jit: { type: 'boolean' },
    federated_logout: { type: 'boolean' },
    trust_amr: { type: 'boolean' },
    private_network: { type: 'boolean', description: '`true` is refused (400): only the config file or the CLI lets a connection reach private addresses' },
    tenant: { type: 'string', description: 'microsoft: common, organizations, consumers or a tenant GUID' },
    allowed_tenants: { type: 'array', items: { type: 'string' } },
    team_id: { type: 'string', description: 'apple' },
    key_id: { type: 'string', description: 'apple' },
    private_key: { type: 'string', writeOnly: true, description: 'apple: the PKCS#8 PEM of the Sign in with Apple key; write-only' },
    hosted_domain: { type: 'string', description: 'google: only accounts of this Workspace domain' },
    organization: { type: 'string', description: 'Enterprise SSO: an existing organization\'s id' },
    required: { type: 'boolean', description: 'With organization: its members must sign in through it' },
  },
}

/** The serializer's copy: fast-json-stringify keeps only these properties (no secret, no digest). */
const connection = CONNECTION_SCHEMA
const pageOfConnections = { type: 'object', properties: { data: { type: 'array', items: connection }, next_cursor: { type: ['string', 'null'] } } }

const ID: AdminParameter = { name: 'id', in: 'path', required: true, description: 'The connection\'s id', schema: { type: 'string' } }

function publicConnection(record: ConnectionRecord, issuer: string): Record<string, unknown> {
  return {
    ...connectionSettingsOf(record),
    organization_id: record.organization_id,
    required: record.required,
    source: record.source,
    redirect_uri: connectionCallbackUrl(issuer, record.id),
    created_at: new Date(record.created_at * 1000).toISOString(),
    updated_at: new Date(record.updated_at * 1000).toISOString(),
  }
}

const json = (reply: FastifyReply) => reply.type('application/json; charset=utf-8')
const issuerOf = (request: FastifyRequest) => request.latch.config.issuer
const read = { config: { channel: 'bearer-api' as const }, onRequest: [noStore, adminAuthorization('admin:read')] }
const write = { config: { channel: 'bearer-api' as const }, onRequest: [noStore, adminAuthorization('admin:write')] }

const routes: FastifyPluginAsync = async (app) => {
  app.get('/connections', { ...read, schema: { response: { 200: pageOfConnections } } }, async function listConnectionsRoute(request, reply) {
    const page = keyedPage(await listConnections(managementScopeOf(request)), (c) => c.id, new AdminQuery(request.query, ['limit', 'cursor']))
    return json(reply).send({ data: page.data.map((c) => publicConnection(c, issuerOf(request))), next_cursor: page.next_cursor })
  })

  app.post('/connections', { ...write, schema: { response: { 201: connection } } }, async function createConnectionRoute(request, reply) {
    const body = JsonBody.of(request, FIELDS, REFUSED)
    const { client_secret: _secret, ...entry } = body.fields
    const secret = body.string('client_secret')
    // Never echoed: the message says what is wrong, not the value.
    if (secret !== undefined && (secret === '' || secret.length > MAX_SECRET)) throw new InvalidRequestError(`client_secret: must be 1 to ${MAX_SECRET} characters (value hidden)`)
    if (entry.private_key !== undefined && typeof entry.private_key !== 'string') throw new InvalidRequestError('private_key: must be a string (a PKCS#8 PEM)')
    if (entry.private_network === true) throw new InvalidRequestError(PRIVATE_NETWORK_REFUSAL)
    const { stored } = await viaManagement(() => createConnection(managementScopeOf(request), entry, secret))
    request.latch.connections.invalidate()
    return json(reply).status(201).header('location', `${adminResourceOf(issuerOf(request))}/connections/${stored.id}`).send(publicConnection(stored, issuerOf(request)))
  })

  app.get('/connections/:id', { ...read, schema: { response: { 200: connection } } }, async function getConnectionRoute(request, reply) {
    const id = pathId(request, 'id')
    return json(reply).send(publicConnection(await viaManagement(() => getConnection(managementScopeOf(request), id)), issuerOf(request)))
  })

  app.delete('/connections/:id', write, async function deleteConnectionRoute(request, reply) {
    const id = pathId(request, 'id')
    await viaManagement(() => deleteConnection(managementScopeOf(request), id))
    request.latch.connections.invalidate()
    return reply.status(204).send()
  })
}

export const connectionsResource: AdminResource = {
  tag: { name: 'connections', description: 'Upstream identity providers users sign in through (social and enterprise sign-in); secrets are write-only' },
  schemas: { Connection: CONNECTION_SCHEMA, ConnectionCreate: CONNECTION_CREATE_SCHEMA, ConnectionPage: { type: 'object', required: ['data', 'next_cursor'], properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Connection' } }, next_cursor: { type: ['string', 'null'] } } } },
  operations: [
    {
      method: 'get', path: '/connections', operationId: 'listConnections', summary: 'List connections',
      description: 'The tenant\'s connections by id, from the config file or made by an administrator, a page at a time. Never a secret.',
      access: 'admin:read', parameters: PAGE_PARAMETERS,
      responses: { 200: { description: 'A page of connections', schema: 'ConnectionPage' } },
    },
    {
      method: 'post', path: '/connections', operationId: 'createConnection', summary: 'Create a connection',
      description: 'Adds an upstream identity provider from a `connections:` entry, validated by the config loader (a preset fills what it leaves out). `client_secret` and `private_key` are write-only: stored encrypted under LATCH_SECRET, masked in the audit record, never returned. `private_key_file` is refused (no file is read for a caller), and so is `private_network: true` (reaching private addresses is the operator\'s decision: config file or CLI). Register the answer\'s `redirect_uri` at the upstream. As `latch connections create`. Recorded as `admin.connection.created`.',
      access: 'admin:write', requestBody: { description: 'The connection', schema: 'ConnectionCreate' },
      responses: {
        201: { description: 'Created; `Location` is its URL', schema: 'Connection', headers: { Location: { description: 'The connection\'s URL', schema: { type: 'string' } } } },
        409: { description: '`conflict`: a connection with this id exists', schema: 'Error' },
      },
    },
    {
      method: 'get', path: '/connections/{id}', operationId: 'getConnection', summary: 'Get a connection',
      description: 'One connection\'s settings and redirect URI, never its secrets.',
      access: 'admin:read', parameters: [ID],
      responses: { 200: { description: 'The connection', schema: 'Connection' }, 404: { description: '`not_found`: no such connection', schema: 'Error' } },
    },
    {
      method: 'delete', path: '/connections/{id}', operationId: 'deleteConnection', summary: 'Delete a connection',
      description: 'Deletes the connection with its users\' identities at it and its pending sign-ins (one transaction); the users stay. A connection of the config file (`source: config`) is the file\'s: refused with 409 `conflict` (the next start or reload would bring it back; remove it from the file, or delete it with `latch connections delete`). Recorded as `admin.connection.deleted`.',
      access: 'admin:write', parameters: [ID],
      responses: { 204: { description: 'Deleted' }, 404: { description: '`not_found`: no such connection', schema: 'Error' }, 409: { description: '`conflict`: the connection is defined in the config file', schema: 'Error' } },
    },
  ],
  routes,
}
