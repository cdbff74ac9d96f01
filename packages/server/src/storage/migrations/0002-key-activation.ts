/**
 * Signing keys get an `activates_at` and a `generation`, for rotation across several nodes:
 * - `activates_at`: a rotated-in key is published in JWKS first and signs only from this time on,
 *   so every node (and every relying party's JWKS cache) knows it before a token carries its kid
 *   (OIDC Core §10.1.1: "the new key" must be published before it is used).
 * - `generation`: a unique, increasing number per key. Adding a key claims the next generation,
 *   so two nodes cold-starting on an empty database, or two concurrent rotations, cannot both
 *   install a key: the second insert conflicts and that node adopts the winner's key.
 * Existing keys keep their order: generation by (created_at, kid), active since creation.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import { sql, type Kysely, type Migration } from 'kysely'

export const keyActivation: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('signing_keys').addColumn('activates_at', 'bigint').execute()
    await db.schema.alterTable('signing_keys').addColumn('generation', 'bigint').execute()
    await sql`UPDATE signing_keys SET activates_at = created_at,
      generation = (SELECT COUNT(*) FROM signing_keys AS earlier
        WHERE earlier.created_at < signing_keys.created_at
           OR (earlier.created_at = signing_keys.created_at AND earlier.kid <= signing_keys.kid))`.execute(db)
    await db.schema.createIndex('signing_keys_generation').unique().on('signing_keys').column('generation').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('signing_keys_generation').execute()
    await db.schema.alterTable('signing_keys').dropColumn('generation').execute()
    await db.schema.alterTable('signing_keys').dropColumn('activates_at').execute()
  },
}
