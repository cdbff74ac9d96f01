/**
 * Issue 13: the Store contract of passkeys and their ceremonies' challenges, once per dialect
 * (SQLite always; PostgreSQL when it answers). A credential id is unique per tenant; the signature
 * counter only goes up (WebAuthn L3 §6.1.1), also under 20 concurrent uses of one assertion; a
 * challenge is taken once, only by its browser, only unexpired, and the oldest beyond the cap go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase, type TestDialect } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import type { PasskeyChallengeRecord, PasskeyRecord, Store, UserRecord } from './store.js'

const T = 1_700_000_000
const pgUp = await postgresReachable()
const DIALECTS: TestDialect[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite']
if (!pgUp) console.log('skipped: postgres unreachable (passkeys.case.test.ts runs on sqlite only)')

const passkey = (id: string, userId: string, over: Partial<PasskeyRecord> = {}): PasskeyRecord => ({
  credential_id: id, user_id: userId, public_key: 'pQECAyYgASFYIA', sign_count: 0, transports: ['internal'], backup_eligible: false, backed_up: false,
  aaguid: '00000000-0000-0000-0000-000000000000', name: 'Laptop', created_at: T, last_used_at: null, ...over,
})
const challenge = (hash: string, over: Partial<PasskeyChallengeRecord> = {}): PasskeyChallengeRecord => ({
  challenge_hash: hash, browser_hash: 'browser-a', purpose: 'authenticate', interaction_id: 'i1', user_id: null, created_at: T, expires_at: T + 300, ...over,
})

for (const dialect of DIALECTS) {
  describe(`passkeys (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    let alice: UserRecord
    let bob: UserRecord
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      store = await createStore(db.url)
      alice = await store.users.upsert({ email: 'alice@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      bob = await store.users.upsert({ email: 'bob@example.com', email_verified: true, password_hash: null, claims: {} }, T)
    })
    afterAll(async () => {
      await store.close()
      await db.dispose()
    })

    it('WebAuthn L3 §7.1 step 26: a credential id names one user per tenant; find joins its user; another tenant sees nothing', async () => {
      expect(await store.passkeys.insert(passkey('cred-a', alice.id, { transports: ['internal', 'hybrid'], backup_eligible: true }))).toBe('inserted')
      expect(await store.passkeys.insert(passkey('cred-a', bob.id))).toBe('taken')
      const found = await store.passkeys.find('cred-a')
      expect(found?.user.email).toBe('alice@example.com')
      expect(found?.passkey).toEqual(passkey('cred-a', alice.id, { transports: ['internal', 'hybrid'], backup_eligible: true }))
      expect(await store.forTenant('acme').passkeys.find('cred-a')).toBeNull()
      expect(await store.passkeys.find('nobody')).toBeNull()
    })

    it('list, rename and remove only the user\'s own passkeys', async () => {
      await store.passkeys.insert(passkey('cred-b', alice.id, { created_at: T + 5, name: 'Phone' }))
      expect((await store.passkeys.listForUser(alice.id)).map((p) => p.name)).toEqual(['Laptop', 'Phone'])
      expect(await store.passkeys.rename(bob.id, 'cred-b', 'Mine now')).toBe(false)
      expect(await store.passkeys.rename(alice.id, 'cred-b', 'Old phone')).toBe(true)
      expect(await store.passkeys.remove(bob.id, 'cred-b')).toBe(false)
      expect(await store.passkeys.remove(alice.id, 'cred-b')).toBe(true)
      expect((await store.passkeys.listForUser(alice.id)).map((p) => p.credential_id)).toEqual(['cred-a'])
    })

    it('WebAuthn L3 §6.1.1: the counter must go up while non-zero; 0 after 0 is allowed; 20 concurrent uses of one count: one wins', async () => {
      await store.passkeys.insert(passkey('cred-zero', bob.id))
      expect(await store.passkeys.recordUse('cred-zero', 0, false, T + 1)).toBe('used')
      expect(await store.passkeys.recordUse('cred-zero', 0, false, T + 2)).toBe('used')
      expect(await store.passkeys.recordUse('cred-zero', 3, true, T + 3)).toBe('used')
      expect(await store.passkeys.recordUse('cred-zero', 3, true, T + 4)).toBe('counter_regressed')
      expect(await store.passkeys.recordUse('cred-zero', 0, true, T + 4)).toBe('counter_regressed')
      expect(await store.passkeys.recordUse('cred-zero', 2, true, T + 4)).toBe('counter_regressed')
      expect((await store.passkeys.find('cred-zero'))?.passkey).toMatchObject({ sign_count: 3, backed_up: true, last_used_at: T + 3 })
      const results = await Promise.all(Array.from({ length: 20 }, () => store.passkeys.recordUse('cred-zero', 4, true, T + 5)))
      expect(results.filter((r) => r === 'used')).toHaveLength(1)
      expect(await store.passkeys.recordUse('missing', 9, false, T + 5)).toBe('unknown')
    })

    it('a passkey goes with its user', async () => {
      const carol = await store.users.upsert({ email: 'carol@example.com', email_verified: true, password_hash: null, claims: {} }, T)
      await store.passkeys.insert(passkey('cred-carol', carol.id))
      expect(await store.users.delete(carol.id, T + 1)).toBe(true)
      expect(await store.passkeys.find('cred-carol')).toBeNull()
    })

    it('challenges: taken once, by their browser and purpose only, unexpired only; capped per interaction and per user; swept', async () => {
      await store.passkeys.insertChallenge(challenge('c1'), 5)
      expect(await store.passkeys.takeChallenge('c1', 'browser-b', 'authenticate', T)).toBeNull()
      expect(await store.passkeys.takeChallenge('c1', 'browser-a', 'register', T)).toBeNull()
      expect(await store.forTenant('acme').passkeys.takeChallenge('c1', 'browser-a', 'authenticate', T)).toBeNull()
      expect(await store.passkeys.takeChallenge('c1', 'browser-a', 'authenticate', T + 300)).toBeNull()
      expect(await store.passkeys.takeChallenge('c1', 'browser-a', 'authenticate', T + 1)).toEqual(challenge('c1'))
      expect(await store.passkeys.takeChallenge('c1', 'browser-a', 'authenticate', T + 1)).toBeNull()
      for (let i = 0; i < 4; i++) await store.passkeys.insertChallenge(challenge(`cap-${i}`, { interaction_id: 'i2', created_at: T + i }), 3)
      for (let i = 0; i < 4; i++) await store.passkeys.insertChallenge(challenge(`reg-${i}`, { purpose: 'register', interaction_id: null, user_id: alice.id, created_at: T + i }), 2)
      const left = async (prefix: string, n: number, purpose: PasskeyChallengeRecord['purpose']) => {
        const out: string[] = []
        for (let i = 0; i < n; i++) if (await store.passkeys.takeChallenge(`${prefix}-${i}`, 'browser-a', purpose, T + 10)) out.push(`${prefix}-${i}`)
        return out
      }
      expect(await left('cap', 4, 'authenticate')).toEqual(['cap-1', 'cap-2', 'cap-3'])
      expect(await left('reg', 4, 'register')).toEqual(['reg-2', 'reg-3'])
      await store.passkeys.insertChallenge(challenge('old', { interaction_id: 'i3', expires_at: T + 300 }), 5)
      expect((await store.sweep(T + 300)).passkey_challenges).toBe(1)
    })
  })
}
