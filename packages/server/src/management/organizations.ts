/**
 * Issue 14: managing organizations and their members (issues 10, 11, 13). An organization passes
 * the config loader's rules for an `organizations:` entry (id `[a-z0-9-]{1,64}`, domains lower-case
 * names), member roles those of `users[].roles`. Deleting an organization removes its memberships
 * and revokes every grant made for it in the same transaction (the store's `organizations.delete`).
 */
import { MAX_CSS_BYTES } from '../config/branding.js'
import type { Branding } from '../interaction/views/branding.js'
import type { Membership, OrganizationRecord, UserRecord } from '../storage/store.js'
import { unverifiedFederatedUser } from '../users/unverified-federated-user.js'
import { ConfigError } from '../errors.js'
import { organizationRoleProblem } from '../rules/admin-roles.js'
import { recordAdminChange } from './admin-change.js'
import { userToProvision, existingUser } from './users.js'
import { ManagementError, type ManagementScope } from './scope.js'
import { validateWithLoader } from './validate.js'

/**
 * The organization's branding, resolved by the caller once the entry is valid (the CLI reads a file
 * then, the API takes a body): a function, so that an invalid entry is reported before the branding.
 */
export type BrandingSource = (entry: { id: string; name: string; domains: string[] }) => Branding | undefined

export interface OrganizationInput {
  id: string
  name: string
  domains?: string[]
  branding?: BrandingSource
  mfa_required?: boolean
}

export async function existingOrganization({ store }: Pick<ManagementScope, 'store'>, id: string): Promise<OrganizationRecord> {
  const organization = await store.organizations.get(id)
  if (!organization) throw new ManagementError('not_found', 'organization', `no organization ${id}`)
  return organization
}

/** An organization with its branding (`{}`: none) and whether it requires a second factor (issues 11, 13). */
export interface OrganizationView extends OrganizationRecord {
  branding: Branding
  mfa_required: boolean
}

async function fieldsOf({ store }: Pick<ManagementScope, 'store'>, organization: OrganizationRecord): Promise<OrganizationView> {
  return { ...organization, branding: (await store.organizations.branding(organization.id)) ?? {}, mfa_required: await store.mfa.required('organization', organization.id) }
}

export async function listOrganizations({ store }: ManagementScope): Promise<OrganizationRecord[]> {
  return store.organizations.list()
}

/** Adds an organization. Throws the loader's `ConfigError` (`organizations[0].…`), `conflict` when the id is taken. */
export async function createOrganization(scope: ManagementScope, input: OrganizationInput): Promise<OrganizationRecord> {
  const { store, clock, config } = scope
  const entry = { id: input.id, name: input.name, ...(input.domains !== undefined && { domains: input.domains }) }
  validateWithLoader(config, { organizations: [entry] })
  const branding = input.branding?.({ id: input.id, name: input.name, domains: input.domains ?? [] })
  if (await store.organizations.get(input.id)) throw new ManagementError('conflict', 'organization', `organization ${input.id} already exists`)
  const organization = await store.organizations.upsert({ id: input.id, name: input.name, domains: input.domains ?? [], ...(branding && { branding }) }, clock.now())
  await store.mfa.setRequired('organization', input.id, input.mfa_required === true, clock.now())
  await recordAdminChange(scope, { type: 'admin.organization.created', subject: { type: 'organization', id: organization.id }, before: null, after: await fieldsOf(scope, organization) })
  return organization
}

/**
 * Second review (M2, organizations): an organization the config file lists is written again from
 * the file at every start and reload (seed.ts: its name, domains, branding and MFA policy, and the
 * members it lists with their roles), so through the API or the console changing or deleting it,
 * or changing a listed member, would be undone silently: `conflict`. The CLI, whose user holds the
 * file, may (it warns).
 */
function refuseFileOwned(scope: ManagementScope, id: string, member?: string): void {
  if (scope.via === 'cli') return
  const entry = scope.config.organizations.find((o) => o.id === id)
  if (entry === undefined) return
  if (member === undefined) throw new ManagementError('conflict', 'organization', `organization ${id} is listed in the config file, which sets it again at every start and reload: change it there`)
  if ((entry.members ?? []).some((m) => m.email.toLowerCase() === member.toLowerCase())) {
    throw new ManagementError('conflict', 'organization_member', `${member} is a member of ${id} in the config file, which sets the membership again at every start and reload: change it there`)
  }
}

