/**
 * Issue 14: managing users. Entries pass the config loader's rules for a `users:` entry (validate.ts);
 * passwords are hashed with argon2id (RFC 9106) and only the hash is stored (masked in the audit
 * record). Issue 12: a password or roles are never given to a user who signs in through a
 * connection with an email never verified (they may have typed someone else's address upstream).
 */
import type { Store, UserClaims, UserRecord } from '../storage/store.js'
import { isDisabled } from '../users/disabled.js'
import { hashPassword } from '../users/password-hash.js'
import { unverifiedFederatedUser } from '../users/unverified-federated-user.js'
import { recordAdminChange } from './admin-change.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { validateWithLoader } from './validate.js'

/** A `users:` entry of the config file, as an administrator gives it. */
export interface UserInput {
  email: string
  password?: string
  name?: string
  email_verified?: boolean
  roles?: string[]
  /** Custom attributes (issue 10). */
  claims?: Record<string, unknown>
}

export async function existingUser(store: Store, email: string): Promise<UserRecord> {
  const user = await store.users.getByEmail(email.toLowerCase())
  if (!user) throw new ManagementError('not_found', 'user', `no user with email ${email.toLowerCase()}`)
  return user
}

/** Issue 12: the user an administrator gives a password or roles to. */
export async function userToProvision(store: Store, email: string): Promise<UserRecord> {
  const user = await existingUser(store, email)
  if (await unverifiedFederatedUser(store, user)) {
    throw new ManagementError('refused', 'user', `user ${user.email} signs in through a connection and never verified that email; it may not be its owner (delete that user first)`)
  }
  return user
}

/**
 * Review M2: a user the config file lists is written again from the file at every start and reload
 * (seed.ts: created again when deleted; its name, and its roles and custom attributes when the
 * entry names them, set back). Through the API or the console such a change would be undone
 * silently (an administrator's role taken away would come back), so it is `conflict` there; the
 * CLI, whose user holds the file, may still make it. Disabling is kept across reloads: it is the
 * way to stop such a user at once.
 */
function refuseFileOwned(scope: ManagementScope, user: UserRecord, change: { name?: boolean; roles?: boolean; claims?: boolean; deleted?: boolean }): void {
  if (scope.via === 'cli') return
  const entry = scope.config.users.find((u) => u.email.toLowerCase() === user.email)
  if (entry === undefined) return
  const undone = change.deleted === true || change.name === true || (change.roles === true && entry.roles !== undefined) || (change.claims === true && entry.claims !== undefined)
  if (undone) throw new ManagementError('conflict', 'user', `user ${user.email} is listed in the config file, which sets it again at every start and reload: change it there (disabling the user is kept)`)
}

export async function listUsers({ store }: ManagementScope): Promise<UserRecord[]> {
  return store.users.list()
}

/** Adds a user. Throws the loader's `ConfigError` (`users[0].…`) for an invalid entry, `conflict` when the email is taken. */
export async function createUser(scope: ManagementScope, input: UserInput): Promise<UserRecord> {
  const { store, clock, config } = scope
  const { email_verified: _verified, ...entry } = input
  validateWithLoader(config, { users: [entry] })
  const email = input.email.toLowerCase()
  if (await store.users.getByEmail(email)) throw new ManagementError('conflict', 'user', `user ${email} already exists`)
  const claims: UserClaims = input.name !== undefined ? { name: input.name } : {}
  const user = await store.users.upsert(
    {
      email,
      email_verified: input.email_verified ?? false,
      password_hash: input.password !== undefined ? await hashPassword(input.password) : null,
      claims,
      ...(input.roles !== undefined && { roles: input.roles }),
      ...(input.claims !== undefined && { attributes: input.claims }),
    },
    clock.now(),
  )
  await recordAdminChange(scope, { type: 'admin.user.created', subject: { type: 'user', id: user.id }, before: null, after: user })
  return user
}

export interface UserUpdate {
  /** Replaces the roles. */
  roles?: string[]
  /** Custom attributes to set. */
  setClaims?: Record<string, unknown>
  /** Custom attributes to remove. */
  removeClaims?: string[]
}

