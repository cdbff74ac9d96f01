/**
 * The records the store reads and writes, one per table (`storage/database.ts` has the columns),
 * and the results of its atomic steps. Imported through `store.ts`, which re-exports them, so the
 * layers above see one storage module.
 */
import type { ResolvedClient } from '../config/schema.js'

export type ClientRecord = ResolvedClient
/** Issue 14 (review M5b): who owns a stored client, 'config' (the config file) or 'cli'. */
export type ClientSource = 'config' | 'cli'

export interface UserClaims {
  name?: string
  given_name?: string
  family_name?: string
  middle_name?: string
  nickname?: string
  preferred_username?: string
  profile?: string
  picture?: string
  website?: string
  gender?: string
  birthdate?: string
  zoneinfo?: string
  locale?: string
  phone_number?: string
  phone_number_verified?: boolean
  address?: Record<string, string>
}

export interface UserRecord {
  /** Stable, opaque subject identifier (`sub`). */
  id: string
  /** Lower-cased. */
  email: string
  email_verified: boolean
  password_hash: string | null
  claims: UserClaims
  /** Free role names (config `users[].roles`, `latch users update --roles`), for the claims hook. */
  roles: string[]
  /** Custom attributes (config `users[].claims`), for the claims hook and scope template parameters. */
  attributes: Record<string, unknown>
  created_at: number
  updated_at: number
  /** Issue 13: signed up and not verified yet: cannot sign in (absent when written by code before issue 13: false). */
  verification_pending?: boolean
  /** Issue 14: when an administrator disabled the account (absent or null: enabled); a disabled user signs in by no path. */
  disabled_at?: number | null
}

export interface SigningKeyRecord {
  kid: string
  alg: string
  /** Public JWK (with kid, alg, use). */
  public_jwk: Record<string, unknown>
  /** Private JWK encrypted at rest under LATCH_SECRET (compact JWE). */
  private_jwk_encrypted: string
  created_at: number
  /**
   * Signs from this time on; published in JWKS from `created_at`. A rotation sets it ahead by
   * `keys.activation_delay`, so every node and verifier has the public key before a token uses it.
   */
  activates_at: number
  /** Unique and increasing among main keys: adding a key claims the next one (see `keys.add`). A companion shares its main key's. */
  generation: number
  /**
   * For an RS256 key kept beside a main key of another alg (ID tokens for clients that need
   * RS256): the main key's kid. It is published and signs only together with its main key.
   * Null for a main key.
   */
  companion_of: string | null
  /** When a newer key takes over signing; the public key stays published until `expires_at`. */
  retired_at: number | null
  /** After this the public key is dropped from JWKS (null while active). */
  expires_at: number | null
}

/** A grant: one user's (or client's) authorization of one client, the root every token hangs from. */
export interface GrantRecord {
  id: string
  client_id: string
  user_id: string | null
  scope: string
  resource: string | null
  auth_time: number | null
  /** Session id (`sid`) the grant was made in, if any. */
  session_id: string | null
  /** The organization the grant acts for (`org_id` in its tokens); null: none. */
  organization_id: string | null
  /**
   * For a grant opened by token exchange from another grant's refresh token: the first grant of
   * that family. Revoking any member of a family revokes every member. Omitted or null otherwise.
   */
  family_id?: string | null
  /**
   * Issue 13 (0018): how the user authenticated when the grant was created (`amr`, RFC 8176), kept
   * for every token of the grant (refreshed ones too; `acr` is `acrOf(amr)`). Omitted or null:
   * unknown (a grant of before 0018, or no user: client credentials), and its tokens carry no
   * `amr`/`acr`.
   */
  amr?: string[] | null
  created_at: number
  revoked_at: number | null
}

/**
 * A code carries every field of the grant it will open (client, user, scope, resource, auth_time,
 * session) and that grant's id, chosen at /authorize: issuing a code is one write, and the grant row
 * is written when the code is redeemed (`authorizationCodes.redeem`).
 */
