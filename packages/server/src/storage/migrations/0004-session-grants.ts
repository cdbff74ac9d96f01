/**
 * Indexes for ending a session (OIDC RP-Initiated Logout §2, OIDC Core §11): what was issued within
 * the session is found by its `session_id` (`sid`) when the session ends, so logout touches the
 * session's own grants, unredeemed codes and device approvals instead of scanning every row.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
import type { Kysely, Migration } from 'kysely'

const INDEXES = [
  ['grants_session_id', 'grants'],
  ['authorization_codes_session_id', 'authorization_codes'],
  ['device_codes_session_id', 'device_codes'],
] as const

export const sessionGrants: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const [name, table] of INDEXES) await db.schema.createIndex(name).on(table).column('session_id').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute()
  },
}
