/**
 * Translation between the store's records (`store.ts`) and table rows (`database.ts`), through the
 * dialect's codecs for booleans and JSON. Kept apart from the queries so that every repository
 * reads and writes a record the same way, and so `kysely-store.ts` holds only decisions.
 */
import type { ClientRecord, DeviceCodeRecord, DeviceCodeStatus, InteractionRecord, SessionRecord, SigningKeyRecord, UserClaims, UserRecord, AuthorizationCodeRecord } from './store.js'
import type { Database, AuthorizationCodesTable, ClientsTable, DeviceCodesTable, InteractionsTable, SessionsTable, SigningKeysTable, UsersTable } from './database.js'
import type { Codecs } from './dialects/dialect.js'

/**
 * Each table's columns. Inserts copy exactly these from a record, so a caller's object that
 * carries more (a spread of some other shape, say) still writes only the schema's columns.
 */
export const COLUMNS = {
  signing_keys: ['kid', 'alg', 'public_jwk', 'private_jwk_encrypted', 'created_at', 'activates_at', 'generation', 'companion_of', 'retired_at', 'expires_at'],
  grants: ['id', 'client_id', 'user_id', 'scope', 'resource', 'auth_time', 'session_id', 'created_at', 'revoked_at'],
  authorization_codes: [
    'code_hash', 'grant_id', 'client_id', 'user_id', 'redirect_uri', 'scope', 'resource', 'nonce', 'code_challenge',
    'code_challenge_method', 'auth_time', 'session_id', 'amr', 'created_at', 'expires_at', 'consumed_at',
  ],
  refresh_tokens: [
    'token_hash', 'grant_id', 'client_id', 'user_id', 'scope', 'resource', 'auth_time', 'session_id', 'created_at',
    'expires_at', 'rotated_at', 'revoked_at',
  ],
  access_tokens: ['jti', 'client_id', 'expires_at', 'revoked_at'],
  device_codes: [
    'device_code_hash', 'user_code_hash', 'client_id', 'scope', 'resource', 'interval', 'created_at', 'expires_at',
    'last_polled_at', 'status', 'user_id', 'auth_time', 'session_id', 'granted_scope',
  ],
  sessions: ['session_hash', 'id', 'user_id', 'auth_time', 'amr', 'created_at', 'expires_at'],
  interactions: ['id', 'kind', 'client_id', 'params', 'user_id', 'auth_time', 'session_id', 'created_at', 'expires_at'],
} as const satisfies { [T in keyof Database]?: readonly (keyof Database[T])[] }

/** The listed keys of `record`, with `undefined` (an omitted optional) stored as NULL. */
export function pick<K extends string>(record: { [P in K]?: unknown }, keys: readonly K[]): Record<K, any> {
  const out = {} as Record<K, unknown>
  for (const key of keys) out[key] = record[key] ?? null
  return out
}

export function rowCodec(codecs: Codecs) {
  const { boolean: bool, json } = codecs
  const strings = (stored: string) => json.decode(stored) as string[]

  return {
    bool: (value: boolean) => bool.encode(value),
    json: (value: unknown) => json.encode(value),

    clientToRow: (c: ClientRecord, now: number): ClientsTable => ({
      client_id: c.client_id,
      client_name: c.client_name,
      client_secret_hash: c.client_secret_hash,
      token_endpoint_auth_method: c.token_endpoint_auth_method,
      grant_types: json.encode(c.grant_types),
      redirect_uris: json.encode(c.redirect_uris),
      post_logout_redirect_uris: json.encode(c.post_logout_redirect_uris),
      scope: c.scope,
      resources: c.resources === null ? null : json.encode(c.resources),
      skip_consent: bool.encode(c.skip_consent),
      jwks: c.jwks === null ? null : json.encode(c.jwks),
      auth_method_pinned: bool.encode(c.auth_method_pinned),
      id_token_signed_response_alg: c.id_token_signed_response_alg,
      created_at: now,
      updated_at: now,
    }),
    client: (r: ClientsTable): ClientRecord => ({
      client_id: r.client_id,
      client_name: r.client_name,
      client_secret_hash: r.client_secret_hash,
      token_endpoint_auth_method: r.token_endpoint_auth_method as ClientRecord['token_endpoint_auth_method'],
      grant_types: strings(r.grant_types),
      redirect_uris: strings(r.redirect_uris),
      post_logout_redirect_uris: strings(r.post_logout_redirect_uris),
      scope: r.scope,
      resources: r.resources === null ? null : strings(r.resources),
      skip_consent: bool.decode(r.skip_consent),
      jwks: r.jwks === null ? null : (json.decode(r.jwks) as ClientRecord['jwks']),
      auth_method_pinned: bool.decode(r.auth_method_pinned),
      id_token_signed_response_alg: r.id_token_signed_response_alg as ClientRecord['id_token_signed_response_alg'],
    }),

    user: (r: UsersTable): UserRecord => ({
      id: r.id,
      email: r.email,
      email_verified: bool.decode(r.email_verified),
      password_hash: r.password_hash,
      claims: json.decode(r.claims) as UserClaims,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }),

    keyToRow: (k: SigningKeyRecord): SigningKeysTable => ({ ...pick(k, COLUMNS.signing_keys), public_jwk: json.encode(k.public_jwk) }),
    key: (r: SigningKeysTable): SigningKeyRecord => ({ ...r, public_jwk: json.decode(r.public_jwk) as Record<string, unknown> }),

    codeToRow: (c: AuthorizationCodeRecord): AuthorizationCodesTable => ({ ...pick(c, COLUMNS.authorization_codes), amr: json.encode(c.amr) }),
    code: (r: AuthorizationCodesTable): AuthorizationCodeRecord => ({ ...r, amr: strings(r.amr) }),

    deviceCodeToRow: (d: DeviceCodeRecord): DeviceCodesTable => pick(d, COLUMNS.device_codes),
    deviceCode: (r: DeviceCodesTable): DeviceCodeRecord => ({ ...r, status: r.status as DeviceCodeStatus }),

    sessionToRow: (s: SessionRecord): SessionsTable => ({ ...pick(s, COLUMNS.sessions), amr: json.encode(s.amr) }),
    session: (r: SessionsTable): SessionRecord => ({ ...r, amr: strings(r.amr) }),

    interactionToRow: (i: InteractionRecord): InteractionsTable => ({ ...pick(i, COLUMNS.interactions), params: json.encode(i.params) }),
    interaction: (r: InteractionsTable): InteractionRecord => ({
      ...r,
      kind: r.kind as InteractionRecord['kind'],
      params: json.decode(r.params) as Record<string, unknown>,
    }),
  }
}

export type RowCodec = ReturnType<typeof rowCodec>
