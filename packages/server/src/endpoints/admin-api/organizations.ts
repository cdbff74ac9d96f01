/**
 * Issue 14: the tenant's organizations (issue 10) and their members through the admin API, on the
 * management services `latch orgs …` uses (management/organizations.ts): the same rules (the config
 * loader's for an `organizations:` entry and for `users[].roles`), the same audit records
 * (`admin.organization.*`, `admin.organization_member.*`, via `api`, the calling client as actor).
 * - `GET/POST /organizations`, `GET/PATCH/DELETE /organizations/{id}`: an organization with its
 *   branding (issue 11: the keys of config `branding`, the stylesheet as text in `css`) and
 *   `mfa_required` (issue 13). `PATCH` changes what it names: `branding` replaces the whole
 *   branding, `null` removes it. Deleting revokes the grants made for it (one transaction).
 * - `GET /organizations/{id}/members`, `PUT /organizations/{id}/members/{user_id}` (`{ roles }`:
 *   adds the member, 201, or replaces its roles, 200), `DELETE …/members/{user_id}`.
 * An organization the config file lists may be changed here as with the CLI; the file wins at the
 * next start, which the answer's `warnings` says, as the CLI does.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { MAX_CSS_BYTES } from '../../config/branding.js'
import { InvalidRequestError } from '../../errors.js'
import {
  addOrganizationMemberById, brandingFromData, createOrganization, deleteOrganization, getOrganization, listOrganizationMembers,
  listOrganizations, organizationViews, removeOrganizationMemberById, updateOrganization, type BrandingSource, type MemberView, type OrganizationView,
} from '../../management/organizations.js'
import type { ManagementScope } from '../../management/scope.js'
import { adminResourceOf } from '../../rules/admin-api.js'
import { noStore } from '../_pipeline/no-store.js'
import { adminAuthorization } from './authorization.js'
import { JsonBody } from './json-body.js'
import { keyedPage, PAGE_PARAMETERS, type Page } from './keyed-page.js'
import { managementScopeOf, viaManagement } from './management.js'
import type { AdminParameter, AdminResource, JsonSchema } from './openapi.js'
import { AdminQuery, pathId } from './query.js'

const TIME = { type: 'string', format: 'date-time' } as const
const URL_TEXT = 'https:// URL, or a root-relative path (/…) on the issuer\'s origin'

const BRANDING_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Issue 11: the look of the pages of requests for the organization, key by key over the tenant\'s (README "Branding")',
  additionalProperties: false,
  properties: {
    product_name: { type: 'string', minLength: 1, maxLength: 64 },
    logo_url: { type: 'string', description: URL_TEXT },
    favicon_url: { type: 'string', description: URL_TEXT },
    primary_color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
    background_color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
    css: { type: 'string', description: 'The custom stylesheet\'s text, at most 64 KiB (served at <issuer>/branding.css)' },
    support_url: { type: 'string', description: URL_TEXT },
    terms_url: { type: 'string', description: URL_TEXT },
    privacy_url: { type: 'string', description: URL_TEXT },
  },
}

const WARNINGS = { type: 'array', items: { type: 'string' }, description: 'Only in the answer of a create or update: the branding\'s colours below WCAG 2.2 AA contrast, and whether the config file lists the organization (the file wins at the next start)' }

const ORGANIZATION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'domains', 'branding', 'mfa_required', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'Stable; in tokens as org_id' },
    name: { type: 'string', description: 'Shown on pages (the organization picker, the consent page)' },
    domains: { type: 'array', items: { type: 'string' }, description: 'Email domains whose users with a verified email join it when they sign in (roles [member])' },
    branding: { $ref: '#/components/schemas/OrganizationBranding' },
    mfa_required: { type: 'boolean', description: 'Issue 13: grants that act for the organization need a second factor' },
    created_at: TIME,
    updated_at: TIME,
    warnings: WARNINGS,
  },
}

const ORGANIZATION_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'name'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
    name: { type: 'string', minLength: 1 },
    domains: { type: 'array', items: { type: 'string' }, description: 'Lower-case domain names' },
    branding: { $ref: '#/components/schemas/OrganizationBranding' },
    mfa_required: { type: 'boolean', default: false },
  },
}

const ORGANIZATION_UPDATE_SCHEMA: JsonSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  description: 'The fields to change; the others stay',
  properties: {
    name: { type: 'string', minLength: 1 },
    domains: { type: 'array', items: { type: 'string' }, description: 'Replaces the domains ([] removes them all)' },
    branding: { anyOf: [{ $ref: '#/components/schemas/OrganizationBranding' }, { type: 'null' }], description: 'Replaces the whole branding; null removes it' },
    mfa_required: { type: 'boolean' },
  },
}

const MEMBER_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['organization_id', 'user_id', 'email', 'roles'],
  properties: {
    organization_id: { type: 'string' },
    user_id: { type: 'string', description: 'The user\'s id (the sub of its tokens)' },
    email: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' }, description: 'In tokens for the organization as org_roles' },
  },
}

const MEMBER_ROLES_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['roles'],
  additionalProperties: false,
  properties: { roles: { type: 'array', items: { type: 'string' }, description: 'Exactly the member\'s roles (replacing any it had); printable, no spaces, as users[].roles' } },
}

const pageSchema = (item: string): JsonSchema => ({
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: { $ref: `#/components/schemas/${item}` } }, next_cursor: { type: ['string', 'null'], description: 'The cursor of the next page; null on the last' } },
})

/** The serializer's schemas: OpenAPI's `$ref`s resolved (fast-json-stringify has no components). */
const branding = BRANDING_SCHEMA
const organization = { ...ORGANIZATION_SCHEMA, properties: { ...(ORGANIZATION_SCHEMA.properties as object), branding } }
const member = MEMBER_SCHEMA
const pageOf = (items: JsonSchema) => ({ type: 'object', properties: { data: { type: 'array', items }, next_cursor: { type: ['string', 'null'] } } })