export interface AuthorizationCodeRecord {
  code_hash: string
  /** The id the grant gets when the code is redeemed; `grants.revoke` accepts it before then too. */
  grant_id: string
  client_id: string
  user_id: string
  /** The `redirect_uri` parameter of the authorization request; null when it was omitted. */
  redirect_uri: string | null
  scope: string
  resource: string | null
  nonce: string | null
  code_challenge: string | null
  code_challenge_method: string | null
  auth_time: number
  session_id: string | null
  /** Authentication methods (`amr`), JSON array. */
  amr: string[]
  /** The organization of the grant the code opens. */
  organization_id: string | null
  created_at: number
  expires_at: number
  consumed_at: number | null
}

export interface RefreshTokenRecord {
  token_hash: string
  grant_id: string
  client_id: string
  user_id: string | null
  scope: string
  resource: string | null
  auth_time: number | null
  session_id: string | null
  created_at: number
  /** Absolute expiry, carried over on rotation. */
  expires_at: number
  rotated_at: number | null
  revoked_at: number | null
}

export type RotateResult =
  | { outcome: 'rotated'; previous: RefreshTokenRecord }
  /** The token exists but was already rotated: a replay (RFC 9700 §4.14.2). */
  | { outcome: 'reused'; previous: RefreshTokenRecord }
  /** Unknown, expired, revoked (or its grant revoked). */
  | { outcome: 'invalid' }

/**
 * Access tokens are stateless JWTs and get no row when issued. A row exists only for a token revoked
 * on its own (RFC 7009); a token of a grant is revoked with its grant, which its `jti` names
 * (`<grant_id>.<random>`, see `accessTokens.isRevoked`).
 */
export interface AccessTokenRecord {
  jti: string
  client_id: string
  expires_at: number
  revoked_at: number | null
}

export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'consumed'

export interface DeviceCodeRecord {
  device_code_hash: string
  user_code_hash: string
  client_id: string
  scope: string
  resource: string | null
  interval: number
  created_at: number
  expires_at: number
  last_polled_at: number | null
  status: DeviceCodeStatus
  user_id: string | null
  auth_time: number | null
  session_id: string | null
  /** Scope the user approved (may be narrower than requested). */
  granted_scope: string | null
  /** Issue 13 (0018): the approving session's `amr`, for the grant the code opens; omitted or null: unknown. */
  amr?: string[] | null
}

export type PollResult =
  | { outcome: 'pending' }
  /** Polled sooner than `interval` after the previous poll; the stored interval grew by 5 s. */
  | { outcome: 'slow_down'; interval: number }
  /** Approved: the record is returned once and marked consumed. */
  | { outcome: 'approved'; record: DeviceCodeRecord }
  | { outcome: 'denied' }
  | { outcome: 'expired' }
  /** Unknown, or already consumed. */
  | { outcome: 'invalid' }

export interface SessionRecord {
  /** SHA-256 of the cookie value. */
  session_hash: string
  /** Public session id (`sid` claim). */
  id: string
  user_id: string
  auth_time: number
  amr: string[]
  created_at: number
  expires_at: number
  /** Issue 13: the User-Agent of the browser at sign-in (truncated; `sessions/idp-session.ts`); null or absent: unknown. */
  user_agent?: string | null
}

export interface ConsentRecord {
  user_id: string
  client_id: string
  /** The API the consent was for; null: tokens for no resource (the issuer itself). */
  resource: string | null
  scopes: string[]
  updated_at: number
}

/** A pending sign-in / consent / device verification, between the redirect to a page and its submit. */
export interface InteractionRecord {
  id: string
  /** Issue 13: `account`, signing in to the account page (built-in client, interaction/account-kind.ts). */
  kind: 'authorization' | 'device' | 'account'
  client_id: string
  /** The validated request that started it (authorization parameters, or the device user code hash). */
  params: Record<string, unknown>
  /** Result so far: set by the login step. */
  user_id: string | null
  auth_time: number | null
  session_id: string | null
  created_at: number
  expires_at: number
}