/** Replaces roles and sets or removes custom attributes; the result passes the loader's rules. `missing`: claims to remove that were not there. */
export async function updateUser(scope: ManagementScope, email: string, change: UserUpdate): Promise<{ user: UserRecord; missing: string[] }> {
  const { store, clock, config } = scope
  const user = await userToProvision(store, email)
  refuseFileOwned(scope, user, { roles: change.roles !== undefined, claims: change.setClaims !== undefined || change.removeClaims !== undefined })
  const remove = change.removeClaims ?? []
  const missing = remove.filter((key) => !Object.hasOwn(user.attributes, key))
  const attributes: Record<string, unknown> = {}
  // defineProperty: a claim named __proto__ is a claim, not a prototype.
  for (const [key, value] of Object.entries(user.attributes)) if (!remove.includes(key)) Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true })
  for (const [key, value] of Object.entries(change.setClaims ?? {})) Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true })
  validateWithLoader(config, { users: [{ email: user.email, claims: attributes, ...(change.roles !== undefined && { roles: change.roles }) }] })
  const patch = { attributes, ...(change.roles !== undefined && { roles: change.roles }) }
  if (!(await store.users.update(user.id, patch, clock.now()))) throw new ManagementError('conflict', 'user', `user ${user.email} was deleted meanwhile`)
  const updated = { ...user, ...patch }
  await recordAdminChange(scope, { type: 'admin.user.updated', subject: { type: 'user', id: user.id }, before: user, after: updated })
  return { user: updated, missing }
}

/**
 * Replaces a user's password (the config file's password rule; argon2id). `signOut` (the default):
 * in the same transaction their sessions end and all their grants are revoked.
 */
export async function setUserPassword(scope: ManagementScope, email: string, password: string, { signOut = true }: { signOut?: boolean } = {}): Promise<UserRecord> {
  const { store, clock, config } = scope
  const lower = email.toLowerCase()
  validateWithLoader(config, { users: [{ email: lower, password }] })
  const user = await userToProvision(store, lower)
  const hash = await hashPassword(password)
  if (!(await store.users.setPasswordHash(user.id, hash, clock.now(), { signOut }))) throw new ManagementError('not_found', 'user', `no user with email ${lower}`)
  await recordAdminChange(scope, {
    type: 'admin.user.password_set', subject: { type: 'user', id: user.id },
    before: { email: user.email, has_password: user.password_hash !== null }, after: { email: user.email, has_password: true },
    data: { signed_out: signOut },
  })
  return user
}

/** Issue 13: removes the user's TOTP authenticator and recovery codes, and with `passkeys` every passkey. */
export async function resetUserMfa(scope: ManagementScope, email: string, { passkeys = false }: { passkeys?: boolean } = {}): Promise<{ user: UserRecord; totpRemoved: boolean; passkeysRemoved: number | null }> {
  const { store } = scope
  const user = await userToProvision(store, email)
  const totpRemoved = await store.mfa.removeTotp(user.id)
  let passkeysRemoved: number | null = null
  let passkeysBefore: number | null = null
  if (passkeys) {
    const list = await store.passkeys.listForUser(user.id)
    passkeysBefore = list.length
    passkeysRemoved = 0
    for (const passkey of list) if (await store.passkeys.remove(user.id, passkey.credential_id)) passkeysRemoved++
  }
  await recordAdminChange(scope, {
    type: 'admin.user.mfa_reset', subject: { type: 'user', id: user.id },
    before: { email: user.email, totp: totpRemoved, ...(passkeysBefore !== null && { passkeys: passkeysBefore }) },
    after: { email: user.email, totp: false, ...(passkeysRemoved !== null && { passkeys: passkeysBefore! - passkeysRemoved }) },
  })
  return { user, totpRemoved, passkeysRemoved }
}

export async function deleteUser(scope: ManagementScope, email: string): Promise<UserRecord> {
  const lower = email.toLowerCase()
  const user = await scope.store.users.getByEmail(lower)
  if (user) refuseFileOwned(scope, user, { deleted: true })
  if (!user || !(await scope.store.users.delete(user.id, scope.clock.now()))) throw new ManagementError('not_found', 'user', `no user with email ${lower}`)
  await recordAdminChange(scope, { type: 'admin.user.deleted', subject: { type: 'user', id: user.id }, before: user, after: null })
  return user
}

/** Issue 14 (admin API): the user with this id; `not_found` otherwise. */
export async function getUser({ store }: ManagementScope, id: string): Promise<UserRecord> {
  const user = await store.users.getById(id)
  if (!user) throw new ManagementError('not_found', 'user', `no user with id ${id}`)
  return user
}

/** Issue 14: the most users one page holds. */
export const USER_PAGE_MAX = 200

