/**
 * Issue 13: the Store contract of MFA (`store.mfa`, migration 0015), once per dialect (SQLite
 * always; PostgreSQL when it answers). Each single-use rule is one conditional statement, so it
 * holds under concurrency: 20 parallel acceptances of one TOTP step, 20 parallel uses of one
 * recovery code, 20 parallel takes of one challenge each succeed exactly once, and parallel wrong
 * answers never exceed the account's budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, type TestDatabase, type TestDialect } from '../../test/support/database.js'
import { createStore } from './kysely-store.js'
import type { Store } from './store.js'

const T = 1_700_000_000
const pgUp = await postgresReachable()
const DIALECTS: TestDialect[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite']
if (!pgUp) console.log('skipped: postgres unreachable (mfa.case.test.ts runs on sqlite only)')

const count = (results: boolean[]) => results.filter(Boolean).length

for (const dialect of DIALECTS) {
  describe(`store.mfa (${dialect})`, () => {
    let db: TestDatabase
    let store: Store
    let user: string
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      store = await createStore(db.url)
      user = (await store.users.upsert({ email: 'mfa@example.com', email_verified: true, password_hash: null, claims: {} }, T)).id
    })
    afterAll(async () => {
      await store.close()
      await db.dispose()
    })

    it('enrolment: begun (replaceable while unconfirmed), confirmed once with its first step; a confirmed one is never replaced', async () => {
      expect(await store.mfa.beginTotp(user, 'jwe-1', T)).toBe(true)
      expect(await store.mfa.beginTotp(user, 'jwe-2', T + 1)).toBe(true)
      expect(await store.mfa.totp(user)).toMatchObject({ secret_encrypted: 'jwe-2', confirmed_at: null, last_step: null })
      expect(await store.mfa.acceptStep(user, 5)).toBe(false)
      expect(await store.mfa.confirmTotp(user, 100, T + 2)).toBe(true)
      expect(await store.mfa.confirmTotp(user, 101, T + 3)).toBe(false)
      expect(await store.mfa.beginTotp(user, 'jwe-3', T + 4)).toBe(false)
      expect(await store.mfa.totp(user)).toMatchObject({ secret_encrypted: 'jwe-2', confirmed_at: T + 2, last_step: 100 })
      expect(await store.forTenant('other').mfa.totp(user)).toBeNull()
    })

    it('RFC 6238 §5.2: a time step is accepted once and only after the last; 20 parallel acceptances of one step, one wins', async () => {
      expect(await store.mfa.acceptStep(user, 100)).toBe(false)
      expect(await store.mfa.acceptStep(user, 99)).toBe(false)
      expect(count(await Promise.all(Array.from({ length: 20 }, () => store.mfa.acceptStep(user, 102))))).toBe(1)
      expect(await store.mfa.acceptStep(user, 101)).toBe(false)
      expect((await store.mfa.totp(user))?.last_step).toBe(102)
    })

    it('the wrong-answer budget is reserved before the check: 20 parallel reservations against a limit of 10 get 10; the window and forgive reopen it', async () => {
      const reserved = (r: number | null) => r !== null
      expect(count((await Promise.all(Array.from({ length: 20 }, () => store.mfa.reserveAttempt(user, T, 900, 10, 100)))).map(reserved))).toBe(10)
      expect(await store.mfa.reserveAttempt(user, T + 899, 900, 10, 100)).toBeNull()
      expect(await store.mfa.reserveAttempt(user, T + 900, 900, 10, 100)).toBe(11)
      await store.mfa.forgive(user)
      expect(await store.mfa.totp(user)).toMatchObject({ failures: 0, consecutive_failures: 0 })
    })

    it('NIST SP 800-63B §5.2.2: consecutive wrong answers never refill with time; at the lock limit nothing more is reserved (20 parallel against 5 get 5) until unlock', async () => {
      const reserved = (r: number | null) => r !== null
      expect(count((await Promise.all(Array.from({ length: 20 }, (_, i) => store.mfa.reserveAttempt(user, T + 10_000 + i, 900, 100, 5)))).map(reserved))).toBe(5)
      expect(await store.mfa.reserveAttempt(user, T + 10_000_000, 900, 100, 5)).toBeNull()
      expect((await store.mfa.totp(user))?.consecutive_failures).toBe(5)
      await store.mfa.unlock(user)
      expect(await store.mfa.reserveAttempt(user, T + 10_000_001, 900, 100, 5)).toBe(1)
      await store.mfa.forgive(user)
    })

    it('NIST SP 800-63B §5.1.2.2: a recovery code is used once (20 parallel uses, one wins); replacing them voids the old ones', async () => {
      await store.mfa.replaceRecoveryCodes(user, ['h1', 'h2', 'h3'], T)
      expect(await store.mfa.recoveryCodesLeft(user)).toBe(3)
      expect(count(await Promise.all(Array.from({ length: 20 }, () => store.mfa.useRecoveryCode(user, 'h1', T))))).toBe(1)
      expect(await store.mfa.recoveryCodesLeft(user)).toBe(2)
      expect(await store.mfa.useRecoveryCode(user, 'nope', T)).toBe(false)
      await store.mfa.replaceRecoveryCodes(user, ['h4'], T)
      expect(await store.mfa.useRecoveryCode(user, 'h2', T)).toBe(false)
      expect(await store.mfa.recoveryCodesLeft(user)).toBe(1)
    })

    it('a challenge is taken once and only with its browser hash; failures drop it at the limit; it goes with its interaction', async () => {
      const interaction = (id: string) => store.interactions.insert({ id, kind: 'authorization', client_id: 'rp', params: {}, user_id: null, auth_time: null, session_id: null, created_at: T, expires_at: T + 600 })
      const challenge = (id: string) => ({ interaction_id: id, user_id: user, browser_hash: 'browser-a', amr: ['pwd'], auth_time: T, password_stamp: 's', failures: 0, created_at: T })
      const [a, b, c] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000c']
      for (const id of [a, b, c]) {
        await interaction(id)
        await store.mfa.putChallenge(challenge(id))
      }
      expect(await store.mfa.getChallenge(a)).toMatchObject({ amr: ['pwd'], auth_time: T })
      expect(await store.mfa.takeChallenge(a, 'browser-b')).toBeNull()
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.mfa.takeChallenge(a, 'browser-a')))
      expect(taken.filter((t) => t !== null)).toHaveLength(1)
      expect(await store.mfa.failChallenge(b, 3)).toBe(1)
      // A new first factor replaces the challenge but keeps its failures.
      await store.mfa.putChallenge({ ...challenge(b), browser_hash: 'browser-c' })
      expect(await store.mfa.failChallenge(b, 3)).toBe(2)
      expect(await store.mfa.failChallenge(b, 3)).toBe(3)
      expect(await store.mfa.getChallenge(b)).toBeNull()
      expect(await store.interactions.take(c, T)).not.toBeNull()
      expect(await store.mfa.getChallenge(c)).toBeNull()
    })

    it('security review L3: a challenge\'s enrolment secret is set once, only for its browser; a new first factor (another browser) clears it; confirmTotpWith confirms that secret, never over a confirmed one', async () => {
      const id = '00000000-0000-4000-8000-00000000000d'
      await store.interactions.insert({ id, kind: 'authorization', client_id: 'rp', params: {}, user_id: null, auth_time: null, session_id: null, created_at: T, expires_at: T + 600 })
      const challenge = { interaction_id: id, user_id: user, browser_hash: 'browser-a', amr: ['pwd'], auth_time: T, password_stamp: 's', failures: 0, created_at: T }
      await store.mfa.putChallenge(challenge)
      expect((await store.mfa.getChallenge(id))?.enrol_secret_encrypted).toBeNull()
      expect(await store.mfa.setEnrolSecret(id, 'browser-b', 'jwe-b')).toBe(false)
      expect(count(await Promise.all(Array.from({ length: 10 }, (_, i) => store.mfa.setEnrolSecret(id, 'browser-a', `jwe-a${i}`))))).toBe(1)
      expect((await store.mfa.getChallenge(id))?.enrol_secret_encrypted).toMatch(/^jwe-a\d$/)
      await store.mfa.putChallenge({ ...challenge, browser_hash: 'browser-c' })
      expect((await store.mfa.getChallenge(id))?.enrol_secret_encrypted).toBeNull()
      const other = (await store.users.upsert({ email: 'mfa-l3@example.com', email_verified: true, password_hash: null, claims: {} }, T)).id
      expect(await store.mfa.beginTotp(other, 'jwe-seen-elsewhere', T)).toBe(true)
      expect(await store.mfa.confirmTotpWith(other, 'jwe-own', 7, T + 1)).toBe(true)
      expect(await store.mfa.totp(other)).toMatchObject({ secret_encrypted: 'jwe-own', last_step: 7, confirmed_at: T + 1, consecutive_failures: 0 })
      expect(await store.mfa.confirmTotpWith(other, 'jwe-later', 8, T + 2)).toBe(false)
      expect((await store.mfa.totp(other))?.secret_encrypted).toBe('jwe-own')
    })

    it('policies per client and organization; removing TOTP removes the recovery codes', async () => {
      await store.mfa.setRequired('client', 'rp', true, T)
      await store.mfa.setRequired('client', 'rp', true, T)
      expect(await store.mfa.required('client', 'rp')).toBe(true)
      expect(await store.mfa.required('organization', 'rp')).toBe(false)
      await store.mfa.setRequired('organization', 'acme', true, T)
      expect(await store.mfa.anyRequired('organization', ['other', 'acme'])).toBe(true)
      expect(await store.mfa.anyRequired('organization', ['other'])).toBe(false)
      expect(await store.mfa.anyRequired('organization', [])).toBe(false)
      expect(await store.forTenant('other').mfa.anyRequired('organization', ['acme'])).toBe(false)
      expect(await store.forTenant('other').mfa.required('client', 'rp')).toBe(false)
      await store.mfa.setRequired('client', 'rp', false, T)
      expect(await store.mfa.required('client', 'rp')).toBe(false)
      expect(await store.mfa.removeTotp(user)).toBe(true)
      expect(await store.mfa.totp(user)).toBeNull()
      expect(await store.mfa.recoveryCodesLeft(user)).toBe(0)
      expect(await store.mfa.removeTotp(user)).toBe(false)
    })
  })
}
