/**
 * Issue 13: self-service accounts.
 * - `email_tokens`: the links and codes Latch mails (sign-up verification, password reset; issue
 *   13's passwordless sign-in and email change reuse it), keyed by a random `id`. `token_hash` is
 *   SHA-256 of a link's token (32 random bytes) or an HMAC of a code keyed from LATCH_SECRET over
 *   the row's id (a per-row salt), never the token or code itself. `browser_hash` binds a row to
 *   the browser that asked (SHA-256 of a cookie's value); `attempts` counts wrong guesses of a
 *   code. Single use is one conditional UPDATE (`used_at IS NULL AND expires_at > now`); rows are
 *   swept at `expires_at`.
 * - `users.verification_pending` (0/1): an account created by sign-up whose email is not verified
 *   yet cannot sign in; swept when it stays unverified (repositories/sweep.ts).
 * - `clients.sign_up` (NULL, 0, 1): the client's `sign_up` override of the tenant's `sign_up.enabled`.
 *
 * New columns with defaults and a new table: nothing to rebuild on SQLite.
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const selfService: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('email_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('browser_hash', 'text')
      .addColumn('interaction_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('expires_at', EPOCH, (c) => c.notNull())
      .addColumn('used_at', EPOCH)
      .execute()
    await db.schema.createIndex('email_tokens_token_hash').on('email_tokens').columns(['token_hash']).execute()
    await db.schema.createIndex('email_tokens_email').on('email_tokens').columns(['tenant_id', 'email', 'purpose']).execute()
    await db.schema.createIndex('email_tokens_expires_at').on('email_tokens').column('expires_at').execute()
    await db.schema.alterTable('users').addColumn('verification_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema.createIndex('users_verification_pending').on('users').columns(['verification_pending', 'created_at']).execute()
    await db.schema.alterTable('clients').addColumn('sign_up', 'integer').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').dropColumn('sign_up').execute()
    await db.schema.dropIndex('users_verification_pending').execute()
    await db.schema.alterTable('users').dropColumn('verification_pending').execute()
    await db.schema.dropTable('email_tokens').execute()
  },
}
