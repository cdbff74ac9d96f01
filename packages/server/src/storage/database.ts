/**
 * The Kysely table types of Latch's database, the one `Database` interface both dialects share.
 * Tables are plural snake_case and every column that holds a secret-derived value ends in `_hash`
 * (STYLE.md "Database names"), so a reader of the schema sees what is stored hashed. Times are
 * integer epoch seconds, booleans are 0/1 integers and structured values (string arrays, JWKs,
 * claims) are JSON text: types both SQLite and PostgreSQL store natively, so neither the schema nor
 * the queries fork per dialect. The codecs that cross that boundary are the dialect's
 * (`dialects/dialect.ts`), applied to whole records in `rows.ts`.
 *
 * @see https://kysely.dev/docs/getting-started#types
 */

/** 0 or 1: a boolean stored the same way on both dialects. */
export type Bool = number
/** JSON text, decoded in `rows.ts`. */
export type Json = string
/** Integer epoch seconds. */
export type Epoch = number

export interface ClientsTable {
  client_id: string
  client_name: string
  client_secret_hash: string | null
  token_endpoint_auth_method: string
  grant_types: Json
  redirect_uris: Json
  post_logout_redirect_uris: Json
  scope: string
  /** JSON array of resource identifiers; NULL: none named (only `default_resource`). */
  resources: Json | null
  skip_consent: Bool
  jwks: Json | null
  auth_method_pinned: Bool
  id_token_signed_response_alg: string | null
  /** 0008: tokens only for an organization. */
  organization_required: Bool
  /** 0008: JSON array of organization ids a client-credentials token may be issued for; NULL: none. */
  organizations: Json | null
  /** 0011 (issue 12): OIDC Back-Channel Logout §2.2; null: not notified. */
  backchannel_logout_uri: string | null
  /** 0011: the client needs `sid` in its logout tokens (Latch always sends it). */
  backchannel_logout_session_required: Bool
  /** 0014 (issue 13): overrides `sign_up.enabled` for this client; NULL: the tenant's. */
  sign_up: Bool | null
  created_at: Epoch
  updated_at: Epoch
  /** 0022 (issue 14, review M5b): 'config' (the config file owns it) or 'cli'. */
  source: 'config' | 'cli'
}

export interface UsersTable {
  id: string
  /** Lower-cased; unique per tenant. */
  email: string
  email_verified: Bool
  password_hash: string | null
  claims: Json
  /** 0008: JSON array of free role names. */
  roles: Json
  /** 0008: JSON object of custom attributes (config `users[].claims`). */
  attributes: Json
  created_at: Epoch
  updated_at: Epoch
  /** 0014 (issue 13): signed up, email not verified yet: cannot sign in. */
  verification_pending: Bool
  /** 0023 (issue 14): when an administrator disabled the account; null: enabled. */
  disabled_at: Epoch | null
}

export interface SigningKeysTable {
  kid: string
  alg: string
  public_jwk: Json
  /** Compact JWE under LATCH_SECRET: encrypted rather than hashed, because it must be usable. */
  private_jwk_encrypted: string
  created_at: Epoch
  activates_at: Epoch
  generation: number
  /** The kid of the main key this RS256 key accompanies (migration 0004), null for a main key. */
  companion_of: string | null
  retired_at: Epoch | null
  expires_at: Epoch | null
}

export interface GrantsTable {
  id: string
  client_id: string
  user_id: string | null
  scope: string
  resource: string | null
  auth_time: Epoch | null
  session_id: string | null
  /** 0008: the organization the grant acts for; null: none. */
  organization_id: string | null
  /** 0008: the first grant of its token-exchange family (revoked together); null: it is the first. */
  family_id: string | null
  /** 0018 (issue 13): JSON array, the `amr` of the sign-in the grant was created in; null: unknown. */
  amr: Json | null
  created_at: Epoch
  revoked_at: Epoch | null
}