const ID: AdminParameter = { name: 'id', in: 'path', required: true, description: 'The organization\'s id', schema: { type: 'string' } }
const USER_ID: AdminParameter = { name: 'user_id', in: 'path', required: true, description: 'The user\'s id', schema: { type: 'string' } }

const CREATE_FIELDS = ['id', 'name', 'domains', 'branding', 'mfa_required'] as const
const UPDATE_FIELDS = ['name', 'domains', 'branding', 'mfa_required'] as const

function view(o: OrganizationView, warnings?: string[]): Record<string, unknown> {
  return { ...o, created_at: new Date(o.created_at * 1000).toISOString(), updated_at: new Date(o.updated_at * 1000).toISOString(), ...(warnings && { warnings }) }
}

/** The branding of a body as the service's source, collecting the loader's warnings. */
function brandingSource(scope: ManagementScope, data: Record<string, unknown>, warnings: string[]): BrandingSource {
  return (entry) => {
    const set = brandingFromData(scope.config, entry, data)
    warnings.push(...set.warnings)
    return set.branding
  }
}

function fileWarning(scope: ManagementScope, id: string): string[] {
  return scope.config.organizations.some((o) => o.id === id) ? [`organization ${id} is also listed in the config file; the next start sets it from the file`] : []
}

/**
 * A body with a stylesheet of `MAX_CSS_BYTES` is larger than `security.body_limit` (64 KiB by
 * default): these two routes take up to three times it (JSON escapes of quotes and line breaks).
 * They are authorized before the body is read (`onRequest`), so only an administrator sends one.
 */
const BRANDING_BODY_LIMIT = 3 * MAX_CSS_BYTES

const locationOf = (request: FastifyRequest, path: string) => `${adminResourceOf(request.latch.config.issuer)}${path}`
const json = (reply: FastifyReply) => reply.type('application/json; charset=utf-8')
const read = { config: { channel: 'bearer-api' as const }, onRequest: [noStore, adminAuthorization('admin:read')] }
const write = { config: { channel: 'bearer-api' as const }, onRequest: [noStore, adminAuthorization('admin:write')] }