/** How long `sweep` keeps rows past their expiry, and how much it deletes per statement. */
export interface SweepPolicy {
  /**
   * Seconds after their expiry that refresh tokens are kept, and after creation, revocation and
   * the last refresh token's expiry that a grant is kept. At least the longest access token
   * lifetime: a revoked grant's row is what keeps its access tokens revoked.
   */
  grantRetention: number
  /** Seconds an expired device code is kept, so that a late poll still hears `expired_token`. */
  deviceCodeRetention: number
  /** Rows deleted per statement. */
  batchSize: number
  /** Statements per table and sweep at most; what is left waits for the next sweep. */
  maxBatches: number
}

export type SweepResult = Record<
  | 'authorization_codes' | 'interactions' | 'device_codes' | 'sessions' | 'replay_keys' | 'access_tokens' | 'refresh_tokens' | 'grants' | 'signing_keys'
  | 'logout_deliveries' | 'upstream_logins' | 'upstream_sessions' | 'email_tokens' | 'unverified_users'
  /** Issue 13. */
  | 'passkey_challenges',
  number
>

/**
 * What must still be true when a sign-in's session or grant is written, re-checked by the write
 * itself (one statement): a password change or a logout that commits between the check and the
 * write then finds nothing to end, so the write must not happen (issue 8).
 */
export interface WriteCondition {
  /** The user's stored password hash is still the one the password was checked against. */
  passwordHash?: { userId: string; hash: string }
  /** The IdP session (`sid`) still exists; expired or not, as expiry revokes nothing. */
  sessionId?: string
  /** Issue 14: this user (id) exists and is not disabled. */
  enabledUser?: string
}

/** An organization users act for (issue 10); `id` appears in tokens as `org_id`. */
export interface OrganizationRecord {
  /** `[a-z0-9-]{1,64}`, stable. */
  id: string
  name: string
  /** Email domains whose users with a verified email join on sign-in (roles `[member]`). */
  domains: string[]
  created_at: number
  updated_at: number
}

/** One user's membership of one organization. */
export interface MembershipRecord {
  organization_id: string
  user_id: string
  roles: string[]
  created_at: number
  updated_at: number
}

/** A membership as the token paths read it: the organization and the member's roles. */
export interface Membership {
  organization: OrganizationRecord
  roles: string[]
}

/**
 * A tenant other than `default` (issue 11): its own issuer, keys, clients, users, organizations and
 * sessions in the same database, every row stamped with its id (`Store.forTenant`).
 */
export interface TenantRecord {
  /** `[a-z0-9-]{1,64}`; never `default`, which is the config file's own tenant and is not stored. */
  id: string
  /** Unique across tenants. */
  issuer: string
  /** The tenant's validated settings (config `tenants[]`), a JSON-serialisable object. */
  settings: Record<string, unknown>
  created_at: number
  updated_at: number
}

/** What each node reads at every tenant index reload: enough to route and to see what changed. */
export type TenantIndexEntry = Pick<TenantRecord, 'id' | 'issuer' | 'updated_at'>

/**
 * Issue 12: a back-channel logout token still to send to one client for one ended session
 * (OIDC Back-Channel Logout 1.0 §2.5), queued in the transaction that ended the session.
 */
export interface LogoutDeliveryRecord {
  client_id: string
  /** The ended session's id, the token's `sid`. */
  sid: string
  /** The session's user, the token's `sub` (kept: the user may be deleted by now). */
  sub: string
  /** When the session ended: retries stop `sessions.backchannel_logout_retry_window` after. */
  created_at: number
  /** Attempts made so far. */
  attempts: number
  next_attempt_at: number
  /** A node is delivering it until then; null: free. */
  leased_until: number | null
}

/**
 * Issue 12: an upstream identity provider as stored. `settings` is the resolved connection without
 * its secrets (connections/records.ts decodes it); the secrets are a JWE under LATCH_SECRET.
 */
