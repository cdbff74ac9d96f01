/**
 * Organizations (issue 10): a user acts in the context of one organization, and every token of
 * such a grant says which (`org_id`, `org_roles`).
 * - `organizations`: id (`[a-z0-9-]{1,64}`, stable: it appears in tokens), name, email domains
 *   whose verified users join on sign-in (JSON array).
 * - `organization_members`: one row per (organization, user) with the member's roles (JSON
 *   array); the primary key is the one read a token issuance needs, and the index on `user_id`
 *   serves the picker's list of a user's organizations.
 * - `users.roles` and `users.attributes`: free roles and custom attributes (config `users[].roles`,
 *   `users[].claims`) for the claims hook and the scope template parameters.
 * - `grants.organization_id`, `authorization_codes.organization_id`: a code carries the
 *   organization into the grant it opens (and into the tombstone a revocation writes from it).
 *   No foreign key: a deleted organization's grants are revoked, and their rows keep the id.
 * - `clients.organization_required`, `clients.organizations`: client metadata.
 * - `grants.family_id`: a grant opened by token exchange (RFC 8693) from another grant's refresh
 *   token names the first grant of that family, so revoking any member revokes them all (a replayed
 *   refresh token or a revocation reaches every organization the family was exchanged into).
 */
import type { Kysely, Migration } from 'kysely'

/** Integer epoch seconds (see 0001-initial). */
const EPOCH = 'bigint'

export const organizations: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('organizations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('domains', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('updated_at', EPOCH, (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('organization_members')
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', EPOCH, (c) => c.notNull())
      .addColumn('updated_at', EPOCH, (c) => c.notNull())
      .addPrimaryKeyConstraint('organization_members_pkey', ['organization_id', 'user_id'])
      .execute()
    await db.schema.createIndex('organization_members_user_id').on('organization_members').column('user_id').execute()
    await db.schema.alterTable('users').addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]')).execute()
    await db.schema.alterTable('users').addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}')).execute()
    await db.schema.alterTable('grants').addColumn('organization_id', 'text').execute()
    await db.schema.alterTable('grants').addColumn('family_id', 'text').execute()
    await db.schema.createIndex('grants_family_id').on('grants').column('family_id').execute()
    await db.schema.alterTable('authorization_codes').addColumn('organization_id', 'text').execute()
    await db.schema.alterTable('clients').addColumn('organization_required', 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await db.schema.alterTable('clients').addColumn('organizations', 'text').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').dropColumn('organizations').execute()
    await db.schema.alterTable('clients').dropColumn('organization_required').execute()
    await db.schema.alterTable('authorization_codes').dropColumn('organization_id').execute()
    await db.schema.dropIndex('grants_family_id').execute()
    await db.schema.alterTable('grants').dropColumn('family_id').execute()
    await db.schema.alterTable('grants').dropColumn('organization_id').execute()
    await db.schema.alterTable('users').dropColumn('attributes').execute()
    await db.schema.alterTable('users').dropColumn('roles').execute()
    await db.schema.dropTable('organization_members').execute()
    await db.schema.dropTable('organizations').execute()
  },
}
