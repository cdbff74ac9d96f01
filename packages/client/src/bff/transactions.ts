/**
 * Sign-in transactions between `/auth/login` and `/auth/callback`: the state, nonce and PKCE
 * code verifier of one authorization request, kept in the `SessionStore` under a random id that
 * the browser holds in a short-lived HttpOnly cookie. Binding the transaction to the browser
 * that started it is what makes `state` a CSRF defence (RFC 6749 §10.12): a callback URL
 * replayed or planted in another browser finds no transaction. Each is taken once: read and
 * deleted before the code is exchanged, so a replayed callback finds nothing either (the code
 * is single-use at the OP as well, RFC 6749 §4.1.2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
import type { AuthorizationTransaction } from '../authorization-code.js'
import { isRandomId, randomId } from './sessions.js'
import { isTransactionRecord, type TransactionRecord } from './session.js'
import type { SessionStore } from './session-store.js'

/** Stores `transaction` for `ttlSeconds` and returns its new random id (the cookie value). */
export async function saveTransaction(store: SessionStore, transaction: AuthorizationTransaction, ttlSeconds: number): Promise<string> {
  const id = randomId()
  const record: TransactionRecord = { v: 1, transaction }
  await store.set(`tx:${id}`, record, ttlSeconds)
  return id
}

/** The transaction `id` names, removed from the store so it can be used only once; `null` if none. */
export async function takeTransaction(store: SessionStore, id: unknown): Promise<AuthorizationTransaction | null> {
  if (!isRandomId(id)) return null
  const value = await store.get(`tx:${id}`)
  await store.delete(`tx:${id}`)
  return isTransactionRecord(value) ? value.transaction : null
}
