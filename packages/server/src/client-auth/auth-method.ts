/**
 * Client authentication at the token, revocation, introspection and device authorization
 * endpoints, as a table of methods named by their `token_endpoint_auth_method` value
 * (RFC 7591 §2). Each method says whether a request *presents* it and, if so, authenticates the
 * client. A request presenting more than one method is rejected (RFC 6749 §2.3: "MUST NOT use
 * more than one authentication method in each request").
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
import type { LatchContext } from '../context.js'
import type { ClientRecord } from '../storage/store.js'

export interface ClientAuthInput {
  /** Form parameters (duplicates already rejected). */
  params: Record<string, string>
  authorization: string | undefined
}

export interface ClientAuthMethod {
  name: ClientRecord['token_endpoint_auth_method']
  /** The client_id this request claims with this method, or null when it does not use it. */
  presentedClientId(input: ClientAuthInput): string | null
  /** Throws InvalidClientError when the credentials are wrong. */
  authenticate(input: ClientAuthInput, client: ClientRecord, ctx: LatchContext): Promise<void>
}
