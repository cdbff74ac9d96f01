/**
 * Two columns of client metadata:
 * - `auth_method_pinned` (0/1): whether `token_endpoint_auth_method` was given explicitly at
 *   registration. A secret client whose method is not pinned accepts `client_secret_basic` and
 *   `client_secret_post` alike (client-auth/authenticate.ts). Existing rows keep exactly the behaviour
 *   they had, pinned; clients from the config file are written again at every start anyway.
 * - `id_token_signed_response_alg` (OIDC Dynamic Client Registration §2): the JWS alg of the
 *   client's ID tokens, NULL for the provider's `tokens.signing_alg`.
 *
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
import type { Kysely, Migration } from 'kysely'

export const clientAuthAndIdTokenAlg: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').addColumn('auth_method_pinned', 'integer', (c) => c.notNull().defaultTo(1)).execute()
    await db.schema.alterTable('clients').addColumn('id_token_signed_response_alg', 'text').execute()
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('clients').dropColumn('id_token_signed_response_alg').execute()
    await db.schema.alterTable('clients').dropColumn('auth_method_pinned').execute()
  },
}
