/**
 * The grant registry: `grant_type` value → handler. The token endpoint looks grants up here and
 * discovery lists exactly these keys, so a grant is supported iff it is in this table. The keys
 * are checked by the compiler against `GRANT_TYPE_NAMES` (rules/registry-names.ts), the list the
 * config schema accepts: a name on one side only does not compile (table.test.ts also checks
 * that each handler answers to its key).
 * A new grant type is one file in `grants/`, its name in `GRANT_TYPE_NAMES` and one line here.
 */
import type { GrantType } from '../rules/registry-names.js'
import { authorizationCodeGrant } from './authorization-code.js'
import { clientCredentialsGrant } from './client-credentials.js'
import { deviceCodeGrant } from './device-code.js'
import type { GrantHandler } from './grant.js'
import { passwordGrant } from './password.js'
import { refreshTokenGrant } from './refresh-token.js'
import { tokenExchangeGrant } from './token-exchange.js'

export const GRANTS: Readonly<Record<GrantType, GrantHandler>> = Object.freeze({
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
  'urn:ietf:params:oauth:grant-type:device_code': deviceCodeGrant,
  'urn:ietf:params:oauth:grant-type:token-exchange': tokenExchangeGrant,
  password: passwordGrant,
} satisfies Record<GrantType, GrantHandler>)

/** The handler of a request's `grant_type`, or `undefined` (own keys only, so never `__proto__`). */
export function grantFor(grantType: string): GrantHandler | undefined {
  return Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType as GrantType] : undefined
}
