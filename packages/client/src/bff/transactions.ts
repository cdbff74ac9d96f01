/**
 * Sign-in transactions between `/auth/login` and `/auth/callback`: the state, nonce and PKCE
 * code verifier of one authorization request, kept in the transaction store under
 * `tx:<browser id>:<state>`. The browser id is a random value in a short-lived HttpOnly cookie,
 * reused by every sign-in the browser starts while it lives.
 *
 * - Binding the transaction to the browser that started it is what makes `state` a CSRF defence
 *   (RFC 6749 §10.12): a callback URL replayed or planted in another browser finds no transaction.
 * - Keying it by `state` as well means a callback is matched to its own transaction before
 *   anything is removed: a forged or stale callback (a cross-site navigation to `/auth/callback`)
 *   finds nothing and removes nothing, so the sign-in the user has pending still completes; and
 *   two tabs signing in at once each find their own.
 * - Each is taken once: read and deleted before the code is exchanged, so a replayed callback
 *   finds nothing either (the code is single-use at the OP as well, RFC 6749 §4.1.2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
import type { AuthorizationTransaction } from '../authorization-code.js'
import { isRandomId, randomId } from './sessions.js'
import { isTransactionRecord, type TransactionRecord } from './session.js'
import type { SessionStore } from './session-store.js'

/** What a `state` must look like to be looked up (the core's are 43 base64url characters). */
const STATE = /^[A-Za-z0-9_-]{16,128}$/

function key(browserId: string, state: string): string {
  return `tx:${browserId}:${state}`
}

/**
 * Stores `transaction` for `ttlSeconds` under this browser's id (`browserId` from its cookie when
 * it has a valid one, else a new one) and returns the id, the cookie value to (re)set.
 */
export async function saveTransaction(store: SessionStore, browserId: unknown, transaction: AuthorizationTransaction, ttlSeconds: number): Promise<string> {
  if (!STATE.test(transaction.state)) throw new TypeError('saveTransaction: unexpected state format')
  const id = isRandomId(browserId) ? browserId : randomId()
  const record: TransactionRecord = { v: 1, transaction }
  await store.set(key(id, transaction.state), record, ttlSeconds)
  return id
}

/**
 * The transaction this browser (`browserId`, from its cookie) started with `state` (from the
 * callback URL), removed from the store so it is used once; `null`, and nothing removed, when
 * there is none.
 */
export async function takeTransaction(store: SessionStore, browserId: unknown, state: unknown): Promise<AuthorizationTransaction | null> {
  if (!isRandomId(browserId) || typeof state !== 'string' || !STATE.test(state)) return null
  const value = await store.get(key(browserId, state))
  if (!isTransactionRecord(value) || value.transaction.state !== state) return null
  await store.delete(key(browserId, state))
  return value.transaction
}
