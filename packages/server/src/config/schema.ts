/**
 * The config file's schema (TypeBox), the contract of docs/architecture.md §2 "Config file". Keys keep
 * their wire (snake_case) names. Unknown keys are rejected (`additionalProperties: false`), so a
 * typo stops the server with a message naming the key instead of being silently ignored.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AUTH_METHOD_NAMES, GRANT_TYPE_NAMES, type ClientAuthMethodName } from '../rules/registry-names.js'
import { CONNECTION_AUTH_METHODS, CONNECTION_TYPES, type ConnectionAuthMethod, type ConnectionType, type MappableClaim } from '../rules/connection-presets.js'
import type { ScopeTemplate } from '../rules/scope-template.js'
import type { Branding } from '../interaction/views/branding.js'
import type { MessageOverrides } from '../interaction/views/message-overrides.js'
import * as D from './defaults.js'
import { EVENT_NAMES } from '../events.js'

const strict = { additionalProperties: false } as const
const Seconds = (def: number, min = 1) => Type.Integer({ minimum: min, default: def })

export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const

/** Where a custom claim (config `claims`, the hooks module's `claims`) may go. */
export const CLAIM_TARGETS = ['access_token', 'id_token', 'userinfo'] as const
export type ClaimTarget = (typeof CLAIM_TARGETS)[number]
export type SigningAlg = (typeof SIGNING_ALGS)[number]

// The registries' names live below config (rules/registry-names.ts), where the tables that
// implement them (GRANTS, CLIENT_AUTH_METHODS) can be checked against them too.
export { AUTH_METHOD_NAMES, GRANT_TYPE_NAMES } from '../rules/registry-names.js'

/** `[a-z0-9-]{1,64}`: stable, it appears in tokens as `org_id` (rules/organization.ts). */
const OrganizationId = Type.String({ pattern: '^[a-z0-9-]{1,64}$' })
const TenantId = Type.String({ pattern: '^[a-z0-9-]{1,64}$' })
/** Free role names: printable, no spaces (they travel in `org_roles` and the claims hook). */
const Role = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$' })

/**
 * Issue 11: a tenant's (or an organization's) look. Colours and URLs are checked by
 * config/branding.ts, whose messages say what a value must be; `css_file` is read there.
 */
export const BrandingSchema = Type.Object(
  {
    product_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    logo_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    favicon_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    primary_color: Type.Optional(Type.String()),
    background_color: Type.Optional(Type.String()),
    css_file: Type.Optional(Type.String({ minLength: 1 })),
    support_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    terms_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    privacy_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  },
  strict,
)
export type BrandingConfig = Static<typeof BrandingSchema>

/** Issue 11: per language, per message key, the text that replaces the catalogue's (checked by config/branding.ts). */
export const MessagesSchema = Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), { default: {} })
export type MessagesConfig = Static<typeof MessagesSchema>

export const ClientSchema = Type.Object(
  {
    client_id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' }),
    client_name: Type.Optional(Type.String({ maxLength: 255 })),
    client_secret: Type.Optional(Type.String()),
    /** SHA-256 of the secret, base64url: lets a config file avoid the secret itself. */
    client_secret_hash: Type.Optional(Type.String()),
    token_endpoint_auth_method: Type.Optional(Type.Union(AUTH_METHOD_NAMES.map((m) => Type.Literal(m)))),
    grant_types: Type.Optional(Type.Array(Type.Union(GRANT_TYPE_NAMES.map((g) => Type.Literal(g))), { uniqueItems: true })),
    redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    post_logout_redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    scope: Type.Optional(Type.String()),
    /** Identifiers of the `resources` this client may get access tokens for (RFC 8707). */
    resources: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    skip_consent: Type.Optional(Type.Boolean()),
    /** Public keys for `private_key_jwt` (RFC 7523), as a JWK Set. */
    jwks: Type.Optional(Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) })),
    /** OIDC Dynamic Client Registration §2: RS256 or `tokens.signing_alg` (the default). */
    id_token_signed_response_alg: Type.Optional(Type.Union(SIGNING_ALGS.map((a) => Type.Literal(a)))),
    /** Issue 10: tokens only for an organization (a picker after sign-in when the user has several). */
    organization_required: Type.Optional(Type.Boolean()),
    /** Issue 10: organizations a client-credentials token may be issued for (`organization=<id>`). */
    organizations: Type.Optional(Type.Array(OrganizationId, { uniqueItems: true })),
    /** Issue 12, OIDC Back-Channel Logout §2.2: where Latch POSTs a logout token when a session the client took part in ends. */
    backchannel_logout_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    /** OIDC Back-Channel Logout §2.2: the client needs `sid` in logout tokens (Latch always sends it). */
    backchannel_logout_session_required: Type.Optional(Type.Boolean()),
    /** Issue 13: sign-ins for this client need a second factor (seeded into `mfa_policies`). */
    mfa_required: Type.Optional(Type.Boolean()),
    /** Issue 13: overrides `sign_up.enabled` on this client's sign-in pages. */
    sign_up: Type.Optional(Type.Boolean()),
  },
  strict,
)
export type ClientConfig = Static<typeof ClientSchema>

