/**
 * Issue 14: the console's Users pages (`/admin/users`, `/admin/users/:id`): search and create;
 * a user's facts and sessions, **Revoke** a session (management/sessions.ts), reset two-step
 * verification, replace roles, disable (asking first) and enable, delete (asking first where it
 * cannot be undone).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { confirmContent, type Notice } from '../../interaction/views/console-layout.js'
import { CONSOLE_MESSAGES as m } from '../../interaction/views/console-messages.js'
import { EMPTY_USER_FORM, userContent, usersContent, type UserForm } from '../../interaction/views/console-users.js'
import { html } from '../../interaction/views/layout.js'
import { endUserSession, listUserSessions } from '../../management/sessions.js'
import type { ManagementScope } from '../../management/scope.js'
import { createUser, deleteUser, disableUser, enableUser, listUserPage, resetUserMfa, signOutUser, updateUser } from '../../management/users.js'
import type { UserRecord } from '../../storage/store.js'
import { href, single, gate, formParams, scopeOf, refusalOf, render, back, NOTICES, type Admin } from './page.js'

/** Users on one page, in email order (review M3: a page at a time from the store, never every user). */
const USERS_SHOWN = 100

async function usersPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, search: string, extra: { form?: UserForm; alert?: string; notice?: Notice; status?: number; after?: string } = {}): Promise<FastifyReply> {
  const needle = search.trim().toLowerCase()
  const { users, next } = await listUserPage(scopeOf(request, admin), { ...(needle !== '' && { emailPrefix: needle }), ...(extra.after !== undefined && extra.after !== '' && { after: extra.after.toLowerCase() }), limit: USERS_SHOWN })
  const more = next === null ? null : href(request, `/users?${new URLSearchParams({ ...(needle !== '' && { email: needle }), after: next }).toString()}`)
  const content = usersContent({
    users, more, search, searchAction: href(request, '/users'), userHref: (id) => href(request, `/users/${encodeURIComponent(id)}`),
    write: admin.write, csrf: admin.csrf, createAction: href(request, '/users'), form: extra.form ?? EMPTY_USER_FORM, alert: extra.alert,
  })
  return render(request, reply, admin, 'users', m.users, content, extra.notice, extra.status)
}

export async function showUsers(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : usersPage(request, reply, admin, single(request.query, 'email').slice(0, 254), { after: single(request.query, 'after').slice(0, 254) })
}

export async function createUserForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const form: UserForm = { email: (params.email ?? '').trim(), name: (params.name ?? '').trim(), roles: (params.roles ?? '').trim(), email_verified: params.email_verified === 'yes' }
  const roles = form.roles.split(/[\s,]+/).filter((r) => r !== '')
  const password = params.password ?? ''
  const answer = await refusalOf(() => createUser(scopeOf(request, admin), {
    email: form.email,
    ...(form.name !== '' && { name: form.name }),
    ...(password !== '' && { password }),
    ...(roles.length > 0 && { roles }),
    email_verified: form.email_verified,
  }))
  if ('refused' in answer) return usersPage(request, reply, admin, '', { form, alert: answer.refused.text, status: answer.refused.status })
  return back(request, reply, `/users/${encodeURIComponent(answer.ok.id)}`, 'user_created')
}

/** The user a path names, or null (a 404 page sent). */
async function pathUser(request: FastifyRequest, reply: FastifyReply, admin: Admin) {
  const id = (request.params as { id: string }).id
  const user = id.length <= 64 ? await request.latch.store.users.getById(id) : null
  if (user === null) render(request, reply, admin, 'users', m.users, html`<p><a href="${href(request, '/users')}">${m.users}</a></p>`, { text: m.userNotFound, alert: true }, 404)
  return user
}

export async function showUser(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  return user === null ? reply : userPage(request, reply, admin, user)
}

