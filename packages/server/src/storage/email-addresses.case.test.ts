/**
 * Issue 13: the Store contract of `emailAddresses` (passwordless sign-in verifies an address; the
 * account page's change of email replaces one), once per dialect (SQLite always; PostgreSQL when it
 * answers), as store.case.test.ts does. Both are conditional on the address the mail went to, and
 * two users racing for one address end with one owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase, type TestDialect } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import type { Store } from './store.js'

const T = 1_700_000_000
const pgUp = await postgresReachable()
const DIALECTS: TestDialect[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite']
if (!pgUp) console.log('skipped: postgres unreachable (email-addresses.case.test.ts runs on sqlite only)')

for (const dialect of DIALECTS) {
  describe(`email addresses (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      store = await createStore(db.url)
    })
    afterAll(async () => {
      await store.close()
      await db.dispose()
    })

    const user = (email: string) => store.users.upsert({ email, email_verified: false, password_hash: null, claims: {} }, T)

    it('verify: only while the user still has that address, and per tenant', async () => {
      const ann = await user('ann@example.com')
      expect(await store.emailAddresses.verify(ann.id, 'old@example.com', T + 1)).toBe(false)
      expect(await store.forTenant('acme').emailAddresses.verify(ann.id, 'ann@example.com', T + 1)).toBe(false)
      expect((await store.users.getById(ann.id))?.email_verified).toBe(false)
      expect(await store.emailAddresses.verify(ann.id, 'Ann@Example.com', T + 1)).toBe(true)
      expect(await store.users.getById(ann.id)).toMatchObject({ email_verified: true, updated_at: T + 1 })
    })

    it('change: verified, from the address the user still has; taken, unchanged and missing change nothing', async () => {
      const bo = await user('bo@example.com')
      const cy = await user('cy@example.com')
      expect(await store.emailAddresses.change(bo.id, 'bo@example.com', 'CY@example.com', T + 2)).toBe('taken')
      expect(await store.emailAddresses.change(bo.id, 'bo@example.com', 'bo@example.com', T + 2)).toBe('unchanged')
      expect(await store.emailAddresses.change(bo.id, 'not-bo@example.com', 'bo.new@example.com', T + 2)).toBe('missing')
      expect(await store.emailAddresses.change('no-such-user', 'bo@example.com', 'bo.new@example.com', T + 2)).toBe('missing')
      expect((await store.users.getById(bo.id))?.email).toBe('bo@example.com')
      expect(await store.emailAddresses.change(bo.id, 'bo@example.com', 'Bo.New@example.com', T + 3)).toBe('changed')
      expect(await store.users.getById(bo.id)).toMatchObject({ email: 'bo.new@example.com', email_verified: true, updated_at: T + 3 })
      expect(await store.users.getByEmail('bo@example.com')).toBeNull()
      expect((await store.users.getById(cy.id))?.email).toBe('cy@example.com')
    })

    it('two users changing to one address at once: one gets it, the other is told taken', async () => {
      const [dee, eli] = await Promise.all([user('dee@example.com'), user('eli@example.com')])
      const results = await Promise.all([
        store.emailAddresses.change(dee.id, 'dee@example.com', 'shared@example.com', T + 4),
        store.emailAddresses.change(eli.id, 'eli@example.com', 'shared@example.com', T + 4),
      ])
      expect(results.sort()).toEqual(['changed', 'taken'])
      expect((await store.users.list()).filter((u) => u.email === 'shared@example.com')).toHaveLength(1)
    })
  })
}
