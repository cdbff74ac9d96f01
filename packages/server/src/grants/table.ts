/**
 * The grant registry: `grant_type` value → handler. The token endpoint looks grants up here and
 * discovery lists exactly these keys, so a grant is supported iff it is in this table.
 * A new grant type is one file in `grants/` and one line here.
 */
import { authorizationCodeGrant } from './authorization-code.js'
import { clientCredentialsGrant } from './client-credentials.js'
import { deviceCodeGrant } from './device-code.js'
import type { GrantHandler } from './grant.js'
import { passwordGrant } from './password.js'
import { refreshTokenGrant } from './refresh-token.js'

export const GRANTS: Readonly<Record<string, GrantHandler>> = Object.freeze(
  Object.fromEntries(
    [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant, deviceCodeGrant, passwordGrant].map((g) => [g.grantType, g]),
  ),
)