/** A page of users by email (after `after`, an email), or the one user with `email`; `next` is the cursor of the next page. */
export async function listUserPage({ store }: ManagementScope, filter: { email?: string; emailPrefix?: string; after?: string; limit: number }): Promise<{ users: UserRecord[]; next: string | null }> {
  const limit = Math.min(Math.max(1, filter.limit), USER_PAGE_MAX)
  const { users, more } = await store.users.page({ ...(filter.email !== undefined && { email: filter.email }), ...(filter.emailPrefix !== undefined && { emailPrefix: filter.emailPrefix }), ...(filter.after !== undefined && { after: filter.after }) }, limit)
  return { users, next: more ? users[users.length - 1]!.email : null }
}

/** What an administrator may change of a user by id (PATCH): each field given replaces what is stored. */
export interface UserPatch {
  name?: string | null
  roles?: string[]
  /** Replaces the custom attributes. */
  claims?: Record<string, unknown>
}

/** Issue 14: changes the name, roles or custom attributes of the user `id`, under the loader's rules for a `users:` entry. */
export async function patchUser(scope: ManagementScope, id: string, patch: UserPatch): Promise<UserRecord> {
  const { store, clock, config } = scope
  const user = await getUser(scope, id)
  refuseFileOwned(scope, user, { name: patch.name !== undefined, roles: patch.roles !== undefined, claims: patch.claims !== undefined })
  if ((patch.roles !== undefined || patch.claims !== undefined) && (await unverifiedFederatedUser(store, user))) {
    throw new ManagementError('refused', 'user', `user ${user.email} signs in through a connection and never verified that email; it may not be its owner (delete that user first)`)
  }
  const claims: UserClaims = { ...user.claims }
  if (patch.name === null) delete claims.name
  else if (patch.name !== undefined) claims.name = patch.name
  validateWithLoader(config, {
    users: [{ email: user.email, ...(claims.name !== undefined && { name: claims.name }), ...(patch.roles !== undefined && { roles: patch.roles }), ...(patch.claims !== undefined && { claims: patch.claims }) }],
  })
  const write = { claims, ...(patch.roles !== undefined && { roles: patch.roles }), ...(patch.claims !== undefined && { attributes: patch.claims }) }
  if (!(await store.users.update(user.id, write, clock.now()))) throw new ManagementError('not_found', 'user', `no user with id ${id}`)
  const updated = { ...user, ...write }
  await recordAdminChange(scope, { type: 'admin.user.updated', subject: { type: 'user', id: user.id }, before: user, after: updated })
  return updated
}

/**
 * Issue 14: disables the user: from now on they sign in by no path (users/disabled.ts), and in the
 * same transaction every session of theirs ends and every grant is revoked, `offline_access`
 * included (their refresh and access tokens with it). Disabling a disabled user changes nothing.
 */
export async function disableUser(scope: ManagementScope, id: string): Promise<UserRecord> {
  const user = await getUser(scope, id)
  if (isDisabled(user)) return user
  const disabled = await scope.store.users.setDisabled(id, true, scope.clock.now())
  if (!disabled) throw new ManagementError('not_found', 'user', `no user with id ${id}`)
  await recordAdminChange(scope, { type: 'admin.user.disabled', subject: { type: 'user', id }, before: { email: user.email, disabled_at: null }, after: { email: user.email, disabled_at: disabled.disabled_at } })
  return disabled
}

/** Issue 14: lets a disabled user sign in again (what disabling ended stays ended). Enabling an enabled user changes nothing. */
export async function enableUser(scope: ManagementScope, id: string): Promise<UserRecord> {
  const user = await getUser(scope, id)
  if (!isDisabled(user)) return user
  const enabled = await scope.store.users.setDisabled(id, false, scope.clock.now())
  if (!enabled) throw new ManagementError('not_found', 'user', `no user with id ${id}`)
  await recordAdminChange(scope, { type: 'admin.user.enabled', subject: { type: 'user', id }, before: { email: user.email, disabled_at: user.disabled_at }, after: { email: user.email, disabled_at: null } })
  return enabled
}

/**
 * Issue 14, "sign out everywhere": in one transaction every session of the user ends (their clients
 * told by back-channel logout) and every grant is revoked, `offline_access` included. The user may
 * sign in again. Returns how many live sessions ended.
 */
export async function signOutUser(scope: ManagementScope, id: string): Promise<{ user: UserRecord; sessions: number }> {
  const user = await getUser(scope, id)
  const done = await scope.store.users.signOut(id, scope.clock.now())
  if (!done) throw new ManagementError('not_found', 'user', `no user with id ${id}`)
  await recordAdminChange(scope, { type: 'admin.user.signed_out', subject: { type: 'user', id }, before: { email: user.email }, after: { email: user.email }, data: { sessions_ended: done.sessions } })
  return { user, sessions: done.sessions }
}