const routes: FastifyPluginAsync = async (app) => {
  app.get('/organizations', { ...read, schema: { response: { 200: pageOf(organization) } } }, async function listOrganizationsRoute(request, reply) {
    const scope = managementScopeOf(request)
    const page = keyedPage(await listOrganizations(scope), (o) => o.id, new AdminQuery(request.query, ['limit', 'cursor']))
    return json(reply).send({ data: (await organizationViews(scope, page.data)).map((o) => view(o)), next_cursor: page.next_cursor })
  })

  app.post('/organizations', { ...write, bodyLimit: BRANDING_BODY_LIMIT, schema: { response: { 201: organization } } }, async function createOrganizationRoute(request, reply) {
    const scope = managementScopeOf(request)
    const body = JsonBody.of(request, CREATE_FIELDS)
    const id = body.string('id', { required: true })
    const name = body.string('name', { required: true })
    const domains = body.strings('domains')
    const data = body.object('branding')
    const mfaRequired = body.boolean('mfa_required')
    const warnings: string[] = []
    await viaManagement(() => createOrganization(scope, {
      id, name, ...(domains !== undefined && { domains }), ...(mfaRequired !== undefined && { mfa_required: mfaRequired }),
      ...(data && { branding: brandingSource(scope, data, warnings) }),
    }))
    const created = await viaManagement(() => getOrganization(scope, id))
    return json(reply).status(201).header('location', locationOf(request, `/organizations/${id}`)).send(view(created, [...warnings, ...fileWarning(scope, id)]))
  })

  app.get('/organizations/:id', { ...read, schema: { response: { 200: organization } } }, async function getOrganizationRoute(request, reply) {
    const id = pathId(request, 'id')
    return json(reply).send(view(await viaManagement(() => getOrganization(managementScopeOf(request), id))))
  })

  app.patch('/organizations/:id', { ...write, bodyLimit: BRANDING_BODY_LIMIT, schema: { response: { 200: organization } } }, async function updateOrganizationRoute(request, reply) {
    const scope = managementScopeOf(request)
    const id = pathId(request, 'id')
    const body = JsonBody.of(request, UPDATE_FIELDS)
    if (!UPDATE_FIELDS.some((f) => body.has(f))) throw new InvalidRequestError(`the body changes nothing: give ${UPDATE_FIELDS.join(', ')}`)
    const name = body.string('name')
    const domains = body.strings('domains')
    const data = body.object('branding', { nullable: true })
    const mfaRequired = body.boolean('mfa_required')
    const warnings: string[] = []
    await viaManagement(() => updateOrganization(scope, id, {
      ...(name !== undefined && { name }), ...(domains !== undefined && { domains }), ...(mfaRequired !== undefined && { mfa_required: mfaRequired }),
      ...(data === null && { branding: false as const }), ...(data && { branding: brandingSource(scope, data, warnings) }),
    }))
    return json(reply).send(view(await viaManagement(() => getOrganization(scope, id)), [...warnings, ...fileWarning(scope, id)]))
  })

  app.delete('/organizations/:id', write, async function deleteOrganizationRoute(request, reply) {
    const id = pathId(request, 'id')
    await viaManagement(() => deleteOrganization(managementScopeOf(request), id))
    return reply.status(204).send()
  })

  app.get('/organizations/:id/members', { ...read, schema: { response: { 200: pageOf(member) } } }, async function listMembersRoute(request, reply) {
    const id = pathId(request, 'id')
    const query = new AdminQuery(request.query, ['limit', 'cursor'])
    const members = await viaManagement(() => listOrganizationMembers(managementScopeOf(request), id))
    const page: Page<MemberView> = keyedPage(members, (m) => m.email, query)
    return json(reply).send(page)
  })

  app.put('/organizations/:id/members/:user_id', { ...write, schema: { response: { 200: member, 201: member } } }, async function putMemberRoute(request, reply) {
    const id = pathId(request, 'id')
    const userId = pathId(request, 'user_id')
    const roles = JsonBody.of(request, ['roles']).strings('roles', { required: true })!
    const { member: set, added } = await viaManagement(() => addOrganizationMemberById(managementScopeOf(request), id, userId, roles))
    if (added) reply.status(201).header('location', locationOf(request, `/organizations/${id}/members/${encodeURIComponent(userId)}`))
    return json(reply).send(set)
  })

  app.delete('/organizations/:id/members/:user_id', write, async function deleteMemberRoute(request, reply) {
    const id = pathId(request, 'id')
    const userId = pathId(request, 'user_id')
    await viaManagement(() => removeOrganizationMemberById(managementScopeOf(request), id, userId))
    return reply.status(204).send()
  })
}