/** Each code carries the fields of the grant it opens when redeemed, under a pre-chosen `grant_id`. */
export interface AuthorizationCodesTable {
  code_hash: string
  /** No foreign key: the grant row is written at redemption (`grants.open`), or as a revoked tombstone. */
  grant_id: string
  client_id: string
  user_id: string
  redirect_uri: string | null
  scope: string
  resource: string | null
  nonce: string | null
  code_challenge: string | null
  code_challenge_method: string | null
  auth_time: Epoch
  session_id: string | null
  amr: Json
  /** 0008: the organization of the grant the code opens. */
  organization_id: string | null
  created_at: Epoch
  expires_at: Epoch
  consumed_at: Epoch | null
}

export interface RefreshTokensTable {
  token_hash: string
  grant_id: string
  client_id: string
  user_id: string | null
  scope: string
  resource: string | null
  auth_time: Epoch | null
  session_id: string | null
  created_at: Epoch
  expires_at: Epoch
  rotated_at: Epoch | null
  revoked_at: Epoch | null
}

/** Access tokens revoked one by one (RFC 7009); tokens of a revoked grant need no row. */
export interface AccessTokensTable {
  jti: string
  client_id: string
  expires_at: Epoch
  revoked_at: Epoch | null
}

export interface DeviceCodesTable {
  device_code_hash: string
  user_code_hash: string
  client_id: string
  scope: string
  resource: string | null
  /** Quoted by Kysely everywhere: `interval` is a reserved word in PostgreSQL. */
  interval: number
  created_at: Epoch
  expires_at: Epoch
  last_polled_at: Epoch | null
  status: string
  user_id: string | null
  auth_time: Epoch | null
  session_id: string | null
  granted_scope: string | null
  /** 0018 (issue 13): JSON array, the approving session's `amr`; null: unknown. */
  amr: Json | null
}

export interface SessionsTable {
  session_hash: string
  id: string
  user_id: string
  auth_time: Epoch
  amr: Json
  created_at: Epoch
  expires_at: Epoch
  /** 0017 (issue 13): the browser's User-Agent at sign-in, truncated; null: unknown. */
  user_agent: string | null
}

/**
 * One row per (user, client, resource, scope): remembering consent is then an `INSERT ... ON
 * CONFLICT DO NOTHING`, a union that two concurrent consents cannot lose, unlike rewriting a JSON
 * array. `resource` is `''` for consent to tokens for no resource (a key column cannot be NULL).
 */
export interface ConsentsTable {
  user_id: string
  client_id: string
  resource: string
  scope: string
  granted_at: Epoch
}

export interface InteractionsTable {
  id: string
  kind: string
  client_id: string
  params: Json
  user_id: string | null
  auth_time: Epoch | null
  session_id: string | null
  created_at: Epoch
  expires_at: Epoch
}

/** One-time values (client assertion `jti`s and the like), kept until they could no longer be replayed. */
export interface ReplayKeysTable {
  key: string
  expires_at: Epoch
}

export interface OrganizationsTable {
  id: string
  name: string
  /** JSON array of email domains whose verified users join on sign-in. */
  domains: Json
  /** 0010 (issue 11): JSON object, the organization's branding over its tenant's; `{}`: none. */
  branding: Json
  created_at: Epoch
  updated_at: Epoch
}

export interface OrganizationMembersTable {
  organization_id: string
  user_id: string
  /** JSON array of the member's roles. */
  roles: Json
  created_at: Epoch
  updated_at: Epoch
}

/** 0012 (issue 12): an upstream identity provider of the tenant. */
export interface ConnectionsTable {
  id: string
  type: string
  display_name: string
  organization_id: string | null
  required: Bool
  /** JSON object: the resolved connection without its secrets. */
  settings: Json
  /** Compact JWE under LATCH_SECRET of `{ client_secret?, private_key? }`: encrypted, since they must be usable. */
  secrets_encrypted: string | null
  source: string
  /** HMAC-SHA256 under LATCH_SECRET of the resolved entry, secrets included: seeding skips an equal one. */
  digest: string
  created_at: Epoch
  updated_at: Epoch
}

/** 0012: a user's account at a connection (the upstream's `sub`). */
export interface UserIdentitiesTable {
  connection_id: string
  subject: string
  user_id: string
  email: string | null
  email_verified: Bool
  created_at: Epoch
  last_used_at: Epoch
}

