/**
 * Issue 11: an organization's branding (`organizations.branding`, a JSON object of the resolved
 * keys of config/branding.ts, its stylesheet as text), which overrides its tenant's on the pages of
 * a request for the organization. `{}`: the tenant's look. Read on its own by primary key
 * (`organizations.branding(id)`), never by the membership reads of token issuance.
 */
import type { Kysely, Migration } from 'kysely'

export const organizationBranding: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('organizations').addColumn('branding', 'text', (c) => c.notNull().defaultTo('{}')).execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('organizations').dropColumn('branding').execute()
  },
}