export interface OrganizationUpdate {
  name?: string
  domains?: string[]
  /** A source of new branding, or `false` to remove it; undefined: unchanged. */
  branding?: BrandingSource | false
  /** Undefined: unchanged. */
  mfa_required?: boolean
}

/** Changes an organization; the result passes the loader's rules. `branding`: what was set (`{}` removed), undefined when unchanged. */
export async function updateOrganization(scope: ManagementScope, id: string, change: OrganizationUpdate): Promise<{ organization: OrganizationRecord; branding: Branding | undefined; mfaRequired: boolean }> {
  const { store, clock, config } = scope
  const current = await existingOrganization(scope, id)
  refuseFileOwned(scope, id)
  const entry = { id, name: change.name ?? current.name, domains: change.domains ?? current.domains }
  validateWithLoader(config, { organizations: [entry] })
  const before = await fieldsOf(scope, current)
  const branding = change.branding === false ? {} : change.branding?.(entry)
  const organization = await store.organizations.upsert({ ...entry, ...(branding !== undefined && { branding }) }, clock.now())
  if (change.mfa_required !== undefined) await store.mfa.setRequired('organization', id, change.mfa_required, clock.now())
  const after = await fieldsOf(scope, organization)
  await recordAdminChange(scope, { type: 'admin.organization.updated', subject: { type: 'organization', id }, before, after })
  return { organization, branding, mfaRequired: after.mfa_required }
}

/** Deletes an organization with its memberships, revoking the grants made for it (one transaction). */
export async function deleteOrganization(scope: ManagementScope, id: string): Promise<OrganizationRecord> {
  const current = await scope.store.organizations.get(id)
  if (current) refuseFileOwned(scope, id)
  const before = current && (await fieldsOf(scope, current))
  if (!current || !(await scope.store.organizations.delete(id, scope.clock.now()))) throw new ManagementError('not_found', 'organization', `no organization ${id}`)
  await recordAdminChange(scope, { type: 'admin.organization.deleted', subject: { type: 'organization', id }, before, after: null })
  return current
}

export async function getOrganization(scope: ManagementScope, id: string): Promise<OrganizationView> {
  return fieldsOf(scope, await existingOrganization(scope, id))
}

/** `organizations` with their branding and MFA policy (two primary-key reads each). */
export async function organizationViews(scope: ManagementScope, organizations: OrganizationRecord[]): Promise<OrganizationView[]> {
  return Promise.all(organizations.map((o) => fieldsOf(scope, o)))
}

/**
 * Issue 14: a branding given as data (the admin API's body) rather than a file: the keys of config
 * `branding` but `css_file` (the server reads no file for a caller), with the stylesheet's text as
 * `css` instead, at most `MAX_CSS_BYTES`. Checked by the loader as an `organizations[0].branding`
 * entry (its `ConfigError` names the key); `warnings`: its WCAG contrast shortfalls, as the CLI prints.
 */
export function brandingFromData(config: ManagementScope['config'], entry: { id: string; name: string; domains: string[] }, data: Record<string, unknown>): { branding: Branding; warnings: string[] } {
  const { css, ...keys } = data
  if ('css_file' in keys) throw new ManagementError('refused', 'organization', 'branding.css_file: not accepted here; give the stylesheet\'s text as branding.css')
  if (css !== undefined && (typeof css !== 'string' || Buffer.byteLength(css, 'utf8') > MAX_CSS_BYTES)) {
    throw new ManagementError('refused', 'organization', `branding.css: must be a stylesheet's text of at most ${MAX_CSS_BYTES} bytes`)
  }
  const loaded = validateWithLoader(config, { organizations: [{ ...entry, branding: keys }] })
  const branding: Branding = { ...(loaded.config.organizations[0]?.branding ?? {}), ...(typeof css === 'string' && css !== '' && { css }) }
  const key = 'organizations[0].branding'
  return { branding, warnings: loaded.warnings.filter((w) => w.startsWith(key)).map((w) => w.replace(`${key}.`, 'branding.')) }
}

/**
 * Makes the user a member with exactly these roles (for a member already, the roles are replaced).
 * Throws the loader's `ConfigError` (`users[0].roles…`) for bad roles. `before`: the membership it replaced.
 */
export async function addOrganizationMember(scope: ManagementScope, id: string, email: string, roles: string[]): Promise<{ organization: OrganizationRecord; user: { id: string; email: string }; before: Membership | null }> {
  checkMemberRoles(scope, roles)
  const organization = await existingOrganization(scope, id)
  const user = await userToProvision(scope.store, email)
  const { before } = await putMember(scope, organization.id, user, roles)
  return { organization, user, before }
}

