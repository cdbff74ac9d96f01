/**
 * Request facts that only a Node `IncomingMessage` can tell, shared by the Express and Fastify
 * adapters:
 * - whether `Authorization` was sent more than once: Node keeps only the first value in
 *   `req.headers` and silently drops the others, so `rawHeaders` is counted (RFC 6750 §3.1: more
 *   than one way of sending the token is `invalid_request`, and so are two headers);
 * - whether a form body parsed earlier in the chain carries `access_token` (RFC 6750 §2.2, which
 *   this package does not accept).
 * Type-only Node imports: nothing here loads a module.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import type { IncomingMessage } from 'node:http'

/** The `Authorization` value, or every value when the request carried the header more than once. */
export function authorizationOf(req: IncomingMessage): string | string[] | undefined {
  const value = req.headers.authorization
  if (value === undefined) return undefined
  const raw = req.rawHeaders
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++
  }
  if (count <= 1) return value
  const values: string[] = []
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === 'authorization') values.push(raw[i + 1] as string)
  return values
}

/** Whether an already parsed `application/x-www-form-urlencoded` body has an `access_token`. */
export function formBodyHasAccessToken(req: IncomingMessage, body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  const type = req.headers['content-type']
  if (type === undefined || !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return false
  return Object.hasOwn(body, 'access_token')
}
