/**
 * Issue 14: the admin REST API under `/admin/api/v1` (README "Admin API"). Every route works on the
 * request's tenant (`request.latch`, chosen by host or path prefix like every route: `admin` is in
 * `ROUTE_SEGMENTS`), and is protected by this tenant's own access tokens for the built-in resource
 * `<issuer>/admin/api/v1` with the admin scopes (`admin-api/authorization.ts`, `rules/admin-api.ts`).
 * Resources register in `ADMIN_API_RESOURCES` (a later one: clients, users, organizations, sessions,
 * keys, is one file and one line): their routes and their part of the OpenAPI 3.1 document,
 * served at `GET /admin/api/v1/openapi.json` without a token (it describes the API, no data).
 * Errors are Latch's (errors.ts), with RFC 6750 §3 challenges on the `bearer` channel.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
import { createRequire } from 'node:module'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LatchConfig } from '../config/schema.js'
import { DEFAULT_TENANT } from '../config/tenant.js'
import { ADMIN_API_PATH } from '../rules/admin-api.js'
import { auditEventsResource } from './admin-api/audit-events.js'
import { clientsResource } from './admin-api/clients.js'
import { keysResource } from './admin-api/keys.js'
import { tenantsResource } from './admin-api/tenants.js'
import { connectionsResource } from './admin-api/connections.js'
import { organizationsResource } from './admin-api/organizations.js'
import { openApiDocument, type AdminResource } from './admin-api/openapi.js'
import { usersResource } from './admin-api/users.js'

/** The resources of the admin API, in the order of the document. */
export const ADMIN_API_RESOURCES: readonly AdminResource[] = [
  auditEventsResource,
  clientsResource,
  usersResource,
  organizationsResource,
  connectionsResource,
  keysResource,
  tenantsResource,
]

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

/** One document per tenant configuration (its issuer and token endpoint), built on first request. */
const documents = new WeakMap<LatchConfig, string>()

export const adminApiEndpoint: FastifyPluginAsync = async (app) => {
  app.decorateRequest('admin', null)
  await app.register(
    async (api) => {
      api.get('/openapi.json', { config: { channel: 'json' } }, async function openApi(request: FastifyRequest, reply: FastifyReply) {
        const ctx = request.latch
        let body = documents.get(ctx.config)
        if (body === undefined) {
          const resources = ADMIN_API_RESOURCES.filter((r) => r.defaultTenantOnly !== true || ctx.tenant === DEFAULT_TENANT)
          documents.set(ctx.config, (body = JSON.stringify(openApiDocument(resources, ctx.config.issuer, ctx.urls.token, VERSION))))
        }
        return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(body)
      })
      for (const resource of ADMIN_API_RESOURCES) await api.register(resource.routes)
    },
    { prefix: ADMIN_API_PATH },
  )
}