/**
 * Issue 12: an upstream identity provider users may sign in through (`connections[]`). Checked in
 * detail by config/connections.ts, whose messages name the key; secrets are stored encrypted in the
 * `connections` table, never with a tenant's settings.
 */
export const ConnectionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
    type: Type.Union(CONNECTION_TYPES.map((t) => Type.Literal(t))),
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    enabled: Type.Optional(Type.Boolean()),
    client_id: Type.String({ minLength: 1, maxLength: 255 }),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    issuer: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    authorization_endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    token_endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    userinfo_endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    token_endpoint_auth_method: Type.Optional(Type.Union(CONNECTION_AUTH_METHODS.map((m) => Type.Literal(m)))),
    authorization_params: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String({ maxLength: 1024 }), { additionalProperties: false })),
    mapping: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 128 }))),
    link_by_email: Type.Optional(Type.Boolean()),
    jit: Type.Optional(Type.Boolean()),
    /** Latch's logout also ends the upstream session (its RP-initiated logout), when the upstream has an `end_session_endpoint`. */
    federated_logout: Type.Optional(Type.Boolean()),
    /** Carry the `amr` of the upstream's signed ID token into Latch's session (else just `fed`). */
    trust_amr: Type.Optional(Type.Boolean()),
    /** The provider is on a private network (RFC 1918, RFC 6598, IPv6 ULA): its addresses may be connected to. */
    private_network: Type.Optional(Type.Boolean()),
    /** microsoft: `common`, `organizations`, `consumers` or a tenant GUID. */
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    allowed_tenants: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { uniqueItems: true })),
    /** apple: the team and key ids, and the PKCS#8 PEM (or a file holding it) of the client-secret JWT. */
    team_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    key_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    private_key: Type.Optional(Type.String({ minLength: 1, maxLength: 16384 })),
    private_key_file: Type.Optional(Type.String({ minLength: 1 })),
    /** google: only accounts of this Workspace domain (`hd`). */
    hosted_domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    /** Enterprise SSO: the organization (its id) whose identity provider this is; not a button, found by home-realm discovery. */
    organization: Type.Optional(OrganizationId),
    /** With `organization`: its members and the users of its `domains` must sign in through it (no password). */
    required: Type.Optional(Type.Boolean()),
  },
  strict,
)
export type ConnectionConfig = Static<typeof ConnectionSchema>

export const AddressSchema = Type.Object(
  {
    formatted: Type.Optional(Type.String()),
    street_address: Type.Optional(Type.String()),
    locality: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    postal_code: Type.Optional(Type.String()),
    country: Type.Optional(Type.String()),
  },
  strict,
)

