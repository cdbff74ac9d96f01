/**
 * Organizations and their members (issue 10). A token for an organization reads the membership
 * by its primary key (`membership`), so issuing a token costs the same whether the user belongs
 * to one organization or to thousands; only the picker lists a user's organizations
 * (`membershipsOf`, on the `user_id` index). Deleting an organization revokes every grant made
 * for it in the same transaction, as deleting a user or a client does. Organization ids are
 * chosen, so unique per tenant, and every join from a membership to its organization or user
 * matches the tenant too.
 */
import type { OrganizationMembersTable, OrganizationsTable, UsersTable } from '../database.js'
import { COLUMNS, ORGANIZATION_SUMMARY } from '../rows.js'
import type { Membership, Store } from '../store.js'
import { statement } from './compiled.js'
import { revokeGrantsWhere } from './grant-revocation.js'
import { changed, columnsAs, unprefix, type ForTenant, type RepositoryContext } from './shared.js'

export function organizationRepository({ db, rows }: RepositoryContext): ForTenant<Store['organizations']> {
  // Every token issued for an organization: compiled once.
  const membershipRow = statement((db, a: { tenant_id: string; organization_id: string; user_id: string }) =>
    db
      .selectFrom('organization_members as m')
      .innerJoin('organizations as o', (join) => join.onRef('o.id', '=', 'm.organization_id').onRef('o.tenant_id', '=', 'm.tenant_id'))
      .select(['m.roles as m_roles'])
      .select(columnsAs<'organizations'>('o', 'o_', ORGANIZATION_SUMMARY))
      .where('m.tenant_id', '=', a.tenant_id)
      .where('m.organization_id', '=', a.organization_id)
      .where('m.user_id', '=', a.user_id),
  )
  const toMembership = (row: Record<string, unknown>): Membership => ({
    organization: rows.organization(unprefix<OrganizationsTable>(row, 'o_', ORGANIZATION_SUMMARY) as OrganizationsTable),
    roles: rows.roles(row.m_roles as string),
  })
  const addMember = (tenant: string, organizationId: string, userId: string, roles: string[], now: number, replace: boolean) => {
    const row: OrganizationMembersTable = { organization_id: organizationId, user_id: userId, roles: rows.json([...new Set(roles)]), created_at: now, updated_at: now }
    return db
      .insertInto('organization_members')
      .values({ ...row, tenant_id: tenant })
      .onConflict((oc) => {
        const target = oc.columns(['tenant_id', 'organization_id', 'user_id'])
        return replace ? target.doUpdateSet((eb) => ({ roles: eb.ref('excluded.roles'), updated_at: eb.ref('excluded.updated_at') })) : target.doNothing()
      })
      .executeTakeFirst()
  }
  /**
   * A foreign key the insert broke: the organization or the user was deleted between the check
   * below and the insert (PostgreSQL 23503, SQLite SQLITE_CONSTRAINT_FOREIGNKEY). Answered as
   * "no such organization or user", not as a 500 in the middle of someone's sign-in.
   */
  const lostReference = (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code
    return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  }
  const tryAdd = async (tenant: string, organizationId: string, userId: string, roles: string[], now: number, replace: boolean) => {
    try {
      return await addMember(tenant, organizationId, userId, roles, now, replace)
    } catch (error) {
      if (lostReference(error)) return null
      throw error
    }
  }
  /**
   * An unknown organization or user is a foreign-key violation: answered as false, not thrown. The
   * user's foreign key is to its global id, so this check is also what keeps another tenant's user
   * out of the tenant's organizations.
   */
  const exists = async (tenant: string, organizationId: string, userId: string) => {
    const [org, user] = await Promise.all([
      db.selectFrom('organizations').select('id').where('tenant_id', '=', tenant).where('id', '=', organizationId).executeTakeFirst(),
      db.selectFrom('users').select('id').where('tenant_id', '=', tenant).where('id', '=', userId).executeTakeFirst(),
    ])
    return org !== undefined && user !== undefined
  }

  return (tenant) => ({
    async get(id) {
      const row = await db.selectFrom('organizations').select(COLUMNS.organizations).where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst()
      return row ? rows.organization(row) : null
    },
    async list() {
      return (await db.selectFrom('organizations').select(COLUMNS.organizations).where('tenant_id', '=', tenant).orderBy('id').execute()).map(rows.organization)
    },
    async upsert(organization, now) {
      const branding = organization.branding === undefined ? undefined : rows.json(organization.branding)
      const row = await db
        .insertInto('organizations')
        .values({ id: organization.id, name: organization.name, domains: rows.json(organization.domains), branding: branding ?? '{}', created_at: now, updated_at: now, tenant_id: tenant })
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          domains: eb.ref('excluded.domains'),
          // Issue 11: kept as it is unless given.
          ...(branding !== undefined && { branding: eb.ref('excluded.branding') }),
          updated_at: eb.ref('excluded.updated_at'),
        })))
        .returning(COLUMNS.organizations)
        .executeTakeFirstOrThrow()
      return rows.organization(row)
    },
    async branding(id) {
      const row = await db.selectFrom('organizations').select('branding').where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst()
      return row ? rows.branding(row.branding) : null
    },
    async delete(id, now) {
      return db.transaction().execute(async (trx) => {
        await revokeGrantsWhere(trx, tenant, 'organization_id', id, now)
        await trx.deleteFrom('organization_members').where('tenant_id', '=', tenant).where('organization_id', '=', id).execute()
        return changed(await trx.deleteFrom('organizations').where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst())
      })
    },
    async withDomain(domain) {
      // `domains` is a JSON array of [a-z0-9.-] names: the quoted name is a substring of it exactly
      // when it may be an element (no LIKE wildcard can occur in one); the filter below decides.
      const found = await db.selectFrom('organizations').select(COLUMNS.organizations).where('tenant_id', '=', tenant).where('domains', 'like', `%${JSON.stringify(domain.toLowerCase())}%`).orderBy('id').execute()
      return found.map(rows.organization).filter((o) => o.domains.includes(domain.toLowerCase()))
    },
    async membership(organizationId, userId) {
      const row = await membershipRow.first(db, { tenant_id: tenant, organization_id: organizationId, user_id: userId })
      return row ? toMembership(row as Record<string, unknown>) : null
    },
    async membershipsOf(userId, limit) {
      const found = await db
        .selectFrom('organization_members as m')
        .innerJoin('organizations as o', (join) => join.onRef('o.id', '=', 'm.organization_id').onRef('o.tenant_id', '=', 'm.tenant_id'))
        .select(['m.roles as m_roles'])
        .select(columnsAs<'organizations'>('o', 'o_', ORGANIZATION_SUMMARY))
        .where('m.tenant_id', '=', tenant)
        .where('m.user_id', '=', userId)
        .orderBy('o.name')
        .orderBy('o.id')
        .limit(limit)
        .execute()
      return found.map((row) => toMembership(row as Record<string, unknown>))
    },
    async members(organizationId) {
      const found = await db
        .selectFrom('organization_members as m')
        .innerJoin('users as u', (join) => join.onRef('u.id', '=', 'm.user_id').onRef('u.tenant_id', '=', 'm.tenant_id'))
        .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
        .select(['m.roles as m_roles'])
        .where('m.tenant_id', '=', tenant)
        .where('m.organization_id', '=', organizationId)
        .orderBy('u.email')
        .execute()
      return found.map((row) => ({ user: rows.user(unprefix<UsersTable>(row, 'u_', COLUMNS.users) as UsersTable), roles: rows.roles(row.m_roles) }))
    },
    async addMember(organizationId, userId, roles, now) {
      if (!(await exists(tenant, organizationId, userId))) return false
      return (await tryAdd(tenant, organizationId, userId, roles, now, true)) !== null
    },
    async joinIfAbsent(organizationId, userId, roles, now) {
      if (!(await exists(tenant, organizationId, userId))) return false
      const result = await tryAdd(tenant, organizationId, userId, roles, now, false)
      return result !== null && (result.numInsertedOrUpdatedRows ?? 0n) > 0n
    },
    async removeMember(organizationId, userId) {
      return changed(
        await db.deleteFrom('organization_members').where('tenant_id', '=', tenant).where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst(),
      )
    },
  })
}
