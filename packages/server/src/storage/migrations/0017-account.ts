/**
 * Issue 13, the account page: `sessions.user_agent`, the User-Agent of the browser a session was
 * signed in from (truncated to `USER_AGENT_MAX` characters before it is written), so "Active
 * sessions" can describe each device. Nullable: sessions started before this migration, or by a
 * client that sent no User-Agent, have none. The listing of a user's sessions reads
 * `sessions_user_id` (0001); nothing to rebuild on SQLite (an added nullable column).
 */
import type { Kysely, Migration } from 'kysely'

export const account: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('user_agent').execute()
  },
}
