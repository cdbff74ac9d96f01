/**
 * Companion signing keys: an RS256 key that belongs to a signing key of another alg, so ID
 * tokens can be offered in RS256 (OIDC Core §15.1) to the clients that register
 * `id_token_signed_response_alg: RS256` while `tokens.signing_alg` is something else. A companion
 * row names its main key in `companion_of` and shares its `generation`, so the unique generation
 * (the lock that serializes adding keys across nodes) now counts main keys only, and a main key
 * has at most one companion.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ServerMTI
 */
import { sql, type Kysely, type Migration } from 'kysely'

export const companionKeys: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('signing_keys').addColumn('companion_of', 'text').execute()
    await db.schema.dropIndex('signing_keys_generation').execute()
    await db.schema.createIndex('signing_keys_generation').unique().on('signing_keys').column('generation').where(sql.ref('companion_of'), 'is', null).execute()
    await db.schema.createIndex('signing_keys_companion_of').unique().on('signing_keys').column('companion_of').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.deleteFrom('signing_keys').where('companion_of', 'is not', null).execute()
    await db.schema.dropIndex('signing_keys_companion_of').execute()
    await db.schema.dropIndex('signing_keys_generation').execute()
    await db.schema.createIndex('signing_keys_generation').unique().on('signing_keys').column('generation').execute()
    await db.schema.alterTable('signing_keys').dropColumn('companion_of').execute()
  },
}
