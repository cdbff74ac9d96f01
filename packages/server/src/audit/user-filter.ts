/**
 * Issue 14: the audit records of one user, as `latch audit list --user` and the admin API's `user`
 * filter find them (one implementation for both). `value` is an email (it has an `@`) or a user id:
 * - the user's records as actor or as subject, matched by type and id (`{ type: 'user', id }`), so
 *   that a client, key or session with the same id is never taken for the user (security review);
 * - the failed sign-ins of the account, which name it only by its keyed hash
 *   (`users/login-throttle.ts` `accountTagOf`: `{ type: 'account', id: hash }`), found even when no
 *   such user exists (someone guessing at an email). For a user id, the hash of the user's email.
 * An unknown id still matches records naming it (a deleted user's history).
 * `keySecret` is the tenant's (`tenantKeySecret(secret, tenant)`): the hash matches the server's
 * only when both use the same `LATCH_SECRET`.
 */
import type { AuditFilter, Store } from '../storage/store.js'
import { accountTagOf } from '../users/login-throttle.js'

export type AuditUserFilter = Pick<AuditFilter, 'subjects' | 'actor' | 'subjectOrActor'>

export async function auditUserFilter(users: Pick<Store['users'], 'getByEmail' | 'getById'>, keySecret: string, value: string): Promise<AuditUserFilter> {
  const typed = value.trim()
  // A NUL never reaches a query (PostgreSQL refuses it in text): no user has it.
  const usable = !typed.includes('\u0000') && typed !== ''
  if (typed.includes('@')) {
    const email = typed.toLowerCase()
    const user = usable ? await users.getByEmail(email) : null
    const hash = accountTagOf(keySecret, email)
    if (user === null) return { subjects: [{ type: 'account', id: hash }] }
    return { subjects: [{ type: 'user', id: user.id }, { type: 'account', id: hash }], actor: { type: 'user', id: user.id }, subjectOrActor: true }
  }
  const user = usable ? await users.getById(typed) : null
  const subjects: NonNullable<AuditFilter['subjects']>[number][] = [{ type: 'user', id: typed }]
  if (user !== null) subjects.push({ type: 'account', id: accountTagOf(keySecret, user.email.toLowerCase()) })
  return { subjects, actor: { type: 'user', id: typed }, subjectOrActor: true }
}
