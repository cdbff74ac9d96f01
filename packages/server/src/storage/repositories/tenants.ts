/**
 * The tenants other than `default` (issue 11): id, issuer (unique: requests are routed by it) and
 * settings. Deployment-level, so the same through every tenant's store. Deleting a tenant deletes
 * every row it owns in every table, in one transaction; each table is read by `tenant_id` without
 * an index of its own (a rare operation, not worth an index on every hot insert).
 */
import { sql } from 'kysely'
import type { Database } from '../database.js'
import { InvalidTenantError, TenantIssuerTakenError } from '../../errors.js'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, type RepositoryContext } from './shared.js'

/** The config file's tenant: every row written before 0009, never a row of `tenants`. */
export const DEFAULT_TENANT = 'default'

const TENANT_ID = /^[a-z0-9-]{1,64}$/

/** Throws unless `id` can name a tenant at all. */
export function checkTenantId(id: string): void {
  if (!TENANT_ID.test(id)) throw new InvalidTenantError(id, 'a tenant id is 1 to 64 of a-z, 0-9 and -')
}

/** Every table with a `tenant_id`, children first; the compiler checks that none is missing. */
// `alert_deliveries` (issue 14) is deployment-wide: a tenant's deletion leaves the operator's alerts about it.
const TENANT_TABLES = Object.keys({
  mfa_challenges: true, mfa_recovery_codes: true, mfa_totp: true, mfa_policies: true,
  email_tokens: true, passkey_challenges: true, passkeys: true, logout_deliveries: true, upstream_sessions: true, upstream_logins: true, user_identities: true, organization_members: true, consents: true, sessions: true, refresh_tokens: true, access_tokens: true, authorization_codes: true, grants: true,
  audit_events: true,
  device_codes: true, interactions: true, replay_keys: true, signing_keys: true, organizations: true, users: true, connections: true, clients: true,
} satisfies Record<Exclude<keyof Database, 'tenants' | 'alert_deliveries'>, true>) as Exclude<keyof Database, 'tenants' | 'alert_deliveries'>[]

/** A unique constraint broke: on `tenants`, that can only be the issuer (the id is the upsert's conflict target). */
const uniqueViolation = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/** A tenant the store may write or delete: a valid id, not `default`. */
function stored(id: string): void {
  checkTenantId(id)
  if (id === DEFAULT_TENANT) throw new InvalidTenantError(id, 'the default tenant is the config file\'s and is not stored in the tenants table')
}

export function tenantRepository({ db, rows, capabilities }: RepositoryContext): Store['tenants'] {
  return {
    async get(id) {
      const row = await db.selectFrom('tenants').select(COLUMNS.tenants).where('id', '=', id).executeTakeFirst()
      return row ? rows.tenant(row) : null
    },
    async list() {
      return (await db.selectFrom('tenants').select(COLUMNS.tenants).orderBy('id').execute()).map(rows.tenant)
    },
    async listIndex() {
      return db.selectFrom('tenants').select(['id', 'issuer', 'updated_at']).orderBy('id').execute()
    },
    async keysDue(now, intervals) {
      const newest = db
        .selectFrom('signing_keys')
        .select((eb) => ['tenant_id', eb.fn.max('generation').as('generation'), eb.fn.max('created_at').as('created_at')])
        .where('companion_of', 'is', null)
        .groupBy('tenant_id')
        .as('k')
      const interval = sql<number>`case when k.tenant_id = ${DEFAULT_TENANT} then cast(${intervals.default} as bigint) else coalesce(${capabilities.jsonInteger('t.settings', ['tokens', 'rotation_interval'])}, cast(${intervals.unset} as bigint)) end`
      const withInterval = db
        .selectFrom(newest)
        .leftJoin('tenants as t', 't.id', 'k.tenant_id')
        .select(['k.tenant_id as id', 'k.generation', 'k.created_at', interval.as('rotation_interval')])
        // Keys left by a tenant deleted meanwhile belong to no one.
        .where((eb) => eb.or([eb('k.tenant_id', '=', DEFAULT_TENANT), eb('t.id', 'is not', null)]))
        .as('d')
      const due = await db
        .selectFrom(withInterval)
        .select(['d.id', 'd.generation'])
        .where('d.rotation_interval', '>', 0)
        .where(sql<boolean>`d.created_at + d.rotation_interval <= ${now}`)
        .orderBy('d.id')
        .execute()
      return due.map((row) => ({ id: row.id, generation: Number(row.generation) }))
    },
    async upsert({ id, issuer, settings }, now) {
      stored(id)
      try {
        const row = await db
          .insertInto('tenants')
          .values({ id, issuer, settings: rows.json(settings), created_at: now, updated_at: now })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              issuer: eb.ref('excluded.issuer'),
              settings: eb.ref('excluded.settings'),
              // Strictly later than before, also within the same second: nodes rebuild a tenant whose updated_at changed.
              updated_at: sql<number>`case when excluded.updated_at > tenants.updated_at then excluded.updated_at else tenants.updated_at + 1 end`,
            })),
          )
          .returning(COLUMNS.tenants)
          .executeTakeFirstOrThrow()
        return rows.tenant(row)
      } catch (error) {
        if (!uniqueViolation(error)) throw error
        const holder = await db.selectFrom('tenants').select('id').where('issuer', '=', issuer).executeTakeFirst()
        throw new TenantIssuerTakenError(issuer, holder?.id ?? null, { cause: error })
      }
    },
    async delete(id) {
      stored(id)
      return db.transaction().execute(async (trx) => {
        for (const table of TENANT_TABLES) await trx.deleteFrom(table).where('tenant_id', '=', id).execute()
        return changed(await trx.deleteFrom('tenants').where('id', '=', id).executeTakeFirst())
      })
    },
  }
}
