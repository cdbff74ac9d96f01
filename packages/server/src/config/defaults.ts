/**
 * THE documented defaults of Latch. Every configurable key and its default value lives here,
 * with why that default was chosen and the spec it follows. `schema.ts` validates against these,
 * and `node scripts/config-docs.mjs --write` renders the README's configuration reference from this file (a test
 * fails when the README is stale).
 */

/**
 * Public URL of this provider: the `iss` of every token and the base of every absolute URL Latch
 * emits (never the request's Host header).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @security Use https in production; an http issuer off localhost warns at boot.
 * @key issuer
 */
export const ISSUER = 'http://localhost:9000'

/**
 * TCP port to listen on. Env `PORT` and `latch serve --port` override it.
 * @key port
 */
export const PORT = 9000

/**
 * Interface to bind. `0.0.0.0` so containers and LAN devices can reach a dev server.
 * @key host
 */
export const HOST = '0.0.0.0'

/**
 * Database URL: `sqlite:PATH` (embedded, default) or `postgres://...`. Env `LATCH_DATABASE_URL`.
 * @key database
 */
export const DATABASE = 'sqlite:./data/latch.db'

/**
 * Redis URL, `redis://[:password@]host[:port][/db]` (`rediss://` for TLS), through which every
 * node shares the login throttle and the device user-code throttle; unset (`null`), each process
 * counts on its own. If Redis becomes unreachable Latch keeps serving: it counts per process (so
 * limits hold per node), logs one warning, and shares again once Redis is back. Env
 * `LATCH_REDIS_URL`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 * @security The URL may carry the Redis password: set it through the environment, not the file; logs show it redacted.
 * @key redis_url
 */
export const REDIS_URL = null

/**
 * Prefix of every Redis key Latch writes (`latch:throttle:a:<digest>`), so that several
 * deployments, or test runs, can share one Redis without sharing counters.
 * @key redis_key_prefix
 */
export const REDIS_KEY_PREFIX = 'latch:'

/**
 * pino level: fatal, error, warn, info, debug, trace, silent. Env `LATCH_LOG_LEVEL`.
 * @key log_level
 */
export const LOG_LEVEL = 'info'

/**
 * Trust `X-Forwarded-*` from a reverse proxy (client IP for throttling only; URLs always come
 * from `issuer`). Leave off unless a proxy you run strips these headers from clients.
 * @key trust_proxy
 */
export const TRUST_PROXY = false

/**
 * JWS algorithm of ID tokens and access tokens: RS256 (interoperable default, required by OIDC
 * Core §15.1), PS256, ES256 (fastest, smallest) or EdDSA (Ed25519). With another alg, a client
 * that needs RS256 ID tokens registers `id_token_signed_response_alg: RS256`: an RS256 key then
 * rotates beside the main one.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ServerMTI
 * @key tokens.signing_alg
 */
export const SIGNING_ALG = 'RS256'

/**
 * Lifetime of access tokens, seconds. Short because JWT access tokens verified offline cannot be
 * recalled before they expire.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.10
 * @key tokens.access_token_ttl
 */
export const ACCESS_TOKEN_TTL = 900

/**
 * Lifetime of ID tokens, seconds.
 * @key tokens.id_token_ttl
 */
export const ID_TOKEN_TTL = 3600

/**
 * Lifetime of refresh tokens, seconds (30 days). Each use rotates the token; the new one keeps
 * the family's original expiry so rotation cannot extend a grant forever.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @key tokens.refresh_token_ttl
 */
export const REFRESH_TOKEN_TTL = 2_592_000

/**
 * Lifetime of authorization codes, seconds. RFC 6749 recommends at most 10 minutes; one minute
 * is plenty for a redirect and narrows the window for a stolen code.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @key tokens.authorization_code_ttl
 */
export const AUTHORIZATION_CODE_TTL = 60

/**
 * Lifetime of device codes and user codes, seconds.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 * @key tokens.device_code_ttl
 */
export const DEVICE_CODE_TTL = 600

/**
 * Minimum seconds between two polls of one device code; a faster poll gets `slow_down` and the
 * interval grows by 5 seconds, as RFC 8628 §3.5 requires.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @key tokens.device_poll_interval
 */
export const DEVICE_POLL_INTERVAL = 5

/**
 * How long a signing key that was rotated out stays published in JWKS after its retirement,
 * seconds. Must cover the longest-lived token it signed: max(access_token_ttl, id_token_ttl).
 * `0` means "derive it": max(access_token_ttl, id_token_ttl) + 60 s + key_reload_interval (a node
 * may sign with a retired key until its next reload).
 * @key tokens.retired_key_grace
 */
export const RETIRED_KEY_GRACE = 0

/**
 * How often every node re-reads the signing keys from the database, seconds: a rotation made on
 * one node (or by `latch keys rotate`) reaches every other node within this bound.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 * @key tokens.key_reload_interval
 */
export const KEY_RELOAD_INTERVAL = 30

/**
 * How long a rotated-in key is published in JWKS before any node signs with it, seconds, so every
 * node and every verifier's cached JWK Set knows the key before a token carries its kid. `0` means
 * "derive it": 2 × key_reload_interval + 300 (the JWKS `Cache-Control: max-age`), 6 minutes by
 * default. `latch keys rotate --now` skips the wait (for a compromised key). The first key of a new
 * database signs at once.
 * **Security:** Shorter than the reload interval, some node may meet a kid it has not loaded yet
 * (it reloads once and verifies); a relying party caching JWKS for longer may reject tokens briefly.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 * @key tokens.key_activation_delay
 */
export const KEY_ACTIVATION_DELAY = 0

/**
 * `Cache-Control: max-age` of /jwks (not configurable): short, so a new key reaches verifiers
 * quickly; the derived key activation delay waits it out.
 */
export const JWKS_MAX_AGE = 300

/**
 * How long an IdP session (single sign-on cookie) lasts, seconds (14 days).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Authentication
 * @key sessions.ttl
 */
export const SESSION_TTL = 1_209_600

/**
 * How long a pending sign-in / consent interaction stays valid, seconds.
 * @key sessions.interaction_ttl
 */
export const INTERACTION_TTL = 3600

/**
 * Accept PKCE `plain`. Off: `plain` offers no protection when the authorization request leaks.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 * @key security.allow_pkce_plain
 */
export const ALLOW_PKCE_PLAIN = false

/**
 * Require PKCE of every client, confidential ones too. Public clients always need it.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 * @key security.require_pkce
 */
export const REQUIRE_PKCE = false

/**
 * Failed sign-ins per account in `login_throttle_window` before the account is throttled.
 * @key security.login_max_failures_per_account
 */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 5

/**
 * Failed sign-ins per client IP in `login_throttle_window` before the IP is throttled.
 * @key security.login_max_failures_per_ip
 */
export const LOGIN_MAX_FAILURES_PER_IP = 20

/**
 * Sliding window of the login throttle, seconds; also the longest a throttled user waits.
 * @key security.login_throttle_window
 */
export const LOGIN_THROTTLE_WINDOW = 900

/**
 * Shortest accepted `client_secret`, characters. Secrets are compared by SHA-256, which is only
 * safe for high-entropy secrets; 32 characters keep brute force out of reach.
 * @key security.min_client_secret_length
 */
export const MIN_CLIENT_SECRET_LENGTH = 32

/**
 * Largest request body accepted, bytes; larger gets `invalid_request` with 413.
 * @key security.body_limit
 */
export const BODY_LIMIT = 65_536
