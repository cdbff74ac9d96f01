/**
 * Issue 14 (session 22): the admin API's users, their sessions and the apps they authorized, on the
 * management services (management/users.ts, sessions.ts, user-grants.ts) that the CLI and the
 * console use too. Users are addressed by `id` (their `sub`); an email is a query filter
 * (`GET /users?email=`). Pages are by email (`cursor` is the last email of the previous page). A
 * disabled user (`disabled_at`) signs in by no path until enabled again (users/disabled.ts).
 * Bodies are read strictly: an unknown field or a wrong type is `invalid_request` naming it.
 * Answers serialize through allow-list schemas: never a password hash, a session's cookie hash or
 * a TOTP secret.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidRequestError } from '../../errors.js'
import { createUser, deleteUser, disableUser, enableUser, getUser, listUserPage, patchUser, resetUserMfa, signOutUser, USER_PAGE_MAX, type UserPatch } from '../../management/users.js'
import { endUserSession, listUserSessions, USER_SESSIONS_MAX, type UserSession } from '../../management/sessions.js'
import { listUserGrants, revokeUserGrant } from '../../management/user-grants.js'
import { inviteUser } from '../../management/user-invite.js'
import { requiredConnectionForEmail, requiredConnectionForMember } from '../../federation/organization-rules.js'
import { DEFAULT_LOCALE, isLocale, LOCALES } from '../../interaction/views/locales.js'
import { PATHS } from '../../context.js'
import { pageLook } from '../_pipeline/page-look.js'
import { adminResourceOf } from '../../rules/admin-api.js'
import type { UserRecord } from '../../storage/store.js'
import { noStore } from '../_pipeline/no-store.js'
import { adminAuthorization } from './authorization.js'
import { managementScopeOf, viaManagement } from './management.js'
import type { AdminOperation, AdminParameter, AdminResource, JsonSchema } from './openapi.js'
import { JsonBody } from './json-body.js'
import { PAGE_DEFAULT, pageLimit } from './keyed-page.js'
import { AdminQuery, pathId } from './query.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const TIME = { type: 'string', format: 'date-time' } as const
const NULLABLE_TIME = { type: ['string', 'null'], format: 'date-time' } as const

const USER_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'A user (never their password or its hash)',
  required: ['id', 'email', 'email_verified', 'name', 'roles', 'claims', 'has_password', 'disabled_at', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', description: 'Stable id, the `sub` of their tokens' },
    email: { type: 'string', description: 'Lower-cased' },
    email_verified: { type: 'boolean' },
    name: { type: ['string', 'null'] },
    roles: { type: 'array', items: { type: 'string' } },
    claims: { type: 'object', additionalProperties: true, description: 'Custom attributes (config `users[].claims`)' },
    has_password: { type: 'boolean' },
    disabled_at: { ...NULLABLE_TIME, description: 'When an administrator disabled the account; null: enabled' },
    created_at: TIME,
    updated_at: TIME,
  },
}
const USER_PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: USER_SCHEMA }, next_cursor: { type: ['string', 'null'], description: 'The cursor of the next page; null on the last' } },
}
const USER_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: {
    email: { type: 'string' },
    password: { type: 'string', writeOnly: true, description: 'Optional: the config file\'s password rules; stored as an argon2id hash, never returned' },
    name: { type: 'string' },
    email_verified: { type: 'boolean' },
    roles: { type: 'array', items: { type: 'string' }, description: 'Role names (`latch:admin` and `latch:viewer` give admin access)' },
    claims: { type: 'object', additionalProperties: true, description: 'Custom attributes' },
  },
}
const USER_PATCH_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Each field given replaces what is stored',
  properties: {
    name: { type: ['string', 'null'], description: 'null removes it' },
    roles: { type: 'array', items: { type: 'string' } },
    claims: { type: 'object', additionalProperties: true, description: 'Replaces every custom attribute' },
  },
}
const RESET_MFA_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { passkeys: { type: 'boolean', description: 'Also remove every passkey (default false)' } },
}
const MFA_RESET_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['totp_removed', 'passkeys_removed'],
  properties: { totp_removed: { type: 'boolean' }, passkeys_removed: { type: ['integer', 'null'], description: 'null: passkeys were not asked to go' } },
}
const INVITE_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { locale: { type: 'string', enum: [...LOCALES], description: `The language of the mail (default ${DEFAULT_LOCALE})` } },
}
const INVITATION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['email', 'expires_at'],
  properties: { email: { type: 'string', description: 'Where the link was mailed' }, expires_at: { ...TIME, description: 'When the link stops working (`passwords.invite_ttl`)' } },
}
const SIGN_OUT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['sessions_ended'],
  properties: { sessions_ended: { type: 'integer', description: 'How many live sessions ended (every grant was revoked too)' } },
}
const SESSION_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'A live IdP session (its id is the `sid` of tokens issued within it)',
  required: ['id', 'auth_time', 'amr', 'created_at', 'expires_at', 'user_agent'],
  properties: { id: { type: 'string' }, auth_time: TIME, amr: { type: 'array', items: { type: 'string' } }, created_at: TIME, expires_at: TIME, user_agent: { type: ['string', 'null'] } },
}
const SESSION_PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: SESSION_SCHEMA }, next_cursor: { type: 'null', description: `Always null: every live session, newest first, at most ${USER_SESSIONS_MAX}` } },
}
const GRANT_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'What the user authorized a client for one resource: consents and live grants',
  required: ['client_id', 'resource', 'scope', 'created_at'],
  properties: { client_id: { type: 'string' }, resource: { type: ['string', 'null'] }, scope: { type: 'string' }, created_at: TIME },
}
const GRANT_PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items: GRANT_SCHEMA }, next_cursor: { type: 'null', description: 'Always null: every entry (at most 500 live grants are read)' } },
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()

function userOut(u: UserRecord) {
  return {
    id: u.id, email: u.email, email_verified: u.email_verified, name: u.claims.name ?? null, roles: u.roles, claims: u.attributes,
    has_password: u.password_hash !== null, disabled_at: u.disabled_at == null ? null : iso(u.disabled_at), created_at: iso(u.created_at), updated_at: iso(u.updated_at),
  }
}
function sessionOut(s: UserSession) {
  return { id: s.id, auth_time: iso(s.auth_time), amr: s.amr, created_at: iso(s.created_at), expires_at: iso(s.expires_at), user_agent: s.user_agent ?? null }
}


/** `{ [name]: value }` when the body gave the field, else nothing (optional properties stay absent, not undefined). */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [name]: value } as { [P in K]?: V })
}

