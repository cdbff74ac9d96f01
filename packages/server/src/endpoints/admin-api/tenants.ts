/**
 * Issue 14: the deployment's tenants (issue 11) through the admin API (README "Admin API",
 * "Tenants"), as `latch tenants list|create|delete` (`management/tenants.ts`):
 * - `GET /tenants`, `GET /tenants/{id}`: the default tenant (the config file's top level) and the
 *   stored ones, each tenant's own settings with secrets masked (`maskSecrets`: an SMTP URL's
 *   password too);
 * - `POST /tenants`: an entry of `tenants` in the config file (`id`, `issuer` and the tenant's own
 *   keys), validated by the loader against the deployment's config before anything is written;
 * - `DELETE /tenants/{id}`: the tenant and every row it owns, in one transaction.
 * Only at the DEFAULT tenant's admin API: tenants are the deployment's, and an administrator of one
 * tenant is no administrator of the others. At any other tenant these routes answer 404
 * `not_found` to every caller, before the token is looked at (the resource does not exist there).
 * A tenant created or deleted here is served, or no longer served, by every node (this one
 * included) within `tenancy.reload_interval`, as with the CLI. A file the server would read
 * (`branding.css_file`, a connection's `private_key_file`) cannot be named: an API caller has no
 * business with the server's files.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { TENANT_KEYS, type LatchConfig } from '../../config/schema.js'
import { DEFAULT_TENANT } from '../../config/tenant.js'
import { InvalidRequestError, NotFoundError } from '../../errors.js'
import { maskSecrets } from '../../management/admin-change.js'
import { createTenant, deleteTenant, getTenant, listTenants } from '../../management/tenants.js'
import { adminResourceOf } from '../../rules/admin-api.js'
import type { TenantRecord } from '../../storage/store.js'
import { noStore } from '../_pipeline/no-store.js'
import { adminAuthorization } from './authorization.js'
import { JsonBody } from './json-body.js'
import { keyedPage, PAGE_MAX, PAGE_PARAMETERS } from './keyed-page.js'
import { managementScopeOf, viaManagement } from './management.js'
import type { AdminResource, JsonSchema } from './openapi.js'
import { AdminQuery } from './query.js'

const TIME_OR_NULL = { type: ['string', 'null'], format: 'date-time' }

export const TENANT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'issuer', 'default', 'source', 'settings', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    issuer: { type: 'string' },
    default: { type: 'boolean', description: 'The config file\'s top-level tenant (never stored, never deleted)' },
    source: { type: 'string', enum: ['config', 'cli'], description: '`config`: the config file (its top level, `tenants` or `tenants_dir`) defines it: delete it there (409 here); `cli`: made by an administrator (CLI or this API)' },
    settings: { type: ['object', 'null'], additionalProperties: true, description: 'The tenant\'s own keys as stored (not its clients, users, organizations, connections), secrets masked; null for the default tenant' },
    created_at: { ...TIME_OR_NULL, description: 'null for the default tenant' },
    updated_at: TIME_OR_NULL,
  },
}

export const CREATED_TENANT_SCHEMA: JsonSchema = {
  type: 'object',
  required: [...(TENANT_SCHEMA.required as string[]), 'warnings'],
  properties: { ...(TENANT_SCHEMA.properties as Record<string, JsonSchema>), warnings: { type: 'array', items: { type: 'string' } } },
}

const TENANT_PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: TENANT_SCHEMA }, next_cursor: { type: ['string', 'null'], description: 'The cursor of the next page; null on the last' } },
}

export const TENANT_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'An entry of `tenants` in the config file (README "Tenants"): `id`, `issuer` and the tenant\'s own keys, each as the config file\'s, without file names',
  required: ['id', 'issuer'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
    issuer: { type: 'string', description: 'https://login.acme.example (a host of its own) or https://auth.example.com/t/acme (a path under a host)' },
    ...Object.fromEntries(TENANT_KEYS.map((key) => [key, { description: `As \`${key}\` in the config file` }])),
  },
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())
const json = (reply: FastifyReply) => reply.type('application/json; charset=utf-8')

interface TenantView {
  id: string
  [field: string]: unknown
}

function tenantView(t: TenantRecord, config: LatchConfig): TenantView {
  return {
    id: t.id, issuer: t.issuer, default: false, source: config.tenants.some((d) => d.id === t.id) ? 'config' : 'cli',
    settings: maskSecrets(t.settings), created_at: iso(t.created_at), updated_at: iso(t.updated_at),
  }
}

const defaultView = (config: LatchConfig): TenantView => ({ id: DEFAULT_TENANT, issuer: config.issuer, default: true, source: 'config', settings: null, created_at: null, updated_at: null })

/** Refuses keys that name a file the server would read (`css_file`, `private_key_file`), at any depth. */
function refuseFiles(value: unknown, path: string): void {
  if (Array.isArray(value)) return value.forEach((v, i) => refuseFiles(v, `${path}[${i}]`))
  if (value === null || typeof value !== 'object') return
  for (const [key, v] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`
    if (key.endsWith('_file')) throw new InvalidRequestError(`${at.slice(0, 128)}: names a file on the server, which the admin API does not read (give the value itself, or use the CLI)`)
    refuseFiles(v, at)
  }
}

/** The tenants are the deployment's: another tenant's admin API has no such resource, whoever asks. */
async function deploymentOnly(request: FastifyRequest): Promise<void> {
  if (request.latch.tenant !== DEFAULT_TENANT) throw new NotFoundError('tenants are managed at the default tenant\'s admin API only', { detail: `tenant ${request.latch.tenant}` })
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id

const routes: FastifyPluginAsync = async (app) => {
  const read = { config: { channel: 'bearer-api' as const }, onRequest: [noStore, deploymentOnly, adminAuthorization('admin:read')] }
  const write = { config: { channel: 'bearer-api' as const }, onRequest: [noStore, deploymentOnly, adminAuthorization('admin:write')] }

  app.get('/tenants', { ...read, schema: { response: { 200: TENANT_PAGE_SCHEMA } } }, async function listTenantsRoute(request, reply) {
    const query = new AdminQuery(request.query, ['limit', 'cursor'])
    const { config } = request.latch
    const scope = managementScopeOf(request)
    const tenants = [defaultView(config), ...(await viaManagement(() => listTenants(scope))).map((t) => tenantView(t, config))]
    return json(reply).send(keyedPage(tenants, (t) => t.id, query))
  })

  app.post('/tenants', { ...write, schema: { response: { 201: CREATED_TENANT_SCHEMA } } }, async function createTenantRoute(request, reply) {
    new AdminQuery(request.query, [])
    const body = JsonBody.of(request, ['id', 'issuer', ...TENANT_KEYS])
    const id = body.string('id', { required: true })
    const issuer = body.string('issuer', { required: true })
    refuseFiles(body.fields, '')
    const { config } = request.latch
    const scope = managementScopeOf(request)
    const { warnings, row } = await viaManagement(() => createTenant(scope, { keys: { ...body.fields, id, issuer }, where: 'tenants[0]', baseDir: '/' }))
    const view = row === null ? { ...defaultView(config), id, issuer, default: false, source: 'cli' } : tenantView(row, config)
    return json(reply)
      .status(201)
      .header('location', `${adminResourceOf(config.issuer)}/tenants/${encodeURIComponent(id)}`)
      .send({ ...view, warnings: warnings.map((w) => w.replace(/^tenants\[0\]: /, '')) })
  })

  app.get('/tenants/:id', { ...read, schema: { response: { 200: TENANT_SCHEMA } } }, async function getTenantRoute(request, reply) {
    new AdminQuery(request.query, [])
    const { config } = request.latch
    const id = idOf(request)
    if (id === DEFAULT_TENANT) return json(reply).send(defaultView(config))
    const scope = managementScopeOf(request)
    return json(reply).send(tenantView(await viaManagement(() => getTenant(scope, id)), config))
  })

  app.delete('/tenants/:id', write, async function deleteTenantRoute(request, reply) {
    new AdminQuery(request.query, [])
    const scope = managementScopeOf(request)
    const id = idOf(request)
    await viaManagement(() => deleteTenant(scope, id))
    return reply.status(204).send()
  })
}

const ID_PARAMETER = { name: 'id', in: 'path' as const, required: true, description: 'The tenant id (`default`: the config file\'s top level)', schema: { type: 'string', maxLength: 64 } }
const ONLY_DEFAULT = 'Only at the default tenant\'s admin API (tenants are the deployment\'s): at another tenant\'s, 404 `not_found` whoever asks.'
const NOT_FOUND = { description: '`not_found`: no such tenant, or this is not the default tenant\'s admin API', schema: 'Error' }

export const tenantsResource: AdminResource = {
  tag: { name: 'tenants', description: 'The deployment\'s tenants (issue 11): only at the default tenant\'s admin API' },
  schemas: { Tenant: TENANT_SCHEMA, CreatedTenant: CREATED_TENANT_SCHEMA, TenantPage: TENANT_PAGE_SCHEMA, TenantInput: TENANT_INPUT_SCHEMA },
  operations: [
    {
      method: 'get',
      path: '/tenants',
      operationId: 'listTenants',
      summary: 'List tenants, by id',
      description: `Every tenant of the deployment, the default one included, in id order, a page at a time (at most ${PAGE_MAX}). ${ONLY_DEFAULT}`,
      access: 'admin:read',
      parameters: PAGE_PARAMETERS,
      responses: { 200: { description: 'A page of tenants', schema: 'TenantPage' }, 404: NOT_FOUND },
    },
    {
      method: 'post',
      path: '/tenants',
      operationId: 'createTenant',
      summary: 'Create a tenant',
      description:
        'Adds a tenant from an entry of `tenants` as in the config file, validated against the deployment\'s config before anything is written; its clients, users, organizations and connections are created in its own rows (passwords and secrets hashed or encrypted). ' +
        'Every node, this one included, serves its issuer within `tenancy.reload_interval`. Keys naming a server file (`*_file`) are refused. Recorded as `admin.tenant.created` in the default tenant\'s log. ' + ONLY_DEFAULT,
      access: 'admin:write',
      requestBody: { description: 'The tenant', schema: 'TenantInput' },
      responses: {
        201: { description: 'Created, with the loader\'s warnings', schema: 'CreatedTenant', headers: { Location: { description: 'The tenant\'s URL', schema: { type: 'string' } } } },
        404: NOT_FOUND,
        409: { description: '`conflict`: the id or the issuer is taken', schema: 'Error' },
      },
    },
    {
      method: 'get',
      path: '/tenants/{id}',
      operationId: 'getTenant',
      summary: 'Read a tenant',
      description: `The tenant, its own settings with secrets masked. ${ONLY_DEFAULT}`,
      access: 'admin:read',
      parameters: [ID_PARAMETER],
      responses: { 200: { description: 'The tenant', schema: 'Tenant' }, 404: NOT_FOUND },
    },
    {
      method: 'delete',
      path: '/tenants/{id}',
      operationId: 'deleteTenant',
      summary: 'Delete a tenant and all its data',
      description:
        'Deletes the tenant and every row it owns (clients, users, organizations, keys, sessions, grants, tokens) in one transaction; it cannot be undone. Every node stops serving its issuer within `tenancy.reload_interval`. ' +
        'The default tenant cannot be deleted (`invalid_request`); a tenant of the config file is deleted there (`conflict`). Recorded as `admin.tenant.deleted` in the default tenant\'s log. ' + ONLY_DEFAULT,
      access: 'admin:write',
      parameters: [ID_PARAMETER],
      responses: { 204: { description: 'Deleted' }, 404: NOT_FOUND, 409: { description: '`conflict`: the tenant is defined in the config file', schema: 'Error' } },
    },
  ],
  routes,
  defaultTenantOnly: true,
}