export interface ConnectionRecord {
  /** `[a-z0-9-]{1,64}`, unique per tenant; in the callback URL. */
  id: string
  type: string
  display_name: string
  /** An organization connection (home-realm discovery), or null. */
  organization_id: string | null
  /** With `organization_id`: its members must sign in through it. */
  required: boolean
  settings: Record<string, unknown>
  secrets_encrypted: string | null
  /** Who wrote it: the config file (seeded at start) or the CLI. */
  source: 'config' | 'cli'
  /** Of the whole resolved entry, secrets included: an equal one is not rewritten. */
  digest: string
  created_at: number
  updated_at: number
}

/** Issue 12: a user's account at a connection. */
export interface IdentityRecord {
  connection_id: string
  /** The upstream's stable subject (`sub`, or the mapped id). */
  subject: string
  user_id: string
  /** As the upstream last said, lower-cased; null when it gave none. */
  email: string | null
  email_verified: boolean
  created_at: number
  last_used_at: number
}

/** Issue 12: what a just-in-time provisioned user starts with. */
/** Issue 13: what a mailed link or code is for; lane E's passwordless purposes share the table. */
export type EmailTokenPurpose = 'verify_email' | 'reset_password' | 'magic_link' | 'email_code' | 'change_email'

/** Issue 13: a row of `email_tokens` (never the token or code itself). */
export interface EmailTokenRecord {
  id: string
  purpose: EmailTokenPurpose
  token_hash: string
  user_id: string | null
  email: string
  browser_hash: string | null
  interaction_id: string | null
  attempts: number
  created_at: number
  expires_at: number
  used_at: number | null
}

export type NewUser = Pick<UserRecord, 'email' | 'email_verified' | 'claims'> & { id?: string }

/** Issue 12: a sign-in (or a link) under way at an upstream, by the hash of its `state`. */
export interface UpstreamLoginRecord {
  state_hash: string
  /** Hash of the browser-binding cookie's value: only that browser can take the row. */
  browser_hash: string
  connection_id: string
  purpose: 'sign_in' | 'link'
  interaction_id: string | null
  user_id: string | null
  session_id: string | null
  /** A form_post response stashed for the browser's GET (one at most). */
  response_params: Record<string, string> | null
  created_at: number
  expires_at: number
}

/**
 * Issue 12, federated logout: the upstream session behind a Latch session signed in through a
 * connection with `federated_logout`; `id_token_encrypted` is the upstream's ID token as a compact
 * JWE under LATCH_SECRET (the `id_token_hint` of the upstream's RP-initiated logout).
 */
export interface UpstreamSessionRecord {
  session_id: string
  connection_id: string
  id_token_encrypted: string
  created_at: number
  expires_at: number
}

/**
 * Issue 13: a user's passkey (WebAuthn credential). `credential_id` and `public_key` (COSE) are
 * base64url; `sign_count` is the last signature counter seen (WebAuthn L3 §6.1.1);
 * `backup_eligible`/`backed_up` are the BE/BS flags (a synced passkey is backup eligible).
 */
export interface PasskeyRecord {
  credential_id: string
  user_id: string
  public_key: string
  sign_count: number
  transports: string[]
  backup_eligible: boolean
  backed_up: boolean
  aaguid: string
  /** The user's name for it (1–64 characters). */
  name: string
  created_at: number
  last_used_at: number | null
}

/** Issue 13: a WebAuthn ceremony under way, by the SHA-256 of its challenge, bound to one browser. */
export interface PasskeyChallengeRecord {
  challenge_hash: string
  /** Hash of the browser-binding value (the CSRF cookie's): only that browser can take the row. */
  browser_hash: string
  purpose: 'authenticate' | 'register'
  /** `authenticate`: the sign-in it belongs to (first or second factor). */
  interaction_id: string | null
  /** `register`: the signed-in user it is for; `authenticate`: the pending user of a second factor (null for a first-factor sign-in). */
  user_id: string | null
  created_at: number
  expires_at: number
}

/** Issue 13: what `passkeys.recordUse` decided about a verified assertion's signature counter. */
export type PasskeyUse = 'used' | 'counter_regressed' | 'unknown'
/** Issue 13: a user's TOTP authenticator (`mfa_totp`). */
export interface TotpRecord {
  user_id: string
  secret_encrypted: string
  last_step: number | null
  failures: number
  failed_at: number | null
  /** Wrong answers since the last right one (NIST SP 800-63B §5.2.2); never refilled by time. */
  consecutive_failures: number
  confirmed_at: number | null
  created_at: number
}

