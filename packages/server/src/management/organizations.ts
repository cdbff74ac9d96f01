/**
 * Issue 14: managing organizations and their members (issues 10, 11, 13). An organization passes
 * the config loader's rules for an `organizations:` entry (id `[a-z0-9-]{1,64}`, domains lower-case
 * names), member roles those of `users[].roles`. Deleting an organization removes its memberships
 * and revokes every grant made for it in the same transaction (the store's `organizations.delete`).
 */
import type { Branding } from '../interaction/views/branding.js'
import type { Membership, OrganizationRecord } from '../storage/store.js'
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

async function fieldsOf({ store }: ManagementScope, organization: OrganizationRecord): Promise<Record<string, unknown>> {
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
  const entry = { id, name: change.name ?? current.name, domains: change.domains ?? current.domains }
  validateWithLoader(config, { organizations: [entry] })
  const before = await fieldsOf(scope, current)
  const branding = change.branding === false ? {} : change.branding?.(entry)
  const organization = await store.organizations.upsert({ ...entry, ...(branding !== undefined && { branding }) }, clock.now())
  if (change.mfa_required !== undefined) await store.mfa.setRequired('organization', id, change.mfa_required, clock.now())
  const after = await fieldsOf(scope, organization)
  await recordAdminChange(scope, { type: 'admin.organization.updated', subject: { type: 'organization', id }, before, after })
  return { organization, branding, mfaRequired: after.mfa_required as boolean }
}

/** Deletes an organization with its memberships, revoking the grants made for it (one transaction). */
export async function deleteOrganization(scope: ManagementScope, id: string): Promise<OrganizationRecord> {
  const current = await scope.store.organizations.get(id)
  const before = current && (await fieldsOf(scope, current))
  if (!current || !(await scope.store.organizations.delete(id, scope.clock.now()))) throw new ManagementError('not_found', 'organization', `no organization ${id}`)
  await recordAdminChange(scope, { type: 'admin.organization.deleted', subject: { type: 'organization', id }, before, after: null })
  return current
}

/**
 * Makes the user a member with exactly these roles (for a member already, the roles are replaced).
 * Throws the loader's `ConfigError` (`users[0].roles…`) for bad roles. `before`: the membership it replaced.
 */
export async function addOrganizationMember(scope: ManagementScope, id: string, email: string, roles: string[]): Promise<{ organization: OrganizationRecord; user: { id: string; email: string }; before: Membership | null }> {
  const { store, clock, config } = scope
  validateWithLoader(config, { users: [{ email, roles }] })
  // Issue 14: valid for a user, but an organization role may not be an admin one (rules/admin-roles.ts).
  const problem = organizationRoleProblem(roles)
  if (problem !== null) throw new ConfigError('users[0].roles', problem)
  const organization = await existingOrganization(scope, id)
  const user = await userToProvision(store, email)
  const before = await store.organizations.membership(id, user.id)
  if (!(await store.organizations.addMember(id, user.id, roles, clock.now()))) throw new ManagementError('conflict', 'organization_member', `organization ${id} or user ${user.email} was deleted meanwhile`)
  await recordAdminChange(scope, {
    type: before ? 'admin.organization_member.updated' : 'admin.organization_member.added', subject: { type: 'user', id: user.id },
    before: before && { organization_id: id, user_id: user.id, email: user.email, roles: before.roles }, after: { organization_id: id, user_id: user.id, email: user.email, roles },
  })
  return { organization, user, before }
}

/** Ends a membership; `conflict` when the user is not a member. */
export async function removeOrganizationMember(scope: ManagementScope, id: string, email: string): Promise<{ user: { id: string; email: string } }> {
  const { store, clock } = scope
  await existingOrganization(scope, id)
  const user = await existingUser(store, email)
  const before = await store.organizations.membership(id, user.id)
  if (!(await store.organizations.removeMember(id, user.id, clock.now()))) throw new ManagementError('conflict', 'organization_member', `${user.email} is not a member of ${id}`)
  await recordAdminChange(scope, {
    type: 'admin.organization_member.removed', subject: { type: 'user', id: user.id },
    before: { organization_id: id, user_id: user.id, email: user.email, roles: before?.roles ?? [] }, after: null,
  })
  return { user }
}
