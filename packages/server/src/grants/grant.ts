/**
 * What a grant type is to the token endpoint: its `grant_type` value, the parameters it reads
 * (the endpoint passes only these, RFC 6749 §3.2 / oidc-provider's `parameters`), and a handler
 * from a validated `TokenRequest` to a `TokenResponseBody` or an `OAuthError`. Grants never see
 * HTTP, so they are testable with a store and a clock alone.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import type { LatchContext } from '../context.js'
import type { GrantType } from '../rules/registry-names.js'
import type { ClientRecord } from '../storage/store.js'

export interface TokenRequest {
  /** Only the grant's declared parameters, single-valued, non-empty. */
  params: Readonly<Record<string, string>>
  /** The authenticated client (already checked to be allowed this grant type). */
  client: ClientRecord
  ctx: LatchContext
  /** Client IP (for throttling the password grant); from the socket unless `trust_proxy`. */
  ip: string
}

/** RFC 6749 §5.1 / OIDC Core §3.1.3.3 / RFC 8693 §2.2.1 token response; wire names. */
export interface TokenResponseBody {
  access_token: string
  /** RFC 8693 §2.2.1: what `access_token` holds, on token exchange responses only. */
  issued_token_type?: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
  refresh_token?: string
  id_token?: string
}

export interface GrantHandler {
  readonly grantType: GrantType
  readonly parameters: readonly string[]
  handle(request: TokenRequest): Promise<TokenResponseBody>
}