/** Every route: JSON errors with RFC 6750 challenges, no-store, and the caller refused (401/403) before its body is read. */
const guarded = (access: 'admin:read' | 'admin:write') => ({ config: { channel: 'bearer-api' as const }, onRequest: [noStore, adminAuthorization(access)] })

const routes: FastifyPluginAsync = async (app) => {
  app.get('/users', { ...guarded('admin:read'), schema: { response: { 200: USER_PAGE_SCHEMA } } }, async function listUsers(request: FastifyRequest, reply: FastifyReply) {
    const query = new AdminQuery(request.query, ['email', 'limit', 'cursor'])
    const email = query.single('email')
    const cursor = query.single('cursor')
    const limit = pageLimit(query)
    for (const [name, value] of [['email', email], ['cursor', cursor]] as const) {
      if (value !== undefined && (value.length > 320 || value.includes('\u0000'))) throw new InvalidRequestError(`${name}: is not an email address`)
    }
    const page = await viaManagement(() =>
      listUserPage(managementScopeOf(request), { ...(email !== undefined && { email }), ...(cursor !== undefined && { after: cursor.toLowerCase() }), limit }),
    )
    return reply.type(JSON_TYPE).send({ data: page.users.map(userOut), next_cursor: page.next })
  })

  app.post('/users', { ...guarded('admin:write'), schema: { response: { 201: USER_SCHEMA } } }, async function createUserRoute(request: FastifyRequest, reply: FastifyReply) {
    const body = JsonBody.of(request, ['email', 'password', 'name', 'email_verified', 'roles', 'claims'])
    const user = await viaManagement(() => createUser(managementScopeOf(request), {
      email: body.string('email', { required: true }),
      ...optional('password', body.string('password')), ...optional('name', body.string('name')), ...optional('email_verified', body.boolean('email_verified')),
      ...optional('roles', body.strings('roles')), ...optional('claims', body.object('claims') ?? undefined),
    }))
    return reply.status(201).header('location', `${adminResourceOf(request.latch.config.issuer)}/users/${encodeURIComponent(user.id)}`).type(JSON_TYPE).send(userOut(user))
  })

  app.get('/users/:id', { ...guarded('admin:read'), schema: { response: { 200: USER_SCHEMA } } }, async function getUserRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    return reply.type(JSON_TYPE).send(userOut(await viaManagement(() => getUser(managementScopeOf(request), id))))
  })

  app.patch('/users/:id', { ...guarded('admin:write'), schema: { response: { 200: USER_SCHEMA } } }, async function patchUserRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    const body = JsonBody.of(request, ['name', 'roles', 'claims'])
    const patch: UserPatch = {
      ...optional('name', body.stringOrNull('name')), ...optional('roles', body.strings('roles')), ...optional('claims', body.object('claims') ?? undefined),
    }
    return reply.type(JSON_TYPE).send(userOut(await viaManagement(() => patchUser(managementScopeOf(request), id, patch))))
  })

  app.delete('/users/:id', guarded('admin:write'), async function deleteUserRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    await viaManagement(async () => {
      const scope = managementScopeOf(request)
      await deleteUser(scope, (await getUser(scope, id)).email)
    })
    return reply.status(204).send()
  })

  app.post('/users/:id/disable', { ...guarded('admin:write'), schema: { response: { 200: USER_SCHEMA } } }, async function disableUserRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    JsonBody.of(request, [])
    return reply.type(JSON_TYPE).send(userOut(await viaManagement(() => disableUser(managementScopeOf(request), id))))
  })

  app.post('/users/:id/enable', { ...guarded('admin:write'), schema: { response: { 200: USER_SCHEMA } } }, async function enableUserRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    JsonBody.of(request, [])
    return reply.type(JSON_TYPE).send(userOut(await viaManagement(() => enableUser(managementScopeOf(request), id))))
  })

  app.post('/users/:id/reset-mfa', { ...guarded('admin:write'), schema: { response: { 200: MFA_RESET_SCHEMA } } }, async function resetMfaRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    const passkeys = JsonBody.of(request, ['passkeys']).boolean('passkeys') === true
    const done = await viaManagement(async () => {
      const scope = managementScopeOf(request)
      return resetUserMfa(scope, (await getUser(scope, id)).email, { passkeys })
    })
    return reply.type(JSON_TYPE).send({ totp_removed: done.totpRemoved, passkeys_removed: done.passkeysRemoved })
  })

  app.post('/users/:id/invite', { ...guarded('admin:write'), schema: { response: { 200: INVITATION_SCHEMA } } }, async function inviteRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    const locale = JsonBody.of(request, ['locale']).string('locale')
    if (locale !== undefined && !isLocale(locale)) throw new InvalidRequestError(`locale: must be one of ${LOCALES.join(', ')}`)
    const ctx = request.latch
    const mail = {
      mailer: ctx.mailer,
      resetUrl: `${ctx.urls.issuer}${PATHS.reset_password}`,
      locale: isLocale(locale) ? locale : DEFAULT_LOCALE,
      look: pageLook(request),
      allow: (address: string) => ctx.mailThrottle.allowTo(address),
      requiredConnection: async (user: { id: string; email: string }) => ((await requiredConnectionForEmail(ctx, user.email)) ?? (await requiredConnectionForMember(ctx, user.id)))?.id ?? null,
    }
    const done = await viaManagement(() => inviteUser(managementScopeOf(request), id, mail))
    return reply.type(JSON_TYPE).send({ email: done.user.email, expires_at: iso(done.expiresAt) })
  })

  app.post('/users/:id/sign-out', { ...guarded('admin:write'), schema: { response: { 200: SIGN_OUT_SCHEMA } } }, async function signOutRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    JsonBody.of(request, [])
    const done = await viaManagement(() => signOutUser(managementScopeOf(request), id))
    return reply.type(JSON_TYPE).send({ sessions_ended: done.sessions })
  })

  app.get('/users/:id/sessions', { ...guarded('admin:read'), schema: { response: { 200: SESSION_PAGE_SCHEMA } } }, async function listSessionsRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    new AdminQuery(request.query, [])
    const sessions = await viaManagement(() => listUserSessions(managementScopeOf(request), id))
    return reply.type(JSON_TYPE).send({ data: sessions.map(sessionOut), next_cursor: null })
  })

  app.delete('/users/:id/sessions/:session_id', guarded('admin:write'), async function endSessionRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    const sessionId = pathId(request, 'session_id')
    await viaManagement(() => endUserSession(managementScopeOf(request), id, sessionId))
    return reply.status(204).send()
  })

  app.get('/users/:id/grants', { ...guarded('admin:read'), schema: { response: { 200: GRANT_PAGE_SCHEMA } } }, async function listGrantsRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    new AdminQuery(request.query, [])
    const grants = await viaManagement(() => listUserGrants(managementScopeOf(request), id))
    return reply.type(JSON_TYPE).send({ data: grants.map((g) => ({ ...g, created_at: iso(g.created_at) })), next_cursor: null })
  })

  app.delete('/users/:id/grants/:client_id', guarded('admin:write'), async function revokeGrantRoute(request: FastifyRequest, reply: FastifyReply) {
    const id = pathId(request, 'id')
    const clientId = pathId(request, 'client_id')
    await viaManagement(() => revokeUserGrant(managementScopeOf(request), id, clientId))
    return reply.status(204).send()
  })
}

