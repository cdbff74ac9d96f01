/**
 * The long-lived and interactive records: registered clients (RFC 7591 metadata), users with a
 * stable `sub` keyed by e-mail (OIDC Core §5.7), signing keys and their retirement (RFC 7517),
 * IdP sessions, remembered consent, pending interactions and one-time values (RFC 7523 §3 `jti`).
 * Deleting a client or a user revokes its grants rather than deleting them, so access tokens
 * already issued keep reading as revoked until they expire.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
import { randomUUID } from 'node:crypto'
import { systemClock } from '../../lib/clock.js'
import type { InteractionsTable } from '../database.js'
import { COLUMNS } from '../rows.js'
import type { Store } from '../store.js'
import { revokeGrantsWhere, revokeSessionGrants } from './grants.js'
import { changed, countUpTo, valuesWhere, type Db, type RepositoryContext } from './shared.js'

/** `consents.resource` of a consent for no resource: a key column cannot be NULL (0003-client-resources). */
const NO_RESOURCE = ''

export function accountRepositories({ db, rows, capabilities }: RepositoryContext): Pick<Store, 'clients' | 'users' | 'keys' | 'sessions' | 'consents' | 'interactions' | 'replay'> {
  return {
    clients: {
      async get(clientId) {
        const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst()
        return row ? rows.client(row) : null
      },
      async list() {
        return (await db.selectFrom('clients').selectAll().orderBy('client_id').execute()).map(rows.client)
      },
      async upsert(client, now) {
        await db
          .insertInto('clients')
          .values(rows.clientToRow(client, now))
          .onConflict((oc) =>
            oc.column('client_id').doUpdateSet((eb) => ({
              client_name: eb.ref('excluded.client_name'),
              client_secret_hash: eb.ref('excluded.client_secret_hash'),
              token_endpoint_auth_method: eb.ref('excluded.token_endpoint_auth_method'),
              grant_types: eb.ref('excluded.grant_types'),
              redirect_uris: eb.ref('excluded.redirect_uris'),
              post_logout_redirect_uris: eb.ref('excluded.post_logout_redirect_uris'),
              scope: eb.ref('excluded.scope'),
              resources: eb.ref('excluded.resources'),
              skip_consent: eb.ref('excluded.skip_consent'),
              jwks: eb.ref('excluded.jwks'),
              auth_method_pinned: eb.ref('excluded.auth_method_pinned'),
              id_token_signed_response_alg: eb.ref('excluded.id_token_signed_response_alg'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute()
      },
      async delete(clientId) {
        // A deleted client's tokens must stop working too, not just its logins.
        return db.transaction().execute(async (trx) => {
          await revokeGrantsWhere(trx, 'client_id', clientId, systemClock.now())
          await trx.deleteFrom('consents').where('client_id', '=', clientId).execute()
          return changed(await trx.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst())
        })
      },
    },

    users: {
      async getById(id) {
        const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
        return row ? rows.user(row) : null
      },
      async getByEmail(email) {
        const row = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()
        return row ? rows.user(row) : null
      },
      async list() {
        return (await db.selectFrom('users').selectAll().orderBy('email').execute()).map(rows.user)
      },
      async upsert(user, now) {
        const row = await db
          .insertInto('users')
          .values({
            id: user.id ?? randomUUID(),
            email: user.email.toLowerCase(),
            email_verified: rows.bool(user.email_verified),
            password_hash: user.password_hash,
            claims: rows.json(user.claims),
            created_at: now,
            updated_at: now,
          })
          // Keyed by email so config-file users keep their `sub` across restarts.
          .onConflict((oc) =>
            oc.column('email').doUpdateSet((eb) => ({
              email_verified: eb.ref('excluded.email_verified'),
              password_hash: eb.ref('excluded.password_hash'),
              claims: eb.ref('excluded.claims'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .returningAll()
          .executeTakeFirstOrThrow()
        return rows.user(row)
      },
      async setPasswordHash(id, passwordHash, now, options = {}) {
        const update = (trx: Db) => trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).executeTakeFirst()
        if (!options.signOut) return changed(await update(db))
        return db.transaction().execute(async (trx) => {
          if (!changed(await update(trx))) return false
          await trx.deleteFrom('sessions').where('user_id', '=', id).execute()
          await revokeGrantsWhere(trx, 'user_id', id, now)
          await trx.updateTable('device_codes').set({ status: 'denied' }).where('user_id', '=', id).where('status', '=', 'approved').execute()
          return true
        })
      },
      async delete(id) {
        // Sessions and consents go with the user (ON DELETE CASCADE); grants are revoked, not
        // deleted, so their access tokens keep reading as revoked until they expire.
        return db.transaction().execute(async (trx) => {
          await revokeGrantsWhere(trx, 'user_id', id, systemClock.now())
          return changed(await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst())
        })
      },
    },

    keys: {
      async list(now) {
        const found = await db
          .selectFrom('signing_keys')
          .selectAll()
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .orderBy('generation', 'desc')
          .execute()
        return found.map(rows.key)
      },
      async latestGeneration() {
        const row = await db.selectFrom('signing_keys').select((eb) => eb.fn.max('generation').as('latest')).executeTakeFirst()
        return Number(row?.latest ?? 0)
      },
      async add(key, retiredExpiresAt, companion) {
        return db.transaction().execute(async (trx) => {
          // The unique generation (of main keys) is the lock: of two nodes adding "the next key", one inserts.
          const inserted = await trx
            .insertInto('signing_keys')
            .values(rows.keyToRow(key))
            .onConflict((oc) => oc.column('generation').where('companion_of', 'is', null).doNothing())
            .returning('kid')
            .executeTakeFirst()
          if (inserted === undefined) return false
          await trx
            .updateTable('signing_keys')
            .set({ retired_at: key.activates_at, expires_at: retiredExpiresAt })
            // Also keys due to retire later (an earlier rotation's): the new key outranks them all.
            .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', key.activates_at)]))
            .where('kid', '!=', key.kid)
            .execute()
          // The companion comes with its main key, in the same commit: no node sees one without the other.
          if (companion) await trx.insertInto('signing_keys').values(rows.keyToRow(companion)).execute()
          return true
        })
      },
      async addCompanion(companion) {
        const inserted = await db
          .insertInto('signing_keys')
          .values(rows.keyToRow(companion))
          .onConflict((oc) => oc.column('companion_of').doNothing())
          .returning('kid')
          .executeTakeFirst()
        return inserted !== undefined
      },
    },


    sessions: {
      async insert(session, condition) {
        const row = rows.sessionToRow(session)
        if (!condition) return (await db.insertInto('sessions').values(row).execute(), true)
        const inserted = await db
          .insertInto('sessions')
          .columns(COLUMNS.sessions)
          .expression(valuesWhere(db, capabilities, COLUMNS.sessions, row, condition))
          .returning('id')
          .executeTakeFirst()
        return inserted !== undefined
      },
      async get(sessionHash, now) {
        const row = await db.selectFrom('sessions').selectAll().where('session_hash', '=', sessionHash).where('expires_at', '>', now).executeTakeFirst()
        return row ? rows.session(row) : null
      },
      async getById(id, now) {
        const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).where('expires_at', '>', now).executeTakeFirst()
        return row ? rows.session(row) : null
      },
      async end(sessionHash, now) {
        return db.transaction().execute(async (trx) => {
          const ended = await trx.deleteFrom('sessions').where('session_hash', '=', sessionHash).returningAll().executeTakeFirst()
          // An expired session ended by itself, which revokes nothing (only its row is left).
          if (!ended || ended.expires_at <= now) return null
          await revokeSessionGrants(trx, ended.id, now, { keepOfflineAccess: true })
          return rows.session(ended)
        })
      },
      async renew(sessionHash, next, now) {
        // One conditional UPDATE: the cookie hash (the primary key) changes, the sid stays.
        const row = await db
          .updateTable('sessions')
          .set({ session_hash: next.session_hash, auth_time: next.auth_time, amr: rows.json(next.amr), expires_at: next.expires_at })
          .where('session_hash', '=', sessionHash)
          .where('user_id', '=', next.user_id)
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst()
        return row ? rows.session(row) : null
      },
    },

    consents: {
      async get(userId, clientId, resource) {
        const found = await db
          .selectFrom('consents')
          .select(['scope', 'granted_at'])
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
          .where('resource', '=', resource ?? NO_RESOURCE)
          .orderBy('granted_at')
          .orderBy('scope')
          .execute()
        if (found.length === 0) return null
        return { user_id: userId, client_id: clientId, resource, scopes: found.map((r) => r.scope), updated_at: Math.max(...found.map((r) => r.granted_at)) }
      },
      async grant(userId, clientId, resource, scopes, now) {
        const unique = [...new Set(scopes)]
        if (unique.length === 0) return
        // One row per scope: the union is an insert that concurrent consents cannot undo.
        await db
          .insertInto('consents')
          .values(unique.map((scope) => ({ user_id: userId, client_id: clientId, resource: resource ?? NO_RESOURCE, scope, granted_at: now })))
          .onConflict((oc) => oc.columns(['user_id', 'client_id', 'resource', 'scope']).doNothing())
          .execute()
      },
    },

    interactions: {
      async insert(interaction) {
        await db.insertInto('interactions').values(rows.interactionToRow(interaction)).execute()
      },
      async get(id, now) {
        const row = await db.selectFrom('interactions').selectAll().where('id', '=', id).where('expires_at', '>', now).executeTakeFirst()
        return row ? rows.interaction(row) : null
      },
      async update(id, patch) {
        const set: Partial<Pick<InteractionsTable, 'user_id' | 'auth_time' | 'session_id' | 'params' | 'expires_at'>> = {}
        if (patch.user_id !== undefined) set.user_id = patch.user_id
        if (patch.auth_time !== undefined) set.auth_time = patch.auth_time
        if (patch.session_id !== undefined) set.session_id = patch.session_id
        if (patch.params !== undefined) set.params = rows.json(patch.params)
        if (patch.expires_at !== undefined) set.expires_at = patch.expires_at
        if (Object.keys(set).length === 0) return
        await db.updateTable('interactions').set(set).where('id', '=', id).execute()
      },
      async take(id, now) {
        // Deleting is the claim: a double-submitted form finds nothing the second time.
        const row = await db.deleteFrom('interactions').where('id', '=', id).where('expires_at', '>', now).returningAll().executeTakeFirst()
        return row ? rows.interaction(row) : null
      },
      async countActive(now, limit) {
        return countUpTo(db, 'interactions', now, limit)
      },
    },

    replay: {
      async record(key, expiresAt, now = systemClock.now()) {
        // Inserted, or taken over from a row that has expired (sweep may not have run yet).
        const row = await db
          .insertInto('replay_keys')
          .values({ key, expires_at: expiresAt })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })).where('replay_keys.expires_at', '<=', now),
          )
          .returning('key')
          .executeTakeFirst()
        return row !== undefined
      },
    },
  }
}