export const UserSchema = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' }),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    password_hash: Type.Optional(Type.String({ pattern: '^\\$argon2id\\$' })),
    email_verified: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String()),
    given_name: Type.Optional(Type.String()),
    family_name: Type.Optional(Type.String()),
    middle_name: Type.Optional(Type.String()),
    nickname: Type.Optional(Type.String()),
    preferred_username: Type.Optional(Type.String()),
    profile: Type.Optional(Type.String()),
    picture: Type.Optional(Type.String()),
    website: Type.Optional(Type.String()),
    gender: Type.Optional(Type.String()),
    birthdate: Type.Optional(Type.String()),
    zoneinfo: Type.Optional(Type.String()),
    locale: Type.Optional(Type.String()),
    phone_number: Type.Optional(Type.String()),
    phone_number_verified: Type.Optional(Type.Boolean()),
    address: Type.Optional(AddressSchema),
    /** Issue 10: free role names, for the claims hook (`from: roles`). */
    roles: Type.Optional(Type.Array(Role, { uniqueItems: true })),
    /** Issue 10: custom attributes (JSON values), for the claims hook and scope template parameters. */
    // A key's length is a pattern: TypeBox ignores minLength/maxLength on record keys, and without
    // additionalProperties: false a key that fails the pattern would pass unchecked.
    claims: Type.Optional(Type.Record(Type.String({ pattern: '^.{1,64}$' }), Type.Unknown(), { additionalProperties: false })),
  },
  strict,
)
export type UserConfig = Static<typeof UserSchema>

/** Issue 14: `alerts.thresholds.*`: `count` failures within `window` seconds. */
const AlertThreshold = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    window: Type.Integer({ minimum: 60, maximum: 86_400 }),
  },
  strict,
)

