/**
 * Issue 12: the queue of back-channel logout tokens still to send (OIDC Back-Channel Logout 1.0
 * §2.5, §2.8). Rows are added by `enqueueLogoutDeliveries` inside the transaction that ends a
 * session, so a logout that commits has its deliveries whichever process ended it (a server, the
 * CLI, seeding). Delivering is at-least-once: a node claims due rows with a lease (one UPDATE;
 * on PostgreSQL its row pick is `FOR UPDATE SKIP LOCKED`, so two nodes claiming at once take
 * different rows and neither waits), POSTs, then completes (deletes) or reschedules the row. A node
 * that dies mid-delivery leaves its lease to run out, and another node picks the row up then.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 * @see https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
 */
import { sql } from 'kysely'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { claimLeased, type Db, type ForTenant, type RepositoryContext } from './shared.js'

export function logoutDeliveryRepository({ db, capabilities }: RepositoryContext): ForTenant<Store['logoutDeliveries']> {
  const claim: Store['logoutDeliveries']['claim'] = async (now, limit, leaseSeconds) => {
    const rows = (await claimLeased({ db, capabilities }, 'logout_deliveries', ['tenant_id', 'client_id', 'sid'], [...COLUMNS.logout_deliveries, 'tenant_id'], now, limit, leaseSeconds)) as any[]
    return rows.map((r) => ({ ...r, created_at: Number(r.created_at), next_attempt_at: Number(r.next_attempt_at), leased_until: r.leased_until === null ? null : Number(r.leased_until) }))
  }
  return (tenant) => ({
    claim,
    async complete(clientId, sid) {
      await db.deleteFrom('logout_deliveries').where('tenant_id', '=', tenant).where('client_id', '=', clientId).where('sid', '=', sid).execute()
    },
    async retry(clientId, sid, nextAttemptAt) {
      await db
        .updateTable('logout_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: nextAttemptAt, leased_until: null }))
        .where('tenant_id', '=', tenant)
        .where('client_id', '=', clientId)
        .where('sid', '=', sid)
        .execute()
    },
    async list() {
      const rows = await db.selectFrom('logout_deliveries').select(COLUMNS.logout_deliveries).where('tenant_id', '=', tenant).orderBy('created_at').orderBy('client_id').orderBy('sid').execute()
      return rows.map((r) => ({ ...r, created_at: Number(r.created_at), next_attempt_at: Number(r.next_attempt_at), leased_until: r.leased_until === null ? null : Number(r.leased_until) }))
    },
  })
}

/** Who is logged out: one session (its id and user), or every live session of a user. */
export type LogoutTarget = { sessionId: string; sub: string } | { userId: string }

/**
 * Queues a logout token for every client with a `backchannel_logout_uri` that took part in the
 * session(s) of `target` (OIDC Back-Channel Logout §2.5: "each RP that the OP has issued ID Tokens
 * to for that session"): the clients of the session's grants and of its codes, redeemed or not
 * (grants keep `session_id` after revocation). One INSERT … SELECT in the caller's transaction,
 * which must run before the session rows go (and before `revokeSessionGrants` detaches the
 * `offline_access` codes from the session). A row already queued for (client, sid) stays.
 */
export async function enqueueLogoutDeliveries(trx: Db, tenant: string, target: LogoutTarget, now: number): Promise<void> {
  const at = sql<number>`cast(${now} as bigint)`
  const bySession = 'sessionId' in target
  const sessionIds = bySession
    ? null
    : trx.selectFrom('sessions').select('id').where('tenant_id', '=', tenant).where('user_id', '=', target.userId).where('expires_at', '>', now)
  const inSessions = (eb: any) => (bySession ? eb('session_id', '=', target.sessionId) : eb('session_id', 'in', sessionIds))
  const participation = trx
    .selectFrom('grants')
    .select(['client_id', 'session_id'])
    .where('tenant_id', '=', tenant)
    .where(inSessions)
    .union(trx.selectFrom('authorization_codes').select(['client_id', 'session_id']).where('tenant_id', '=', tenant).where(inSessions))
    .as('p')
  const sub = bySession ? sql<string>`cast(${target.sub} as text)` : sql<string>`cast(${target.userId} as text)`
  await trx
    .insertInto('logout_deliveries')
    .columns(['tenant_id', 'client_id', 'sid', 'sub', 'created_at', 'attempts', 'next_attempt_at', 'leased_until'])
    .expression(
      trx
        .selectFrom(participation)
        .innerJoin('clients as c', (join) => join.onRef('c.client_id', '=', 'p.client_id').on('c.tenant_id', '=', tenant))
        .select([
          'c.tenant_id',
          'p.client_id',
          sql<string>`p.session_id`.as('sid'),
          sub.as('sub'),
          at.as('created_at'),
          sql<number>`0`.as('attempts'),
          at.as('next_attempt_at'),
          sql<null>`null`.as('leased_until'),
        ])
        // SQLite needs a WHERE to parse INSERT ... SELECT ... ON CONFLICT.
        .where('c.backchannel_logout_uri', 'is not', null),
    )
    .onConflict((oc) => oc.columns(['tenant_id', 'client_id', 'sid']).doNothing())
    .execute()
}