/** The rule of `users[].roles`, and (issue 14) no admin role in an organization (rules/admin-roles.ts). */
function checkMemberRoles({ config }: ManagementScope, roles: string[]): void {
  validateWithLoader(config, { users: [{ email: 'member@example.com', roles }] })
  const problem = organizationRoleProblem(roles)
  if (problem !== null) throw new ConfigError('users[0].roles', problem)
}

/** Writes the membership and records the change; the caller has checked the roles, the organization and the user. */
async function putMember(scope: ManagementScope, id: string, user: UserRecord, roles: string[]): Promise<{ member: MemberView; before: Membership | null }> {
  const { store, clock } = scope
  refuseFileOwned(scope, id, user.email)
  const before = await store.organizations.membership(id, user.id)
  if (!(await store.organizations.addMember(id, user.id, roles, clock.now()))) throw new ManagementError('conflict', 'organization_member', `organization ${id} or user ${user.email} was deleted meanwhile`)
  const member = { organization_id: id, user_id: user.id, email: user.email, roles }
  await recordAdminChange(scope, {
    type: before ? 'admin.organization_member.updated' : 'admin.organization_member.added', subject: { type: 'user', id: user.id },
    before: before && { ...member, roles: before.roles }, after: member,
  })
  return { member, before }
}

export interface MemberView {
  organization_id: string
  user_id: string
  email: string
  roles: string[]
}

/** The organization's members with their roles, ordered by email. */
export async function listOrganizationMembers(scope: ManagementScope, id: string): Promise<MemberView[]> {
  await existingOrganization(scope, id)
  return (await scope.store.organizations.members(id)).map((m) => ({ organization_id: id, user_id: m.user.id, email: m.user.email, roles: m.roles }))
}

async function userById(store: ManagementScope['store'], userId: string): Promise<UserRecord> {
  const user = await store.users.getById(userId)
  if (!user) throw new ManagementError('not_found', 'user', `no user ${userId}`)
  return user
}

/**
 * Issue 14: `addOrganizationMember` for a user given by id (the admin API's path). The roles pass
 * the rule of `users[].roles` (`ConfigError` keyed `users[0].roles`); `not_found` for the
 * organization or the user; `refused` for a federated user whose email was never verified.
 */
export async function addOrganizationMemberById(scope: ManagementScope, id: string, userId: string, roles: string[]): Promise<{ member: MemberView; added: boolean }> {
  checkMemberRoles(scope, roles)
  await existingOrganization(scope, id)
  const user = await userById(scope.store, userId)
  if (await unverifiedFederatedUser(scope.store, user)) {
    throw new ManagementError('refused', 'user', `user ${user.id} signs in through a connection and never verified that email; it may not be its owner`)
  }
  const { member, before } = await putMember(scope, id, user, roles)
  return { member, added: before === null }
}

/** Issue 14: ends the membership of the user given by id; `not_found` when the organization, the user or the membership does not exist. */
export async function removeOrganizationMemberById(scope: ManagementScope, id: string, userId: string): Promise<MemberView> {
  const { store, clock } = scope
  await existingOrganization(scope, id)
  const user = await userById(store, userId)
  const before = await store.organizations.membership(id, user.id)
  refuseFileOwned(scope, id, user.email)
  if (!before || !(await store.organizations.removeMember(id, user.id, clock.now()))) throw new ManagementError('not_found', 'organization_member', `user ${user.id} is not a member of ${id}`)
  const member = { organization_id: id, user_id: user.id, email: user.email, roles: before.roles }
  await recordAdminChange(scope, { type: 'admin.organization_member.removed', subject: { type: 'user', id: user.id }, before: member, after: null })
  return member
}

/** Ends a membership; `conflict` when the user is not a member. */
export async function removeOrganizationMember(scope: ManagementScope, id: string, email: string): Promise<{ user: { id: string; email: string } }> {
  const { store, clock } = scope
  await existingOrganization(scope, id)
  const user = await existingUser(store, email)
  const before = await store.organizations.membership(id, user.id)
  refuseFileOwned(scope, id, user.email)
  if (!(await store.organizations.removeMember(id, user.id, clock.now()))) throw new ManagementError('conflict', 'organization_member', `${user.email} is not a member of ${id}`)
  await recordAdminChange(scope, {
    type: 'admin.organization_member.removed', subject: { type: 'user', id: user.id },
    before: { organization_id: id, user_id: user.id, email: user.email, roles: before?.roles ?? [] }, after: null,
  })
  return { user }
}