/** Issue 13: a first factor on its interaction, waiting for the second (`mfa_challenges`). */
export interface MfaChallengeRecord {
  interaction_id: string
  user_id: string
  browser_hash: string
  amr: string[]
  auth_time: number
  password_stamp: string
  failures: number
  created_at: number
  /** The forced enrolment's secret, encrypted: this challenge's own (none until the page shows one). */
  enrol_secret_encrypted?: string | null
}

/**
 * Issue 14: a signed alert still to POST to one webhook (`alert_deliveries`, deployment-wide).
 * `body` is the exact JSON sent; the secret and the URL are the config's, found by `webhook_id`.
 */
export interface AlertDeliveryRecord {
  /** The alert's id (`Latch-Alert-Id`, the body's `id`): one alert to two webhooks is two rows with one id. */
  id: string
  /** A digest of the webhook's URL (`alerts/webhooks.ts` `webhookId`). */
  webhook_id: string
  /** The tenant the alert is about (`default` for the top-level tenant). */
  tenant: string
  /** The alert type (the body's `type`). */
  type: string
  body: string
  created_at: number
  /** Attempts made so far. */
  attempts: number
  next_attempt_at: number
  /** A node is delivering it until then; null: free. */
  leased_until: number | null
  /** The HTTP status of the last attempt; null: none yet, or no answer (timeout, network error). */
  last_status: number | null
}

/**
 * Issue 14: one entry of the audit log, schema version 1 (README "Audit log"; `audit/` maps every
 * event to one). Never a secret, code, token or password: ids, hashes and outcomes only.
 */
export interface AuditRecord {
  /** Sortable and unique: 12 hex digits of epoch milliseconds, then a per-process part (`audit/audit-id.ts`); the cursor of pagination. */
  id: string
  /** The event name, e.g. `login.failed`. */
  type: string
  version: 1
  /** ISO 8601 UTC with milliseconds. */
  time: string
  /** `default` for the top-level tenant. */
  tenant: string
  actor: { type: AuditActorType; id: string | null }
  subject: { type: AuditSubjectType; id: string } | null
  client_id: string | null
  ip: string | null
  user_agent: string | null
  outcome: 'success' | 'failure'
  /** The event's other fields (never a secret). */
  data: Record<string, unknown>
}
export type AuditActorType = 'user' | 'client' | 'system' | 'anonymous' | 'admin'
export type AuditSubjectType = 'user' | 'client' | 'grant' | 'session' | 'key' | 'account' | 'organization' | 'connection' | 'webhook' | 'tenant'

/** Issue 14: what `audit.list` filters on; every filter is optional and they combine with AND. */
export interface AuditFilter {
  /** Epoch milliseconds, inclusive. */
  since?: number
  /** Epoch milliseconds, exclusive. */
  until?: number
  /** Event names (any of). */
  types?: readonly string[]
  /**
   * Subjects (any of), each by type and id: a user (`{ type: 'user', id }`), or the keyed hash of an
   * account (`{ type: 'account', id }`, `login.failed`). Typed so that an id of one kind never
   * matches a record about another kind with the same id (security review, `--user`).
   */
  subjects?: readonly { type: AuditSubjectType; id: string }[]
  /** The actor, by type and id. */
  actor?: { type: AuditActorType; id: string }
  /** With `subjects` and `actor`: a record matches when either does (`latch audit list --user`). */
  subjectOrActor?: boolean
  clientId?: string
  outcome?: 'success' | 'failure'
  /** Records older than this id only (the `next` of the previous page). */
  cursor?: string
  /** At most this many (capped at `AUDIT_LIST_MAX`). */
  limit?: number
}

/** Issue 14: one page of the audit log, newest first; `next`: the cursor of the next page, null at the end. */
export interface AuditPage {
  records: AuditRecord[]
  next: string | null
}
