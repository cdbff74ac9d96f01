/**
 * Organizations and their members (issue 10). A token for an organization reads the membership
 * by its primary key (`membership`), so issuing a token costs the same whether the user belongs
 * to one organization or to thousands; only the picker lists a user's organizations
 * (`membershipsOf`, on the `user_id` index). Deleting an organization revokes every grant made
 * for it in the same transaction, as deleting a user or a client does.
 */
import type { OrganizationMembersTable, OrganizationsTable } from '../database.js'
import { ORGANIZATION_SUMMARY } from '../rows.js'
import type { Membership, Store } from '../store.js'
import { statement } from './compiled.js'
import { revokeGrantsWhere } from './grant-revocation.js'
import { changed, columnsAs, unprefix, type RepositoryContext } from './shared.js'

export function organizationRepository({ db, rows }: RepositoryContext): Store['organizations'] {
  // Every token issued for an organization: compiled once.
  const membershipRow = statement((db, a: { organization_id: string; user_id: string }) =>
    db
      .selectFrom('organization_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.organization_id')
      .select(['m.roles as m_roles'])
      .select(columnsAs<'organizations'>('o', 'o_', ORGANIZATION_SUMMARY))
      .where('m.organization_id', '=', a.organization_id)
      .where('m.user_id', '=', a.user_id),
  )
  const toMembership = (row: Record<string, unknown>): Membership => ({
    organization: rows.organization(unprefix<OrganizationsTable>(row, 'o_', ORGANIZATION_SUMMARY) as OrganizationsTable),
    roles: rows.roles(row.m_roles as string),
  })
  const addMember = (organizationId: string, userId: string, roles: string[], now: number, replace: boolean) => {
    const row: OrganizationMembersTable = { organization_id: organizationId, user_id: userId, roles: rows.json([...new Set(roles)]), created_at: now, updated_at: now }
    return db
      .insertInto('organization_members')
      .values(row)
      .onConflict((oc) => {
        const target = oc.columns(['organization_id', 'user_id'])
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
  const tryAdd = async (organizationId: string, userId: string, roles: string[], now: number, replace: boolean) => {
    try {
      return await addMember(organizationId, userId, roles, now, replace)
    } catch (error) {
      if (lostReference(error)) return null
      throw error
    }
  }
  /** An unknown organization or user is a foreign-key violation: answered as false, not thrown. */
  const exists = async (organizationId: string, userId: string) => {
    const [org, user] = await Promise.all([
      db.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst(),
      db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst(),
    ])
    return org !== undefined && user !== undefined
  }

  return {
    async get(id) {
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
      return row ? rows.organization(row) : null
    },
    async list() {
      return (await db.selectFrom('organizations').selectAll().orderBy('id').execute()).map(rows.organization)
    },
    async upsert(organization, now) {
      const branding = organization.branding === undefined ? undefined : rows.json(organization.branding)
      const row = await db
        .insertInto('organizations')
        .values({ id: organization.id, name: organization.name, domains: rows.json(organization.domains), branding: branding ?? '{}', created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          domains: eb.ref('excluded.domains'),
          // Issue 11: kept as it is unless given.
          ...(branding !== undefined && { branding: eb.ref('excluded.branding') }),
          updated_at: eb.ref('excluded.updated_at'),
        })))
        .returningAll()
        .executeTakeFirstOrThrow()
      return rows.organization(row)
    },
    async branding(id) {
      const row = await db.selectFrom('organizations').select('branding').where('id', '=', id).executeTakeFirst()
      return row ? rows.branding(row.branding) : null
    },
    async delete(id, now) {
      return db.transaction().execute(async (trx) => {
        await revokeGrantsWhere(trx, 'organization_id', id, now)
        await trx.deleteFrom('organization_members').where('organization_id', '=', id).execute()
        return changed(await trx.deleteFrom('organizations').where('id', '=', id).executeTakeFirst())
      })
    },
    async withDomain(domain) {
      // `domains` is a JSON array of [a-z0-9.-] names: the quoted name is a substring of it exactly
      // when it may be an element (no LIKE wildcard can occur in one); the filter below decides.
      const found = await db.selectFrom('organizations').selectAll().where('domains', 'like', `%${JSON.stringify(domain.toLowerCase())}%`).orderBy('id').execute()
      return found.map(rows.organization).filter((o) => o.domains.includes(domain.toLowerCase()))
    },
    async membership(organizationId, userId) {
      const row = await membershipRow.first(db, { organization_id: organizationId, user_id: userId })
      return row ? toMembership(row as Record<string, unknown>) : null
    },
    async membershipsOf(userId, limit) {
      const found = await db
        .selectFrom('organization_members as m')
        .innerJoin('organizations as o', 'o.id', 'm.organization_id')
        .select(['m.roles as m_roles'])
        .select(columnsAs<'organizations'>('o', 'o_', ORGANIZATION_SUMMARY))
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
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .selectAll('u')
        .select(['m.roles as m_roles'])
        .where('m.organization_id', '=', organizationId)
        .orderBy('u.email')
        .execute()
      return found.map(({ m_roles, ...user }) => ({ user: rows.user(user), roles: rows.roles(m_roles) }))
    },
    async addMember(organizationId, userId, roles, now) {
      if (!(await exists(organizationId, userId))) return false
      return (await tryAdd(organizationId, userId, roles, now, true)) !== null
    },
    async joinIfAbsent(organizationId, userId, roles, now) {
      if (!(await exists(organizationId, userId))) return false
      const result = await tryAdd(organizationId, userId, roles, now, false)
      return result !== null && (result.numInsertedOrUpdatedRows ?? 0n) > 0n
    },
    async removeMember(organizationId, userId) {
      return changed(await db.deleteFrom('organization_members').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst())
    },
  }
}