export const ConfigFileSchema = Type.Object(
  {
    issuer: Type.String({ default: D.ISSUER }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: D.PORT }),
    host: Type.String({ default: D.HOST }),
    database: Type.String({ default: D.DATABASE }),
    // null or empty: no Redis (YAML `redis_url:` and `${REDIS_URL:-}` both mean unset).
    redis_url: Type.Union([Type.String(), Type.Null()], { default: D.REDIS_URL }),
    redis_key_prefix: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$', default: D.REDIS_KEY_PREFIX }),
    log_level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: D.LOG_LEVEL },
    ),
    // Checked in detail by config/trust-proxy.ts, whose messages name the entry at fault.
    trust_proxy: Type.Unsafe<boolean | number | string[]>(Type.Unknown({ default: D.TRUST_PROXY })),
    tokens: Type.Object(
      {
        signing_alg: Type.Union(SIGNING_ALGS.map((a) => Type.Literal(a)), { default: D.SIGNING_ALG }),
        access_token_ttl: Seconds(D.ACCESS_TOKEN_TTL),
        id_token_ttl: Seconds(D.ID_TOKEN_TTL),
        refresh_token_ttl: Seconds(D.REFRESH_TOKEN_TTL),
        authorization_code_ttl: Type.Integer({ minimum: 1, maximum: 600, default: D.AUTHORIZATION_CODE_TTL }),
        device_code_ttl: Seconds(D.DEVICE_CODE_TTL),
        device_poll_interval: Seconds(D.DEVICE_POLL_INTERVAL),
        retired_key_grace: Seconds(D.RETIRED_KEY_GRACE, 0),
        // At most a day: longer would overflow the interval timer (2^31 ms).
        key_reload_interval: Type.Integer({ minimum: 1, maximum: 86_400, default: D.KEY_RELOAD_INTERVAL }),
        key_activation_delay: Seconds(D.KEY_ACTIVATION_DELAY, 0),
        rotation_interval: Seconds(D.ROTATION_INTERVAL, 0),
      },
      { ...strict, default: {} },
    ),
    sessions: Type.Object(
      {
        ttl: Seconds(D.SESSION_TTL),
        interaction_ttl: Seconds(D.INTERACTION_TTL),
        anonymous_interaction_ttl: Seconds(D.ANONYMOUS_INTERACTION_TTL),
        // Issue 12, back-channel logout: one attempt's bound, and how long a delivery is retried.
        backchannel_logout_timeout: Type.Integer({ minimum: 1, maximum: 60, default: D.BACKCHANNEL_LOGOUT_TIMEOUT }),
        backchannel_logout_retry_window: Type.Integer({ minimum: 60, maximum: 604_800, default: D.BACKCHANNEL_LOGOUT_RETRY_WINDOW }),
        upstream_login_ttl: Type.Integer({ minimum: 60, maximum: 3600, default: D.UPSTREAM_LOGIN_TTL }),
      },
      { ...strict, default: {} },
    ),
    security: Type.Object(
      {
        allow_pkce_plain: Type.Boolean({ default: D.ALLOW_PKCE_PLAIN }),
        require_pkce: Type.Boolean({ default: D.REQUIRE_PKCE }),
        login_max_failures_per_account: Seconds(D.LOGIN_MAX_FAILURES_PER_ACCOUNT),
        login_max_failures_per_ip: Seconds(D.LOGIN_MAX_FAILURES_PER_IP),
        login_account_slowdown_after: Seconds(D.LOGIN_ACCOUNT_SLOWDOWN_AFTER),
        // At most 10 s: a request waits up to two steps, well inside a reservation's lease.
        login_account_slowdown_step: Type.Integer({ minimum: 1, maximum: 10, default: D.LOGIN_ACCOUNT_SLOWDOWN_STEP }),
        login_throttle_window: Seconds(D.LOGIN_THROTTLE_WINDOW),
        device_code_max_wrong_guesses: Seconds(D.DEVICE_CODE_MAX_WRONG_GUESSES),
        min_client_secret_length: Seconds(D.MIN_CLIENT_SECRET_LENGTH),
        body_limit: Seconds(D.BODY_LIMIT, 1024),
        pending_per_source: Seconds(D.PENDING_PER_SOURCE),
        pending_per_ipv6_56: Seconds(D.PENDING_PER_IPV6_56),
        pending_per_ipv6_48: Seconds(D.PENDING_PER_IPV6_48),
        pending_source_window: Seconds(D.PENDING_SOURCE_WINDOW),
        max_pending_interactions: Seconds(D.MAX_PENDING_INTERACTIONS),
        max_pending_device_codes: Seconds(D.MAX_PENDING_DEVICE_CODES),
      },
      { ...strict, default: {} },
    ),
    resources: Type.Array(
      Type.Object(
        {
          identifier: Type.String({ minLength: 1 }),
          /** Shown on the consent page next to the identifier. */
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          scopes: Type.Array(Type.String(), { default: [] }),
        },
        strict,
      ),
      { default: [] },
    ),
    default_resource: Type.Optional(Type.String()),
    scopes: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }),
          description: Type.String(),
          /** Issue 10, templates only: member roles that may get an instance (absent: any member). */
          roles: Type.Optional(Type.Array(Role, { minItems: 1, uniqueItems: true })),
          /** Issue 10, templates only: how each parameter other than `org_id` is checked. */
          parameters: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z_][a-z0-9_]*$' }), Type.Object({ attribute: Type.String({ minLength: 1, maxLength: 64 }) }, strict))),
        },
        strict,
      ),
      { default: [] },
    ),
    organizations: Type.Array(
      Type.Object(
        {
          id: OrganizationId,
          name: Type.String({ minLength: 1, maxLength: 255 }),
          domains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9.-]+$' }), { uniqueItems: true })),
          members: Type.Optional(
            Type.Array(Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }), roles: Type.Optional(Type.Array(Role, { uniqueItems: true })) }, strict)),
          ),
          /** Issue 11: overrides the tenant's branding on pages of requests for this organization. */
          branding: Type.Optional(BrandingSchema),
          /** Issue 13: grants that act for this organization need a second factor (seeded into `mfa_policies`). */
          mfa_required: Type.Optional(Type.Boolean()),
        },
        strict,
      ),
      { default: [] },
    ),
    claims: Type.Array(
      Type.Object(
        {
          claim: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$' }),
          /** `roles`, `attributes.<name>`, `email`, `email_verified` or a standard claim name (`name`, `locale`…). */
          from: Type.String({ minLength: 1, maxLength: 128 }),
          tokens: Type.Optional(Type.Array(Type.Union(CLAIM_TARGETS.map((t) => Type.Literal(t))), { minItems: 1, uniqueItems: true })),
        },
        strict,
      ),
      { default: [] },
    ),
    branding: Type.Object(BrandingSchema.properties, { ...strict, default: {} }),
    messages: MessagesSchema,
    hooks: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: D.HOOKS }),
    clients: Type.Array(ClientSchema, { default: [] }),
    users: Type.Array(UserSchema, { default: [] }),
    /** Issue 12: upstream identity providers (social and enterprise sign-in), seeded into the `connections` table. */
    connections: Type.Array(ConnectionSchema, { default: [] }),
    /** Issue 12: which ways to sign in the sign-in page offers. */
    sign_in: Type.Object(
      {
        password: Type.Boolean({ default: D.SIGN_IN_PASSWORD }),
        connections: Type.Union([Type.Literal('above'), Type.Literal('below')], { default: D.SIGN_IN_CONNECTIONS }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 13: outgoing mail (SMTP, else the development mailer). */
    mail: Type.Object(
      {
        // null or empty: the development mailer (`${SMTP_URL:-}` gives an empty string).
        smtp_url: Type.Union([Type.String(), Type.Null()], { default: D.MAIL_SMTP_URL }),
        from: Type.String({ minLength: 3, maxLength: 320, default: D.MAIL_FROM }),
        directory: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: D.MAIL_DIRECTORY }),
        development: Type.Boolean({ default: D.MAIL_DEVELOPMENT }),
        max_per_address: Type.Integer({ minimum: 1, maximum: 1000, default: D.MAIL_MAX_PER_ADDRESS }),
        max_per_source: Type.Integer({ minimum: 1, maximum: 100_000, default: D.MAIL_MAX_PER_SOURCE }),
        throttle_window: Type.Integer({ minimum: 60, maximum: 86_400, default: D.MAIL_THROTTLE_WINDOW }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 13: the password policy (NIST SP 800-63B §5.1.1.2) and resets. */
    passwords: Type.Object(
      {
        min_length: Type.Integer({ minimum: 8, maximum: 128, default: D.PASSWORDS_MIN_LENGTH }),
        reset_ttl: Type.Integer({ minimum: 60, maximum: 86_400, default: D.PASSWORDS_RESET_TTL }),
        invite_ttl: Type.Integer({ minimum: 3600, maximum: 2_592_000, default: D.PASSWORDS_INVITE_TTL }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 13: self-service sign-up. */
    sign_up: Type.Object(
      {
        enabled: Type.Boolean({ default: D.SIGN_UP_ENABLED }),
        verify_email: Type.Union([Type.Literal('link'), Type.Literal('code'), Type.Literal('none')], { default: D.SIGN_UP_VERIFY_EMAIL }),
        verification_ttl: Type.Integer({ minimum: 60, maximum: 604_800, default: D.SIGN_UP_VERIFICATION_TTL }),
        max_unverified: Type.Integer({ minimum: 1, maximum: 10_000_000, default: D.SIGN_UP_MAX_UNVERIFIED }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 13: passkeys (WebAuthn): sign-in with a passkey, and their management on `/account/passkeys`. */
    passkeys: Type.Object(
      {
        enabled: Type.Boolean({ default: D.PASSKEYS_ENABLED }),
        rp_name: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { default: D.PASSKEYS_RP_NAME }),
        reauthentication_max_age: Type.Integer({ minimum: 60, maximum: 86_400, default: D.PASSKEYS_REAUTHENTICATION_MAX_AGE }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 13: multi-factor authentication (TOTP, recovery codes) and its policy. */
    mfa: Type.Object(
      {
        required: Type.Boolean({ default: D.MFA_REQUIRED }),
        remember_device: Type.Integer({ minimum: 0, maximum: 31_536_000, default: D.MFA_REMEMBER_DEVICE }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 13: passwordless sign-in by email (a link or a code). */
    passwordless: Type.Object(
      {
        magic_link: Type.Boolean({ default: D.PASSWORDLESS_MAGIC_LINK }),
        email_code: Type.Boolean({ default: D.PASSWORDLESS_EMAIL_CODE }),
        ttl: Type.Integer({ minimum: 60, maximum: 3600, default: D.PASSWORDLESS_TTL }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 11: more tenants, each with its issuer and its own keys below (TenantKeys). */
    tenants: Type.Array(Type.Object({ id: TenantId, issuer: Type.String({ minLength: 1 }) }, { additionalProperties: true }), { default: [] }),
    /** Issue 11: a directory of one YAML/JSON file per tenant (`<id>.yaml`), relative to the config file; re-read every `tenancy.reload_interval`. */
    tenants_dir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: D.TENANTS_DIR }),
    tenancy: Type.Object(
      {
        /** How often every node re-reads the tenants (and `tenants_dir`): added or removed tenants take effect within it. */
        reload_interval: Type.Integer({ minimum: 1, maximum: 86_400, default: D.TENANCY_RELOAD_INTERVAL }),
        /** Tenants whose state (keys, caches) a node keeps in memory at once; the least recently used beyond it is dropped. */
        cache_size: Type.Integer({ minimum: 1, maximum: 1_000_000, default: D.TENANCY_CACHE_SIZE }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 14: signed alert webhooks (deployment-wide; config/alerts.ts checks URLs and names). */
    alerts: Type.Object(
      {
        webhooks: Type.Array(
          Type.Object(
            {
              url: Type.String({ minLength: 1, maxLength: 2048 }),
              secret: Type.String({ minLength: 32, maxLength: 512 }),
              events: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, default: ['*'] }),
            },
            strict,
          ),
          { maxItems: 16, default: D.ALERTS_WEBHOOKS },
        ),
        thresholds: Type.Object(
          {
            failed_sign_ins_per_account: Type.Union([AlertThreshold, Type.Null()], { default: D.ALERTS_THRESHOLDS.failed_sign_ins_per_account }),
            failed_sign_ins_per_network: Type.Union([AlertThreshold, Type.Null()], { default: D.ALERTS_THRESHOLDS.failed_sign_ins_per_network }),
          },
          { ...strict, default: {} },
        ),
        repeat_window: Type.Integer({ minimum: 60, maximum: 86_400, default: D.ALERTS_REPEAT_WINDOW }),
        timeout: Type.Integer({ minimum: 1, maximum: 60, default: D.ALERTS_TIMEOUT }),
        max_attempts: Type.Integer({ minimum: 1, maximum: 30, default: D.ALERTS_MAX_ATTEMPTS }),
        retry_window: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: D.ALERTS_RETRY_WINDOW }),
        queue_limit: Type.Integer({ minimum: 1, maximum: 1_000_000, default: D.ALERTS_QUEUE_LIMIT }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 14: `GET /metrics` (Prometheus): its token, its own port, the label cap. */
    metrics: Type.Object(
      {
        token: Type.Union([Type.String({ minLength: 16, maxLength: 512, pattern: '^[\\x21-\\x7E]+$' }), Type.Null()], { default: D.METRICS_TOKEN }),
        port: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()], { default: D.METRICS_PORT }),
        host: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: D.METRICS_HOST }),
        max_label_values: Type.Integer({ minimum: 1, maximum: 10_000, default: D.METRICS_MAX_LABEL_VALUES }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 14: graceful shutdown on SIGTERM/SIGINT (`latch serve`). */
    shutdown: Type.Object(
      {
        timeout: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: D.SHUTDOWN_TIMEOUT }),
        drain_delay: Type.Number({ minimum: 0, maximum: 600, default: D.SHUTDOWN_DRAIN_DELAY }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 14: OpenTelemetry traces (OTLP/HTTP), off by default. Deployment-wide (not a tenant key). */
    tracing: Type.Object(
      {
        enabled: Type.Boolean({ default: D.TRACING_ENABLED }),
        /** null: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else the local collector. */
        endpoint: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: D.TRACING_ENDPOINT }),
        /** null: OTEL_SERVICE_NAME, else `latch`. */
        service_name: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], { default: D.TRACING_SERVICE_NAME }),
        sample_ratio: Type.Number({ minimum: 0, maximum: 1, default: D.TRACING_SAMPLE_RATIO }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 14: the audit log (README "Audit log"); `include_email` per tenant, the others the deployment's. */
    audit: Type.Object(
      {
        enabled: Type.Boolean({ default: D.AUDIT_ENABLED }),
        retention: Type.Integer({ minimum: 0, maximum: 315_360_000, default: D.AUDIT_RETENTION }),
        stream: Type.Union([Type.Literal('stdout'), Type.Null()], { default: D.AUDIT_STREAM }),
        include_email: Type.Boolean({ default: D.AUDIT_INCLUDE_EMAIL }),
        exclude_types: Type.Array(Type.Union(EVENT_NAMES.map((name) => Type.Literal(name))), { uniqueItems: true, default: D.AUDIT_EXCLUDE_TYPES }),
      },
      { ...strict, default: {} },
    ),
    /** Issue 14: this tenant's administrators (users with a `latch:` role, rules/admin-roles.ts). */
    admin: Type.Object(
      {
        require_mfa: Type.Boolean({ default: D.ADMIN_REQUIRE_MFA }),
      },
      { ...strict, default: {} },
    ),
  },
  strict,
)

export type ConfigFile = Static<typeof ConfigFileSchema>

/** `[a-z0-9-]{1,64}`, like organization ids: it names the tenant in the CLI, logs and cookie names. */
export const TENANT_ID_PATTERN = '^[a-z0-9-]{1,64}$'

/**
 * The keys a tenant sets for itself (issue 11); every other key is the deployment's. A tenant that
 * omits one gets the key's default, not the default tenant's value.
 */
export const TENANT_KEYS = [
  'tokens', 'sessions', 'security', 'resources', 'default_resource', 'scopes', 'organizations', 'claims', 'clients', 'users', 'branding', 'messages', 'connections', 'sign_in',
  // Issue 13.
  'mail', 'passwords', 'sign_up',
  // Issue 13 (lane C).
  'passkeys',
  'mfa',
  // Issue 13, passwordless email.
  'passwordless',
  // Issue 14: `audit.include_email` only (DEPLOYMENT_AUDIT_KEYS are the deployment's).
  'audit',
  // Issue 14: `admin.require_mfa`.
  'admin',
] as const
export type TenantKey = (typeof TENANT_KEYS)[number]

/** `security.*` keys that bound the whole deployment (one body parser, caps on what anonymous requests make it store): top level only. */
export const DEPLOYMENT_SECURITY_KEYS = [
  'body_limit', 'pending_per_source', 'pending_per_ipv6_56', 'pending_per_ipv6_48', 'pending_source_window', 'max_pending_interactions', 'max_pending_device_codes',
] as const

/** Issue 14: `audit.*` keys of the whole deployment (one log, one retention, one stream): top level only. */
export const DEPLOYMENT_AUDIT_KEYS = ['enabled', 'retention', 'stream', 'exclude_types'] as const

/** A tenant as config defines it, resolved (issue 11). */
export interface TenantDefinition {
  id: string
  /** Normalized like `issuer`. */
  issuer: string
  /** The tenant's keys other than clients, users and organizations (which are seeded into its tables), as written: what the `tenants` table stores. */
  settings: Record<string, unknown>
  /** Its resolved config, for seeding its clients, users and organizations at start. */
  config: LatchConfig
  /** Where it was defined: `tenants[2]` or a file of `tenants_dir`. */
  source: string
  /** SHA-256 of its `tenants_dir` file as read (null for a `tenants` entry): the reload re-applies a file whose content changed. */
  digest: string | null
}

export interface ResolvedClient {
  client_id: string
  client_name: string
  client_secret_hash: string | null
  token_endpoint_auth_method: ClientAuthMethodName
  /**
   * `token_endpoint_auth_method` was given explicitly. Unpinned, a secret client accepts both
   * `client_secret_basic` and `client_secret_post` (client-auth/authenticate.ts).
   */
  auth_method_pinned: boolean
  /** The alg of this client's ID tokens; null: `tokens.signing_alg` (OIDC Dynamic Client Registration §2). */
  id_token_signed_response_alg: SigningAlg | null
  grant_types: string[]
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  scope: string
  /** The resources this client may get tokens for; null: none named, only `default_resource`. */
  resources: string[] | null
  skip_consent: boolean
  jwks: { keys: Record<string, unknown>[] } | null
  /** Tokens only for an organization: a picker after sign-in when the user has several (issue 10). */
  organization_required: boolean
  /** Organizations a client-credentials token may be issued for (`organization=<id>`); null: none. */
  organizations: string[] | null
  /** Issue 12, OIDC Back-Channel Logout §2.2: where logout tokens go; null: the client is not notified. */
  backchannel_logout_uri: string | null
  /** OIDC Back-Channel Logout §2.2: the client needs `sid` in its logout tokens (Latch always sends one). */
  backchannel_logout_session_required: boolean
  /** Issue 13: set from config only, seeded into `mfa_policies` (client rows do not carry it). */
  mfa_required?: boolean
  /** Issue 13: overrides `sign_up.enabled` for this client; null or absent: the tenant's. */
  sign_up?: boolean | null
}

/**
 * Issue 12: a connection as resolved from config (defaults from its preset) or read back from the
 * `connections` table (`connections/records.ts`). `secrets` live only in memory; the table holds them encrypted.
 */
export interface ResolvedConnection {
  id: string
  type: ConnectionType
  protocol: 'oidc' | 'oauth2'
  display_name: string
  enabled: boolean
  issuer: string | null
  authorization_endpoint: string | null
  token_endpoint: string | null
  userinfo_endpoint: string | null
  emails_endpoint: string | null
  client_id: string
  scope: string
  token_endpoint_auth_method: ConnectionAuthMethod
  response_mode: 'query' | 'form_post'
  pkce: boolean
  authorization_params: Record<string, string>
  mapping: Record<MappableClaim, string>
  trust_email_verified: boolean
  link_by_email: boolean
  jit: boolean
  /** Issue 12: end the upstream session too at Latch's logout (a row written before it existed reads as false). */
  federated_logout: boolean
  /** Review L4: the signed ID token's `amr` is Latch's too (after `fed`); a row written before it existed reads as false. */
  trust_amr: boolean
  /** Security review M2: private addresses allowed for this connection's requests (never loopback, link-local or metadata). */
  private_network: boolean
  microsoft: { tenant: string; allowed_tenants: string[] } | null
  apple: { team_id: string; key_id: string } | null
  hosted_domain: string | null
  secrets: ConnectionSecrets
}

/**
 * Issue 12: enterprise SSO. A connection of the config file as seeded: `organization` and `required`
 * go to their own columns of the `connections` table (`ConnectionRecord.organization_id`,
 * `required`), not into its settings.
 */
export interface ConnectionOrganization {
  organization: string | null
  required: boolean
}

export interface ConnectionSecrets {
  client_secret?: string
  /** apple: the PKCS#8 PEM of the client-secret JWT's key. */
  private_key?: string
}

/** An `organizations` entry with its branding resolved (the stylesheet read). */
export type ResolvedOrganizationConfig = Omit<ConfigFile['organizations'][number], 'branding'> & { branding: Branding }

/** The frozen, validated configuration: `app.latch.config`. */
export interface LatchConfig extends Omit<ConfigFile, 'clients' | 'hooks' | 'tenants' | 'tenants_dir' | 'branding' | 'messages' | 'organizations' | 'connections'> {
  /** Issue 12: the file's connections, resolved (seeded into the `connections` table at start). */
  connections: (ResolvedConnection & ConnectionOrganization)[]
  /** Issue 11: the tenants config defines (`tenants` and `tenants_dir`), validated; empty in a tenant's own config. */
  tenants: TenantDefinition[]
  /** Absolute path, or null. */
  tenants_dir: string | null
  /** Issue 11: the pages' look, `css_file` read into `css` (config/branding.ts). */
  branding: Branding
  /** Issue 11: per language, per message key, the text that replaces the catalogue's. */
  messages: MessageOverrides
  organizations: ResolvedOrganizationConfig[]
  /** The hooks module, as an absolute path (relative paths are taken from the config file's directory); null: none. */
  hooks: string | null
  /** Derived: the templates among `scopes` (`read:organization:{org_id}`), parsed once. */
  scope_templates: ScopeTemplate[]
  /** Issuer without a trailing slash. */
  issuer: string
  /** Master key material for encryption at rest (from `LATCH_SECRET` or the dev secret file). */
  secret: string
  /** Where the dev secret came from: `env`, or the file it was generated into. */
  secret_source: string
  redis_url: string | null
  clients: ResolvedClient[]
  /** Derived: every scope Latch knows (OIDC standard ones, `scopes`, and each resource's). */
  known_scopes: string[]
}

/** The standard OIDC scopes and the claims each releases (OIDC Core §5.4). */
export const OIDC_SCOPE_CLAIMS: Record<string, readonly string[]> = {
  openid: ['sub'],
  profile: [
    'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
    'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
  ],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
}
/** Defined with the scope rules (RFC 6749 §3.3); re-exported for the config loader. */
export { STANDARD_SCOPES } from '../rules/scope.js'