export const organizationsResource: AdminResource = {
  tag: { name: 'organizations', description: 'Organizations users act for (org_id, org_roles in tokens), their branding and MFA policy, and their members' },
  schemas: {
    Organization: ORGANIZATION_SCHEMA, OrganizationBranding: BRANDING_SCHEMA, OrganizationCreate: ORGANIZATION_CREATE_SCHEMA, OrganizationUpdate: ORGANIZATION_UPDATE_SCHEMA,
    OrganizationPage: pageSchema('Organization'), OrganizationMember: MEMBER_SCHEMA, OrganizationMemberRoles: MEMBER_ROLES_SCHEMA, OrganizationMemberPage: pageSchema('OrganizationMember'),
  },
  operations: [
    {
      method: 'get', path: '/organizations', operationId: 'listOrganizations', summary: 'List organizations',
      description: 'The tenant\'s organizations by id, a page at a time (`limit`, and `cursor` = the previous page\'s `next_cursor`).',
      access: 'admin:read', parameters: PAGE_PARAMETERS,
      responses: { 200: { description: 'A page of organizations', schema: 'OrganizationPage' } },
    },
    {
      method: 'post', path: '/organizations', operationId: 'createOrganization', summary: 'Create an organization',
      description: 'Adds an organization, validated as an `organizations:` entry of the config file (id `[a-z0-9-]{1,64}`, lower-case domains; branding URLs https or root-relative, colours `#rrggbb`). As `latch orgs create`. Recorded as `admin.organization.created`.',
      access: 'admin:write', requestBody: { description: 'The organization', schema: 'OrganizationCreate' },
      responses: {
        201: { description: 'Created; `Location` is its URL', schema: 'Organization', headers: { Location: { description: 'The organization\'s URL', schema: { type: 'string' } } } },
        409: { description: '`conflict`: an organization with this id exists', schema: 'Error' },
      },
    },
    {
      method: 'get', path: '/organizations/{id}', operationId: 'getOrganization', summary: 'Get an organization',
      description: 'One organization with its branding and MFA policy.',
      access: 'admin:read', parameters: [ID],
      responses: { 200: { description: 'The organization', schema: 'Organization' }, 404: { description: '`not_found`: no such organization', schema: 'Error' } },
    },
    {
      method: 'patch', path: '/organizations/{id}', operationId: 'updateOrganization', summary: 'Change an organization',
      description: 'Changes the fields given (at least one): `branding` replaces the whole branding, `null` removes it. The result passes the config file\'s rules. As `latch orgs update`. Recorded as `admin.organization.updated` with the fields before and after.',
      access: 'admin:write', parameters: [ID], requestBody: { description: 'The fields to change', schema: 'OrganizationUpdate' },
      responses: { 200: { description: 'The organization as changed', schema: 'Organization' }, 404: { description: '`not_found`: no such organization', schema: 'Error' } },
    },
    {
      method: 'delete', path: '/organizations/{id}', operationId: 'deleteOrganization', summary: 'Delete an organization',
      description: 'Deletes the organization with its memberships and, in the same transaction, revokes every grant made for it (their refresh and access tokens). As `latch orgs delete`. An organization the config file lists comes back at the next start. Recorded as `admin.organization.deleted`.',
      access: 'admin:write', parameters: [ID],
      responses: { 204: { description: 'Deleted' }, 404: { description: '`not_found`: no such organization', schema: 'Error' } },
    },
    {
      method: 'get', path: '/organizations/{id}/members', operationId: 'listOrganizationMembers', summary: 'List an organization\'s members',
      description: 'The members with their roles, by email, a page at a time.',
      access: 'admin:read', parameters: [ID, ...PAGE_PARAMETERS],
      responses: { 200: { description: 'A page of members', schema: 'OrganizationMemberPage' }, 404: { description: '`not_found`: no such organization', schema: 'Error' } },
    },
    {
      method: 'put', path: '/organizations/{id}/members/{user_id}', operationId: 'putOrganizationMember', summary: 'Add a member, or set a member\'s roles',
      description: 'Makes the user a member with exactly these roles (a member\'s roles are replaced). Tokens issued from now on carry them as `org_roles`. A user who signs in through a connection and never verified their email is refused (400). As `latch orgs add-member`. Recorded as `admin.organization_member.added` or `.updated`.',
      access: 'admin:write', parameters: [ID, USER_ID], requestBody: { description: 'The member\'s roles', schema: 'OrganizationMemberRoles' },
      responses: {
        200: { description: 'The member\'s roles were replaced', schema: 'OrganizationMember' },
        201: { description: 'The user was added', schema: 'OrganizationMember', headers: { Location: { description: 'The membership\'s URL', schema: { type: 'string' } } } },
        404: { description: '`not_found`: no such organization or user', schema: 'Error' },
      },
    },
    {
      method: 'delete', path: '/organizations/{id}/members/{user_id}', operationId: 'deleteOrganizationMember', summary: 'Remove a member',
      description: 'Ends the membership. Tokens already issued keep `org_id` until they expire; the next refresh no longer carries the organization. As `latch orgs remove-member`. Recorded as `admin.organization_member.removed`.',
      access: 'admin:write', parameters: [ID, USER_ID],
      responses: { 204: { description: 'Removed' }, 404: { description: '`not_found`: no such organization or user, or the user is not a member', schema: 'Error' } },
    },
  ],
  routes,
}