const ID: AdminParameter = { name: 'id', in: 'path', required: true, description: 'The user\'s id (their `sub`)', schema: { type: 'string' } }
const NO_CONTENT = { 204: { description: 'Done' } }
const op = (o: AdminOperation): AdminOperation => o

export const usersResource: AdminResource = {
  tag: { name: 'users', description: 'The tenant\'s users, their sessions and the apps they authorized' },
  schemas: {
    User: USER_SCHEMA, UserPage: USER_PAGE_SCHEMA, UserInput: USER_INPUT_SCHEMA, UserPatch: USER_PATCH_SCHEMA, ResetMfa: RESET_MFA_SCHEMA, MfaReset: MFA_RESET_SCHEMA,
    SignOut: SIGN_OUT_SCHEMA, InviteInput: INVITE_INPUT_SCHEMA, Invitation: INVITATION_SCHEMA, Session: SESSION_SCHEMA, SessionPage: SESSION_PAGE_SCHEMA, UserGrant: GRANT_SCHEMA, UserGrantPage: GRANT_PAGE_SCHEMA,
  },
  operations: [
    op({
      method: 'get', path: '/users', operationId: 'listUsers', summary: 'List users by email', access: 'admin:read',
      description: 'The tenant\'s users ordered by email, a page at a time; with `email`, only that user (an empty page when there is none).',
      parameters: [
        { name: 'email', in: 'query', description: 'Only the user with this email (case-insensitive)', schema: { type: 'string' } },
        { name: 'limit', in: 'query', description: `Users per page (default ${PAGE_DEFAULT})`, schema: { type: 'integer', minimum: 1, maximum: USER_PAGE_MAX } },
        { name: 'cursor', in: 'query', description: 'The next_cursor of the previous page', schema: { type: 'string' } },
      ],
      responses: { 200: { description: 'A page of users', schema: 'UserPage' } },
    }),
    op({
      method: 'post', path: '/users', operationId: 'createUser', summary: 'Create a user', access: 'admin:write',
      description: 'Adds a user under the config file\'s rules for a `users:` entry. Records `admin.user.created`.',
      requestBody: { description: 'The user', schema: 'UserInput' },
      responses: { 201: { description: 'Created', schema: 'User', headers: { Location: { description: 'The user\'s URL', schema: { type: 'string' } } } }, 409: { description: '`conflict`: the email is taken' } },
    }),
    op({ method: 'get', path: '/users/{id}', operationId: 'getUser', summary: 'Get a user', access: 'admin:read', description: 'The user with this id.', parameters: [ID], responses: { 200: { description: 'The user', schema: 'User' }, 404: { description: '`not_found`' } } }),
    op({
      method: 'patch', path: '/users/{id}', operationId: 'updateUser', summary: 'Change a user', access: 'admin:write',
      description: 'Replaces the fields given: name, roles, custom attributes. Records `admin.user.updated`.', parameters: [ID],
      requestBody: { description: 'The fields to replace', schema: 'UserPatch' }, responses: { 200: { description: 'The user as changed', schema: 'User' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'delete', path: '/users/{id}', operationId: 'deleteUser', summary: 'Delete a user', access: 'admin:write',
      description: 'Deletes the user; their sessions and consents go with them and their grants are revoked. Records `admin.user.deleted`.', parameters: [ID],
      responses: { ...NO_CONTENT, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'post', path: '/users/{id}/disable', operationId: 'disableUser', summary: 'Disable a user', access: 'admin:write', parameters: [ID],
      description: 'From now on the user signs in by no path (password, passkey, email link or code, connection, password grant, device approval, refresh), answered as a wrong credential would be; every session ends and every grant is revoked at once, `offline_access` included. Records `admin.user.disabled` (nothing when already disabled).',
      responses: { 200: { description: 'The user, disabled', schema: 'User' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'post', path: '/users/{id}/enable', operationId: 'enableUser', summary: 'Enable a disabled user', access: 'admin:write', parameters: [ID],
      description: 'The user may sign in again (the sessions and grants that disabling ended stay ended). Records `admin.user.enabled` (nothing when already enabled).',
      responses: { 200: { description: 'The user, enabled', schema: 'User' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'post', path: '/users/{id}/reset-mfa', operationId: 'resetUserMfa', summary: 'Remove a user\'s second factors', access: 'admin:write', parameters: [ID],
      description: 'Removes the TOTP authenticator and recovery codes and, with `passkeys: true`, every passkey. The body is optional. Records `admin.user.mfa_reset`.',
      requestBody: { description: 'Options', schema: 'ResetMfa', required: false }, responses: { 200: { description: 'What was removed', schema: 'MfaReset' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'post', path: '/users/{id}/invite', operationId: 'inviteUser', summary: 'Invite a user to choose their password', access: 'admin:write', parameters: [ID],
      description: 'Mails a user who has no password a single-use link to the reset page, where they choose one (which also verifies their email). The link works for `passwords.invite_ttl` (default 7 days). Refused (400) for a user whose organization requires signing in through its connection. The body is optional. Records `admin.user.invited`.',
      requestBody: { description: 'Options', schema: 'InviteInput', required: false },
      responses: {
        200: { description: 'Mailed', schema: 'Invitation' }, 404: { description: '`not_found`' },
        409: { description: '`conflict`: the user has a password already' },
        429: { description: '`temporarily_unavailable`: too many mails to the address within `mail.throttle_window` (its `mail.max_per_address`, shared with password resets); `Retry-After` says when to try again', headers: { 'Retry-After': { description: 'Seconds (RFC 9110 §10.2.3)', schema: { type: 'integer' } } } },
        503: { description: '`temporarily_unavailable`: the mail server could not take the message' },
      },
    }),
    op({
      method: 'post', path: '/users/{id}/sign-out', operationId: 'signOutUser', summary: 'Sign a user out everywhere', access: 'admin:write', parameters: [ID],
      description: 'In one transaction every session of the user ends (back-channel logout sent to their clients) and every grant is revoked, `offline_access` included. The user may sign in again. Records `admin.user.signed_out`.',
      responses: { 200: { description: 'How many sessions ended', schema: 'SignOut' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'get', path: '/users/{id}/sessions', operationId: 'listUserSessions', summary: 'List a user\'s sessions', access: 'admin:read', parameters: [ID],
      description: `The user's live sessions, newest first, all of them up to ${USER_SESSIONS_MAX} (no paging: \`next_cursor\` is always null).`,
      responses: { 200: { description: 'The sessions', schema: 'SessionPage' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'delete', path: '/users/{id}/sessions/{session_id}', operationId: 'endUserSession', summary: 'End one of a user\'s sessions', access: 'admin:write',
      parameters: [ID, { name: 'session_id', in: 'path', required: true, description: 'The session id (`sid`)', schema: { type: 'string' } }],
      description: 'Ends the session as a logout does: what was issued within it is revoked (`offline_access` kept), back-channel logout sent. Records `admin.session.revoked`.',
      responses: { ...NO_CONTENT, 404: { description: '`not_found`: no live session of this user with that id' } },
    }),
    op({
      method: 'get', path: '/users/{id}/grants', operationId: 'listUserGrants', summary: 'List the apps a user authorized', access: 'admin:read', parameters: [ID],
      description: 'Per client and resource: the scopes the user consented to or that a live grant of theirs holds (a client that skips consent has grants only). Every entry (no paging: `next_cursor` is always null).',
      responses: { 200: { description: 'The grants', schema: 'UserGrantPage' }, 404: { description: '`not_found`' } },
    }),
    op({
      method: 'delete', path: '/users/{id}/grants/{client_id}', operationId: 'revokeUserGrant', summary: 'Revoke what a user authorized a client', access: 'admin:write',
      parameters: [ID, { name: 'client_id', in: 'path', required: true, description: 'The client', schema: { type: 'string' } }],
      description: 'Forgets the user\'s consents to the client and revokes every grant of the user for it, `offline_access` included, with its refresh and access tokens. The client must ask again. Records `admin.grant.revoked`.',
      responses: { ...NO_CONTENT, 404: { description: '`not_found`: the user authorized no such client' } },
    }),
  ],
  routes,
}