/** 0012: a sign-in under way at an upstream; nothing in it lets anyone finish it without the browser's cookie. */
export interface UpstreamLoginsTable {
  state_hash: string
  browser_hash: string
  connection_id: string
  purpose: string
  interaction_id: string | null
  user_id: string | null
  session_id: string | null
  /** JSON object: a form_post response, kept until the browser's GET takes it. */
  response_params: Json | null
  created_at: Epoch
  expires_at: Epoch
}

/** 0014 (issue 13): a mailed link or code (sign-up verification, password reset, …), stored hashed. */
export interface EmailTokensTable {
  id: string
  purpose: string
  /** SHA-256 of a link's token, or an HMAC (key from LATCH_SECRET) of `id` and a code. */
  token_hash: string
  user_id: string | null
  /** Lower-cased. */
  email: string
  /** SHA-256 of the asking browser's cookie, for binding. */
  browser_hash: string | null
  interaction_id: string | null
  /** Wrong guesses of a code. */
  attempts: number
  created_at: Epoch
  expires_at: Epoch
  used_at: Epoch | null
}

/** 0013 (issue 12): the upstream session a Latch session was signed in through, for federated logout. */
export interface UpstreamSessionsTable {
  session_id: string
  connection_id: string
  /** Compact JWE (encryption-at-rest.ts `encryptJson`, `UPSTREAM_ID_TOKEN_INFO`) of the upstream's ID token. */
  id_token_encrypted: string
  created_at: Epoch
  expires_at: Epoch
}

/**
 * 0011 (issue 12): a logout token still to send to one client for one ended session (`sid`), retried
 * until `created_at + sessions.backchannel_logout_retry_window`. `leased_until`: a node is delivering
 * it; others skip the row until then.
 */
export interface LogoutDeliveriesTable {
  client_id: string
  sid: string
  sub: string
  created_at: Epoch
  attempts: number
  next_attempt_at: Epoch
  leased_until: Epoch | null
}

/**
 * 0021 (issue 14): a signed alert still to POST to one webhook. `body` is the exact JSON sent (and
 * signed at each attempt); `webhook_id` a digest of the webhook's URL; `leased_until` as in
 * `logout_deliveries`; `last_status` the HTTP status of the last attempt (null: none, or no answer).
 */
export interface AlertDeliveriesTable {
  id: string
  webhook_id: string
  tenant: string
  type: string
  body: string
  created_at: Epoch
  attempts: number
  next_attempt_at: Epoch
  leased_until: Epoch | null
  last_status: number | null
}

/** 0016 (issue 13): a user's passkey (WebAuthn credential). */
export interface PasskeysTable {
  credential_id: string
  user_id: string
  /** base64url COSE public key. */
  public_key: string
  sign_count: Epoch
  /** JSON array of transport hints. */
  transports: Json
  backup_eligible: Bool
  backed_up: Bool
  aaguid: string
  name: string
  created_at: Epoch
  last_used_at: Epoch | null
}

/** 0016 (issue 13): a WebAuthn ceremony under way, by the SHA-256 of its challenge. */
export interface PasskeyChallengesTable {
  challenge_hash: string
  browser_hash: string
  purpose: string
  interaction_id: string | null
  user_id: string | null
  created_at: Epoch
  expires_at: Epoch
}

/**
 * 0009 (issue 11): every table but `tenants` has a `tenant_id` column, `default` for every row
 * written before. It is a column of the tables here and not of the `*Table` row types (nor of the
 * records): the store stamps and filters it (`Store.forTenant`), and an insert that forgets it is a
 * compile error.
 */
export interface Tenanted {
  tenant_id: string
}

/** 0009: the tenants other than `default` (which lives in the config file only). */
export interface TenantsTable {
  /** `[a-z0-9-]{1,64}`. */
  id: string
  /** Unique across tenants: requests are routed by it. */
  issuer: string
  /** JSON object: the tenant's validated settings. */
  settings: Json
  created_at: Epoch
  updated_at: Epoch
}

