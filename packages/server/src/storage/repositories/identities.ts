/**
 * Issue 12: users' accounts at connections. A federated sign-in reads the identity and its user in
 * one joined read (`find`). Just-in-time provisioning (`provision`) inserts the user only if no
 * user has that email (`ON CONFLICT DO NOTHING`) and never updates one: an upstream must not be
 * able to overwrite a local account (its password hash, its claims) by asserting its email. Two
 * first sign-ins racing end with one user and one identity; the loser reads the winner's.
 * Unlinking is one conditional DELETE that keeps a user's last way to sign in.
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { UsersTable } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { changed, columnsAs, unprefix, type Db, type ForTenant, type RepositoryContext } from './shared.js'

/** Thrown inside `provision`'s transaction to roll the user back when another sign-in took the identity first. */
class IdentityTaken extends Error {}

export function identityRepository({ db, rows }: RepositoryContext): ForTenant<Store['identities']> {
  return (tenant) => {
    const find = async (trx: Db, connectionId: string, subject: string) => {
      const row = await trx
        .selectFrom('user_identities as i')
        .innerJoin('users as u', (join) => join.onRef('u.id', '=', 'i.user_id').onRef('u.tenant_id', '=', 'i.tenant_id'))
        .select(columnsAs<'user_identities'>('i', 'i_', COLUMNS.user_identities))
        .select(columnsAs<'users'>('u', 'u_', COLUMNS.users))
        .where('i.tenant_id', '=', tenant)
        .where('i.connection_id', '=', connectionId)
        .where('i.subject', '=', subject)
        .executeTakeFirst()
      if (!row) return null
      const r = row as Record<string, unknown>
      return {
        identity: rows.identity(unprefix(r, 'i_', COLUMNS.user_identities)!),
        user: rows.user(unprefix<UsersTable>(r, 'u_', COLUMNS.users)!),
      }
    }
    const insertIdentity = (trx: Db, identity: { connection_id: string; subject: string; user_id: string; email: string | null; email_verified: boolean }, now: number) =>
      trx
        .insertInto('user_identities')
        .values({ ...rows.identityToRow({ ...identity, email: identity.email?.toLowerCase() ?? null, created_at: now, last_used_at: now }), tenant_id: tenant })
        .onConflict((oc) => oc.columns(['tenant_id', 'connection_id', 'subject']).doNothing())
        .executeTakeFirst()
    const inserted = (result: { numInsertedOrUpdatedRows?: bigint }) => (result.numInsertedOrUpdatedRows ?? 0n) > 0n

    return {
      find: (connectionId, subject) => find(db, connectionId, subject),
      async listForUser(userId) {
        const found = await db
          .selectFrom('user_identities')
          .select(COLUMNS.user_identities)
          .where('tenant_id', '=', tenant)
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .orderBy('connection_id')
          .execute()
        return found.map(rows.identity)
      },
      async link(identity, now) {
        await insertIdentity(db, identity, now)
        const stored = await db
          .selectFrom('user_identities')
          .select('user_id')
          .where('tenant_id', '=', tenant)
          .where('connection_id', '=', identity.connection_id)
          .where('subject', '=', identity.subject)
          .executeTakeFirst()
        return stored?.user_id === identity.user_id ? 'linked' : 'taken'
      },
      async provision(user, identity, now) {
        const existing = await find(db, identity.connection_id, identity.subject)
        if (existing) return { outcome: 'identity_exists', user: existing.user }
        try {
          return await db.transaction().execute(async (trx) => {
            const row = await trx
              .insertInto('users')
              .values({
                ...rows.userToRow({
                  roles: [], attributes: {}, password_hash: null, ...user, id: user.id ?? randomUUID(), email: user.email.toLowerCase(), created_at: now, updated_at: now,
                }),
                tenant_id: tenant,
              })
              .onConflict((oc) => oc.columns(['tenant_id', 'email']).doNothing())
              .returning(COLUMNS.users)
              .executeTakeFirst()
            if (!row) {
              // A concurrent first sign-in of this identity may have created the user with it.
              const raced = await find(trx, identity.connection_id, identity.subject)
              return raced ? { outcome: 'identity_exists' as const, user: raced.user } : { outcome: 'email_taken' as const }
            }
            const created = rows.user(row)
            if (!inserted(await insertIdentity(trx, { ...identity, user_id: created.id }, now))) throw new IdentityTaken()
            return { outcome: 'created' as const, user: created }
          })
        } catch (error) {
          if (!(error instanceof IdentityTaken)) throw error
          const raced = await find(db, identity.connection_id, identity.subject)
          if (!raced) throw error
          return { outcome: 'identity_exists', user: raced.user }
        }
      },
      async touch(connectionId, subject, seen, now) {
        await db
          .updateTable('user_identities')
          .set({ email: seen.email?.toLowerCase() ?? null, email_verified: rows.bool(seen.email_verified), last_used_at: now })
          .where('tenant_id', '=', tenant)
          .where('connection_id', '=', connectionId)
          .where('subject', '=', subject)
          .execute()
      },
      async unlink(userId, connectionId, _now, usable) {
        const others = usable?.connections.filter((id) => id !== connectionId)
        const deleted = await db
          .deleteFrom('user_identities')
          .where('tenant_id', '=', tenant)
          .where('user_id', '=', userId)
          .where('connection_id', '=', connectionId)
          // The user keeps a way to sign in: a password, or another identity (of those that count).
          .where((eb) =>
            eb.or([
              ...(usable?.password === false
                ? []
                : [eb.exists(eb.selectFrom('users').select(sql<number>`1`.as('one')).where('tenant_id', '=', tenant).where('id', '=', userId).where('password_hash', 'is not', null))]),
              ...(others?.length === 0
                ? []
                : [
                    eb.exists(
                      eb
                        .selectFrom('user_identities as other')
                        .select(sql<number>`1`.as('one'))
                        .where('other.tenant_id', '=', tenant)
                        .where('other.user_id', '=', userId)
                        .where('other.connection_id', '!=', connectionId)
                        .$if(others !== undefined, (q) => q.where('other.connection_id', 'in', others!)),
                    ),
                  ]),
            ]),
          )
          .executeTakeFirst()
        if (changed(deleted)) return 'unlinked'
        const linked = await db.selectFrom('user_identities').select('subject').where('tenant_id', '=', tenant).where('user_id', '=', userId).where('connection_id', '=', connectionId).executeTakeFirst()
        return linked ? 'last_method' : 'not_linked'
      },
    }
  }
}