async function userPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, user: UserRecord, refused?: { notice?: Notice; status: number; roles?: { text: string; alert: string } }): Promise<FastifyReply> {
  const ctx = request.latch
  const [sessions, totp, passkeys] = await Promise.all([listUserSessions(scopeOf(request, admin), user.id), ctx.store.mfa.totp(user.id), ctx.store.passkeys.listForUser(user.id)])
  const base = `/users/${encodeURIComponent(user.id)}`
  return render(request, reply, admin, 'users', user.email, userContent({
    user, totp: totp !== null && totp.confirmed_at !== null, passkeys: passkeys.length, sessions, write: admin.write, csrf: admin.csrf,
    revokeAction: href(request, `${base}/sessions/revoke`), endAllAction: href(request, `${base}/sessions/end-all`), resetMfaAction: href(request, `${base}/reset-mfa`),
    rolesAction: href(request, `${base}/roles`), deleteAction: href(request, `${base}/delete`), disableAction: href(request, `${base}/disable`), enableAction: href(request, `${base}/enable`), roles: refused?.roles?.text, rolesAlert: refused?.roles?.alert,
  }), refused?.notice, refused?.status)
}

export async function rolesForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const text = (params.roles ?? '').trim()
  const answer = await refusalOf(() => updateUser(scopeOf(request, admin), user.email, { roles: text.split(/[\s,]+/).filter((r) => r !== '') }))
  if ('refused' in answer) return userPage(request, reply, admin, user, { status: answer.refused.status, roles: { text, alert: answer.refused.text } })
  return back(request, reply, `/users/${encodeURIComponent(user.id)}`, 'roles_saved')
}

/** One action on the user of the path: asked first when `confirm` is given, then run through its service, then back with `done`. */
interface UserAction {
  confirm?: { title: string; question: (email: string) => string; path: string; fields?: (params: Record<string, string>) => Record<string, string> }
  run: (scope: ManagementScope, user: UserRecord, params: Record<string, string>) => Promise<unknown>
  done: keyof typeof NOTICES
  /** Where to go afterwards, under the console; the user's page by default. */
  to?: string
}

async function userAction(request: FastifyRequest, reply: FastifyReply, action: UserAction): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const base = `/users/${encodeURIComponent(user.id)}`
  const { confirm } = action
  if (confirm !== undefined && params.confirm !== 'yes') {
    return render(request, reply, admin, 'users', confirm.title, confirmContent({
      question: confirm.question(user.email), action: href(request, `${base}/${confirm.path}`), csrf: admin.csrf, fields: confirm.fields?.(params) ?? {}, back: href(request, base),
    }))
  }
  const answer = await refusalOf(() => action.run(scopeOf(request, admin), user, params))
  if ('refused' in answer) return userPage(request, reply, admin, user, { notice: answer.refused, status: answer.refused.status })
  return back(request, reply, action.to ?? base, action.done)
}

export const deleteUserForm = (request: FastifyRequest, reply: FastifyReply) => userAction(request, reply, {
  confirm: { title: m.deleteUser, question: m.confirmDeleteUser, path: 'delete' },
  run: (scope, user) => deleteUser(scope, user.email),
  done: 'user_deleted', to: '/users',
})

/** Disabling ends every session and grant at once, so it asks first; enabling undoes only the refusal, so it does not. */
export const disableUserForm = (request: FastifyRequest, reply: FastifyReply) => userAction(request, reply, {
  confirm: { title: m.disableUser, question: m.confirmDisableUser, path: 'disable' },
  run: (scope, user) => disableUser(scope, user.id),
  done: 'user_disabled',
})

export const enableUserForm = (request: FastifyRequest, reply: FastifyReply) => userAction(request, reply, {
  run: (scope, user) => enableUser(scope, user.id),
  done: 'user_enabled',
})

export async function revokeSessionForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const user = await pathUser(request, reply, admin)
  if (user === null) return reply
  const answer = await refusalOf(() => endUserSession(scopeOf(request, admin), user.id, params.session ?? ''))
  return back(request, reply, `/users/${encodeURIComponent(user.id)}`, 'refused' in answer ? 'session_not_found' : 'session_revoked')
}

export const endSessionsForm = (request: FastifyRequest, reply: FastifyReply) => userAction(request, reply, {
  confirm: { title: m.endAll, question: m.confirmEndAll, path: 'sessions/end-all' },
  run: (scope, user) => signOutUser(scope, user.id),
  done: 'sessions_ended',
})

export const resetMfaForm = (request: FastifyRequest, reply: FastifyReply) => userAction(request, reply, {
  confirm: { title: m.resetMfa, question: m.confirmResetMfa, path: 'reset-mfa', fields: (params): Record<string, string> => (params.passkeys === 'yes' ? { passkeys: 'yes' } : {}) },
  run: (scope, user, params) => resetUserMfa(scope, user.email, { passkeys: params.passkeys === 'yes' }),
  done: 'mfa_reset',
})
