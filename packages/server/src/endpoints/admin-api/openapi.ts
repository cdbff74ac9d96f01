/**
 * Issue 14: the admin API's OpenAPI 3.1 document (`GET /admin/api/v1/openapi.json`), built from a
 * registry: each resource of the API (`AdminResource`: audit events now; clients, users,
 * organizations, sessions, keys later) declares its operations, with the scope each needs, its
 * parameters and its responses, and its JSON Schemas (the same objects its routes serialize
 * with). The document adds what every operation shares: the server (the tenant's
 * `<issuer>/admin/api/v1`), the security schemes (a Bearer JWT access token, obtained with client
 * credentials at the tenant's token endpoint, with the admin scopes), and the error responses of
 * Latch's error model (RFC 6749 §5.2 bodies; RFC 6750 §3 for 401 and 403).
 * Built once per tenant configuration (the issuer and token endpoint are the tenant's).
 * @see https://spec.openapis.org/oas/v3.1.0
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import type { FastifyPluginAsync } from 'fastify'
import { ADMIN_RESOURCE_NAME, ADMIN_SCOPES, ADMIN_SCOPE_DESCRIPTIONS, adminResourceOf, type AdminAccess } from '../../rules/admin-api.js'

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>

/** An OpenAPI parameter object (`in: query` or `path`). */
export interface AdminParameter {
  name: string
  in: 'query' | 'path'
  description: string
  required?: boolean
  schema: JsonSchema
  /** For an array in the query: `form` + `explode: true` is `type=a&type=b`. */
  style?: 'form' | 'simple'
  explode?: boolean
}

/** One operation of the admin API. */
export interface AdminOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  /** Under `/admin/api/v1`, with OpenAPI templates (`/clients/{client_id}`). */
  path: string
  operationId: string
  summary: string
  description: string
  /** The scope it needs (`admin:*` has both). */
  access: AdminAccess
  parameters?: AdminParameter[]
  /** `required` defaults to true; false for a body that may be omitted. */
  requestBody?: { description: string; schema: string; required?: boolean }
  /** Success responses by status: a description, the name of a component schema, response headers. */
  responses: Record<string, { description: string; schema?: string; headers?: Record<string, { description: string; schema: JsonSchema }> }>
}

/** One resource of the admin API: what it adds to the document, and its routes. */
export interface AdminResource {
  /** The tag of its operations. */
  tag: { name: string; description: string }
  /** Component schemas by name (also what its routes serialize with). */
  schemas: Record<string, JsonSchema>
  operations: AdminOperation[]
  /** Registers its routes (under the admin API's prefix); each route's `onRequest` has `adminAuthorization`. */
  routes: FastifyPluginAsync
  /** Only at the default tenant's admin API (the deployment's tenants): left out of every other tenant's document. */
  defaultTenantOnly?: boolean
}

/** Latch's error body (RFC 6749 §5.2, RFC 6750 §3), for every failure. */
const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: {
    error: { type: 'string', description: 'The error code (`invalid_request`, `invalid_token`, `insufficient_scope`, `server_error`, `temporarily_unavailable`)' },
    error_description: { type: 'string', description: 'What went wrong, for a developer (never a secret)' },
  },
}

const WWW_AUTHENTICATE = {
  description: 'RFC 6750 §3: `Bearer realm="latch", error="…", error_description="…"` (and `scope="…"` for insufficient_scope)',
  schema: { type: 'string' },
}

const ERROR_RESPONSES = {
  invalid_request: { description: '`invalid_request`: a parameter is malformed or unknown (the description names it)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  invalid_token: {
    description: '`invalid_token`: no access token, or one that is malformed, expired, revoked, of another issuer or tenant, or not for the admin API',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  insufficient_scope: {
    description: '`insufficient_scope`: the access token lacks the scope the operation needs (named in `WWW-Authenticate`)',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  server_error: { description: '`server_error` or, while the database is unreachable, `temporarily_unavailable` (503)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
}

/** The document for a tenant: `issuer` and `tokenEndpoint` are the tenant's. */
export function openApiDocument(resources: readonly AdminResource[], issuer: string, tokenEndpoint: string, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  const schemas: Record<string, JsonSchema> = { Error: ERROR_SCHEMA }
  for (const resource of resources) {
    for (const [name, schema] of Object.entries(resource.schemas)) {
      if (name in schemas) throw new Error(`admin API: two resources define the schema ${name}`)
      schemas[name] = schema
    }
    for (const op of resource.operations) {
      const path = (paths[op.path] ??= {})
      if (op.method in path) throw new Error(`admin API: ${op.method} ${op.path} is defined twice`)
      const responses: Record<string, unknown> = {}
      for (const [status, r] of Object.entries(op.responses)) {
        responses[status] = {
          description: r.description,
          ...(r.headers && { headers: r.headers }),
          ...(r.schema && { content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.schema}` } } } }),
        }
      }
      Object.assign(responses, {
        400: { $ref: '#/components/responses/invalid_request' },
        401: { $ref: '#/components/responses/invalid_token' },
        403: { $ref: '#/components/responses/insufficient_scope' },
        500: { $ref: '#/components/responses/server_error' },
      })
      path[op.method] = {
        operationId: op.operationId,
        summary: op.summary,
        description: `${op.description}\n\nNeeds the scope \`${op.access}\` (or \`admin:*\`).`,
        tags: [resource.tag.name],
        security: [{ bearer: [op.access] }, { client_credentials: [op.access] }],
        ...(op.parameters && { parameters: op.parameters }),
        ...(op.requestBody && { requestBody: { required: op.requestBody.required ?? true, description: op.requestBody.description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.requestBody.schema}` } } } } }),
        responses,
      }
    }
  }
  const resource = adminResourceOf(issuer)
  return {
    openapi: '3.1.0',
    info: {
      title: ADMIN_RESOURCE_NAME,
      version,
      description:
        `The administration API of the Latch tenant ${issuer}. Every request carries \`Authorization: Bearer <access token>\`: ` +
        `a JWT access token of this tenant for the resource \`${resource}\` (RFC 8707 \`resource\` parameter), with the scope ` +
        '`admin:read` (every GET), `admin:write` (every change) or `admin:*`, obtained with client credentials by a client ' +
        'registered for that resource and scope, or with the authorization code flow by a signed-in administrator (a user with the role ' +
        '`latch:admin` or `latch:viewer`, whose roles are checked again at every call). Errors are RFC 6749 §5.2 bodies; 401 and 403 carry an RFC 6750 §3 challenge.',
    },
    servers: [{ url: resource, description: 'this tenant' }],
    tags: resources.map((r) => r.tag),
    paths,
    components: {
      schemas,
      responses: ERROR_RESPONSES,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `An RFC 9068 access token of this tenant whose audience is ${resource}` },
        client_credentials: {
          type: 'oauth2',
          description: `Client credentials (RFC 6749 §4.4) with resource=${resource}`,
          flows: { clientCredentials: { tokenUrl: tokenEndpoint, scopes: Object.fromEntries(ADMIN_SCOPES.map((s) => [s, ADMIN_SCOPE_DESCRIPTIONS[s]])) } },
        },
      },
    },
  }
}
