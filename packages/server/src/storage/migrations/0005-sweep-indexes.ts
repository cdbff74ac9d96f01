/**
 * An index for the grant sweep (`repositories/sweep.ts`): it looks for grants created before a
 * cut-off whose tokens and codes are all gone, and without this index each sweep on each node
 * would read the whole `grants` table. The other tables it trims are indexed on `expires_at`
 * since `0001-initial`, and its existence checks use `refresh_tokens_grant_id` and
 * `authorization_codes_grant_id`.
 *
 * @see https://kysely.dev/docs/migrations
 */
import type { Kysely, Migration } from 'kysely'

export const sweepIndexes: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex('grants_created_at').on('grants').column('created_at').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('grants_created_at').execute()
  },
}