export interface Database {
  clients: ClientsTable & Tenanted
  users: UsersTable & Tenanted
  signing_keys: SigningKeysTable & Tenanted
  grants: GrantsTable & Tenanted
  authorization_codes: AuthorizationCodesTable & Tenanted
  refresh_tokens: RefreshTokensTable & Tenanted
  access_tokens: AccessTokensTable & Tenanted
  device_codes: DeviceCodesTable & Tenanted
  sessions: SessionsTable & Tenanted
  consents: ConsentsTable & Tenanted
  interactions: InteractionsTable & Tenanted
  replay_keys: ReplayKeysTable & Tenanted
  organizations: OrganizationsTable & Tenanted
  organization_members: OrganizationMembersTable & Tenanted
  /** 0011 (issue 12). */
  logout_deliveries: LogoutDeliveriesTable & Tenanted
  connections: ConnectionsTable & Tenanted
  user_identities: UserIdentitiesTable & Tenanted
  upstream_logins: UpstreamLoginsTable & Tenanted
  /** 0013 (issue 12). */
  upstream_sessions: UpstreamSessionsTable & Tenanted
  /** 0016 (issue 13). */
  passkeys: PasskeysTable & Tenanted
  passkey_challenges: PasskeyChallengesTable & Tenanted
  /** 0015 (issue 13). */
  mfa_totp: MfaTotpTable & Tenanted
  mfa_recovery_codes: MfaRecoveryCodesTable & Tenanted
  mfa_challenges: MfaChallengesTable & Tenanted
  mfa_policies: MfaPoliciesTable & Tenanted
  /** 0014 (issue 13). */
  email_tokens: EmailTokensTable & Tenanted
  tenants: TenantsTable
  /** 0021 (issue 14): deployment-wide, not a tenant table (`tenant` names what the alert is about). */
  alert_deliveries: AlertDeliveriesTable
  /** 0020 (issue 14). */
  audit_events: AuditEventsTable & Tenanted
}

/**
 * 0020 (issue 14): the audit log, one row per `AuditRecord` (schema version 1). `time_ms` is epoch
 * *milliseconds* (the record's `time`), unlike the other tables' epoch seconds: the log orders
 * events that happen within one second. `data` is the event's other fields, JSON.
 */
export interface AuditEventsTable {
  id: string
  type: string
  version: number
  time_ms: Epoch
  actor_type: string
  actor_id: string | null
  subject_type: string | null
  subject_id: string | null
  client_id: string | null
  ip: string | null
  user_agent: string | null
  outcome: string
  data: string
}

/** 0015 (issue 13): a user's TOTP authenticator (RFC 6238). */
export interface MfaTotpTable {
  user_id: string
  /** Compact JWE (encryption-at-rest.ts `encryptJson`, `TOTP_SECRET_INFO`) of the base32 secret. */
  secret_encrypted: string
  /** The RFC 6238 time step of the last accepted code; a code is accepted only for a later one. */
  last_step: Epoch | null
  failures: number
  failed_at: Epoch | null
  /** 0018: wrong answers since the last right one; at the lockout limit the second factor is locked. */
  consecutive_failures: number
  /** Null while enrolment waits for its first code. */
  confirmed_at: Epoch | null
  created_at: Epoch
}

/** 0015: single-use recovery codes, SHA-256 of each. */
export interface MfaRecoveryCodesTable {
  user_id: string
  code_hash: string
  used_at: Epoch | null
  created_at: Epoch
}

/** 0015: a first factor waiting for its second, on its interaction, bound to the browser. */
export interface MfaChallengesTable {
  interaction_id: string
  user_id: string
  browser_hash: string
  /** JSON array: the first factor's `amr`. */
  amr: Json
  auth_time: Epoch
  /** SHA-256 of the password hash the first factor was checked against ('' for none). */
  password_stamp: string
  failures: number
  created_at: Epoch
  /** 0018: the forced enrolment's secret (compact JWE), this challenge's own; null until shown. */
  enrol_secret_encrypted: string | null
}

/** 0015: a client or organization that requires MFA. */
export interface MfaPoliciesTable {
  subject: 'client' | 'organization'
  subject_id: string
  created_at: Epoch
}
