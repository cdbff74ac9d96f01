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
 * Interface to bind. `127.0.0.1`: only this machine can connect (http://localhost:9000 works
 * whether `localhost` resolves to 127.0.0.1 or to ::1 first: browsers, curl and Node's fetch try
 * both). Set `0.0.0.0` (or `::`) to serve other machines, a reverse proxy on another host, or a
 * container's published port.
 * @security Off loopback, Latch warns at boot while the demo credentials of latch.config.yaml (client secrets containing `change-me`, the demo user's password) are configured: anyone who can reach the port could use them.
 * @key host
 */
export const HOST = '127.0.0.1'

/**
 * Database URL: `sqlite:PATH` (embedded, default) or `postgres://...`. Env `LATCH_DATABASE_URL`.
 * @key database
 */
export const DATABASE = 'sqlite:./data/latch.db'

/**
 * Redis URL, `redis://[:password@]host[:port][/db]` (`rediss://` for TLS), through which every
 * node shares the login throttle, the device user-code throttle and the per-source limits on
 * sign-in pages and device codes (`security.pending_per_source`); unset (`null`), each process
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
 * Which `X-Forwarded-For` entries to believe, for the client address that sign-in throttling
 * counts (URLs always come from `issuer`): `false` (the socket's peer is the client), a hop count
 * (`1` = one reverse proxy in front, `2` = a load balancer and a proxy, …), or a list of the
 * proxies' addresses and CIDRs (`[10.0.0.0/8, "2001:db8::/32"]`; also `loopback`, `linklocal`,
 * `uniquelocal`). The client is the right-most entry that is not a trusted proxy, never the
 * left-most, which any client can write. `true` means `1` (since issue 8; before, it trusted every
 * hop and took the left-most entry).
 * @see https://www.rfc-editor.org/rfc/rfc7239#section-7.4
 * @security Trust only proxies you run that append to `X-Forwarded-For`; a wrong hop count lets a client choose its address, and with it a fresh throttling budget. With a hop count, Latch must be reachable only through those proxies (a client connecting directly could write the header); a list of the proxies' addresses holds even when it is not.
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
 * How often each tenant's signing key is rotated on its own, seconds; `0` (the default) turns the
 * schedule off (rotate with `latch keys rotate`, e.g. from cron). Every node checks every
 * `tenancy.reload_interval` which tenants' newest key is older than their interval, in one query,
 * and rotates those: the new key is published at once and signs after `key_activation_delay`,
 * like `latch keys rotate`. Nodes checking at once add one key between them (the generation the
 * newest key had decides). Per tenant, like every `tokens.*` key: a tenant that omits it has 0.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 * @key tokens.rotation_interval
 */
export const ROTATION_INTERVAL = 0

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
 * How long an interaction that nobody has signed in to yet stays valid, seconds; signing in gives
 * it the rest of `sessions.interaction_ttl`. Shorter because anyone can start one with a plain
 * `GET /authorize` and each is a stored row; long enough that a user throttled on the sign-in page
 * (`security.login_throttle_window`) can still finish there.
 * @security With `security.pending_per_source`, caps the rows one source keeps alive at a time.
 * @key sessions.anonymous_interaction_ttl
 */
export const ANONYMOUS_INTERACTION_TTL = 1800

/**
 * How long one back-channel logout delivery may take, seconds: the POST of a logout token to a
 * client's `backchannel_logout_uri` is abandoned after this and retried later (redirects are never
 * followed; 200 or 204 counts as delivered).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 * @key sessions.backchannel_logout_timeout
 */
export const BACKCHANNEL_LOGOUT_TIMEOUT = 5

/**
 * How long Latch keeps trying to deliver a logout token after the session ended, seconds. Failed
 * attempts are retried after 5 s, 10 s, 20 s … (at most 5 minutes apart, ±20 % jitter); past this
 * window the delivery is abandoned (event `logout_token.abandoned`). The client's sessions then end
 * when their refresh fails: Latch revoked the grant when the session ended.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse
 * @key sessions.backchannel_logout_retry_window
 */
export const BACKCHANNEL_LOGOUT_RETRY_WINDOW = 3600

/**
 * Issue 12: seconds a sign-in through a connection (an upstream identity provider) may take, from
 * the redirect to the upstream until its callback. Its state lives this long (hashed, bound to the
 * browser's `latch_upstream` cookie) and is swept after.
 * @key sessions.upstream_login_ttl
 */
export const UPSTREAM_LOGIN_TTL = 600

/**
 * Interactions (sign-in pages started by `/authorize` or the device page) and, counted apart,
 * device authorizations that one source may start per `pending_source_window`. A source is a
 * client IP address, an IPv6 /64 network (one host usually holds a whole /64). Past it, `/authorize`
 * redirects `temporarily_unavailable` to the client and `/device/authorize` answers 429
 * `slow_down` with `Retry-After`. Counted in Redis when `redis_url` is set, so the limit is per
 * deployment. Raise it when many users share one address (a large NAT, or a proxy without
 * `trust_proxy`).
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 * @security Stops one source from filling the pending-state caps below, which would lock everyone out.
 * @key security.pending_per_source
 */
export const PENDING_PER_SOURCE = 200

/**
 * Like `pending_per_source`, for every IPv6 /56 (256 /64s: what many ISPs delegate to one
 * customer); never below `pending_per_source`. Four /64s' worth: a household's few devices never
 * reach it, one host cycling through its /56 is held to it.
 * @see https://www.rfc-editor.org/rfc/rfc6177
 * @security Without it one /48 holds 65,536 fresh per-/64 budgets.
 * @key security.pending_per_ipv6_56
 */
export const PENDING_PER_IPV6_56 = 800

/**
 * Like `pending_per_source`, for every IPv6 /48 (one site's usual delegation: 65,536 /64s); never
 * below the /56 limit. Ten /64s' worth, about 3 sign-in pages a second for a whole site; raise it for a large campus that
 * signs in from one /48.
 * @see https://www.rfc-editor.org/rfc/rfc6177
 * @security Bounds how fast one /48 can flush sign-in pages at the `max_pending_interactions` cap.
 * @key security.pending_per_ipv6_48
 */
export const PENDING_PER_IPV6_48 = 2000

/**
 * Sliding window of `pending_per_source`, seconds.
 * @key security.pending_source_window
 */
export const PENDING_SOURCE_WINDOW = 600

/**
 * Most unexpired interactions stored at once, the last line against filling the disk: past it,
 * the oldest interactions nobody has signed in to are deleted to make room (their users start
 * again); only when every one has a signed-in user are new sign-ins that need a page refused with
 * `temporarily_unavailable` (redirected to the client at `/authorize`). Worst case ~5 KB each (`state` and `nonce` may be
 * 2048 characters), so the default bounds them near 250 MB. Single sign-on without a page stores
 * nothing and is never refused.
 * @security A global cap alone would let one attacker deny everyone; `pending_per_source` comes first.
 * @key security.max_pending_interactions
 */
export const MAX_PENDING_INTERACTIONS = 50_000

/**
 * Most unexpired device codes stored at once; past it, `/device/authorize` answers 503
 * `temporarily_unavailable` with `Retry-After` until some expire.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @key security.max_pending_device_codes
 */
export const MAX_PENDING_DEVICE_CODES = 50_000

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
 * Failed sign-ins per account from one source in `login_throttle_window`, after which that source
 * is refused for that account (the page says when to retry). A source is a client address (an
 * IPv6 /64), or a browser holding the account's device cookie; other sources are not refused, so
 * an attacker cannot lock the real user out. Also the limit per device user code.
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-5.1.4.2.3
 * @key security.login_max_failures_per_account
 */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 5

/**
 * Failed sign-ins per source (client address, IPv6 /64) over every account in
 * `login_throttle_window`, after which the source is refused (sign-ins from a browser holding the
 * account's device cookie are exempt). Correct sign-ins are never counted: fifty users behind one
 * NAT address sign in at once. Issue 13: wrong second-factor answers (TOTP, recovery codes) from
 * one source over every account have a budget of this size of their own (credential stuffing).
 * @key security.login_max_failures_per_ip
 */
export const LOGIN_MAX_FAILURES_PER_IP = 20

/**
 * Failed sign-ins of one account over every source in `login_throttle_window` after which the
 * account is slowed down, never locked: its password checks take turns `login_account_slowdown_step`
 * seconds apart (browsers with its device cookie skip the queue). Bounds the guesses per account
 * and window, however many addresses an attacker holds, to about this + window / step.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 * @key security.login_account_slowdown_after
 */
export const LOGIN_ACCOUNT_SLOWDOWN_AFTER = 10

/**
 * Seconds between two password checks of a slowed-down account. A sign-in waits for its turn at
 * most twice this long; past that it is asked to retry within seconds.
 * @key security.login_account_slowdown_step
 */
export const LOGIN_ACCOUNT_SLOWDOWN_STEP = 3

/**
 * Sliding window of the login throttle, seconds; also the longest a refused source waits.
 * @key security.login_throttle_window
 */
export const LOGIN_THROTTLE_WINDOW = 900

/**
 * Wrong user codes entered on the device page over every source in `login_throttle_window`, after
 * which the page refuses codes (429, `Retry-After`) until the oldest leaves the window. With
 * 20^8 (2^34.5) user codes, a code lives `device_code_ttl` (600 s, inside one window), so an attack
 * from any number of networks hits a given code with odds at most this / 20^8 (1 in 25 million),
 * and any of N users' codes alive with N times that (1 in 256,000 for 100). Each IPv4 address and
 * each IPv6 /64, /56 and /48 still gets at most `login_max_failures_per_ip` of them, so spending it
 * takes 50 such networks at the defaults.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 * @security Lower it to cut the odds; an attacker who spends it blocks the device page for a window.
 * @key security.device_code_max_wrong_guesses
 */
export const DEVICE_CODE_MAX_WRONG_GUESSES = 1000

/**
 * Lifetime of the device cookie set at each successful sign-in (not configurable): 180 days. It
 * names the account by a keyed hash only and lets its browser skip per-address and per-account
 * throttling of that account.
 * @see https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 */
export const DEVICE_COOKIE_TTL = 15_552_000

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

/**
 * A JavaScript module of hooks (issue 10), or null. Its optional exports: `claims(input)` returns
 * custom claims for a token (`input.token` is `access_token`, `id_token` or `userinfo`), and
 * `scopeParameter(input)` decides a scope template parameter that `scopes[].parameters` does not
 * declare. A relative path is taken from the config file's directory; `.ts` works on Node
 * versions that strip types (22.18 and later, 24). Loaded once at start; a missing module stops the server.
 * `claims` is awaited at most 1 second per token; a timeout or a throw fails the request with
 * `server_error`. It can never set a protocol claim (`sub`, `iss`, `org_id`…): see "Custom claims".
 * `scopeParameter` must answer exactly `true` within 1 second to grant; a timeout or a throw refuses
 * the scope (it is dropped, and logged). Both get copies of the user and client without their hashes.
 * @security The module runs inside the provider with its privileges: treat it as code you deploy.
 * @key hooks
 */
export const HOOKS = null

/**
 * A directory of one YAML or JSON file per tenant (issue 11), or null. A file `acme.yaml` defines
 * tenant `acme` (its `id`, when given, must match) with the same keys as an entry of `tenants`. A
 * relative path is taken from the config file's directory. Every node re-reads it every
 * `tenancy.reload_interval`: a new or changed file takes effect within that time. A file that
 * fails validation then is logged as an error naming it and leaves its tenant as it was (at start
 * it stops the server, as any config error). A removed file leaves the tenant and its data in
 * place: `latch tenants delete ID` deletes them.
 * @key tenants_dir
 */
export const TENANTS_DIR = null

/**
 * How often, in seconds, every node re-reads the tenants (the `tenants` table and `tenants_dir`):
 * a tenant created, changed or deleted with the CLI, or in the directory, takes effect within it.
 * @key tenancy.reload_interval
 */
export const TENANCY_RELOAD_INTERVAL = 30

/**
 * How many tenants a node keeps loaded at once (signing keys, client cache, settings). Beyond it the
 * least recently used tenant is dropped and loaded again on its next request. Memory grows with the
 * tenants in use, not with the tenants defined; keep it above the number in use.
 * @key tenancy.cache_size
 */
export const TENANCY_CACHE_SIZE = 2000

/**
 * More tenants on this deployment (issue 11): each entry is `{ id, issuer, ... }` with its own
 * `tokens`, `sessions`, `security` (except the deployment-wide `body_limit`, `pending_*` and
 * `max_pending_*`), `scopes`, `resources`, `default_resource`, `claims`, `branding`, `messages`, `clients`, `users`,
 * `organizations`, `connections`, `sign_in`, (issue 13) `mail`, `passwords` and `sign_up`, and (issue 14) `admin`, which mean what the same keys mean at the top level. A key a tenant omits
 * takes its default, not the default tenant's value. `id` is `[a-z0-9-]{1,64}`; every issuer is
 * unique. The top-level config is tenant `default`.
 * @key tenants
 */
export const TENANTS = []

/**
 * Issue 11: the product's name on the pages, instead of Latch: every page's title and header (and
 * the logo's alt text), and the texts that name the provider (the sign-out question, the home page).
 * @key branding.product_name
 */
export const BRANDING_PRODUCT_NAME = 'Latch'

/**
 * Issue 11: the logo shown at the top of every page instead of the product's name (its alt text is
 * the product name). An https URL, a root-relative path on the issuer's origin (`/brand/logo.svg`),
 * or http on a loopback host (development); the pages' CSP allows its origin for images.
 * @key branding.logo_url
 */
export const BRANDING_LOGO_URL = null

/**
 * Issue 11: the pages' favicon (`<link rel="icon">`); URL rules as `branding.logo_url`.
 * @key branding.favicon_url
 */
export const BRANDING_FAVICON_URL = null

/**
 * Issue 11: `#rrggbb` of buttons, links, the focus ring and radio buttons (CSS custom property
 * `--latch-primary`); button text is white or dark, whichever contrasts more. Below WCAG 2.2 AA
 * where it is drawn (4.5:1 for link text on the white card, 3:1 for the focus ring), the server
 * warns at start.
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @key branding.primary_color
 */
export const BRANDING_PRIMARY_COLOR = null

/**
 * Issue 11: `#rrggbb` of the page behind the card (`--latch-background`); the header and footer
 * text on it is white or dark, whichever contrasts more, and a warning at start says when even
 * that is below 4.5:1.
 * @key branding.background_color
 */
export const BRANDING_BACKGROUND_COLOR = null

/**
 * Issue 11: a stylesheet (relative to the config file) read at start, at most 64 KiB, served at
 * `{issuer}/branding.css` (hash ETag) and linked after the built-in styles, so it can restyle
 * anything. Under the pages' CSP it may load images only from the issuer, `data:` and the logo's
 * and favicon's origins, and no fonts.
 * @security It is served from the issuer's origin: review it as you would the pages themselves.
 * @key branding.css_file
 */
export const BRANDING_CSS_FILE = null

/**
 * Issue 11: footer links of every page (URL rules as `branding.logo_url`); each is shown only when set.
 * @key branding.support_url
 */
export const BRANDING_SUPPORT_URL = null

/**
 * Issue 11: the footer's terms of use link.
 * @key branding.terms_url
 */
export const BRANDING_TERMS_URL = null

/**
 * Issue 11: the footer's privacy policy link.
 * @key branding.privacy_url
 */
export const BRANDING_PRIVACY_URL = null

/**
 * Issue 11: per language (`en de fr es ja ar`), per message key of the English catalogue
 * (`login.title`, `errors.access_denied.sentence`; see `interaction/views/messages.ts`), the text
 * that replaces the shipped one. Parameterised texts write their placeholders (`{app}`,
 * `{seconds}`…, the same as the original's), any text may write `{product}`; an unknown
 * language, key or placeholder stops the server naming the key.
 * @key messages
 */
export const MESSAGES = {}

/**
 * Issue 12: upstream identity providers users may sign in through, each `{ id, type, client_id,
 * client_secret, ... }`: `type` is `oidc` (with `issuer`: discovery), `oauth2` (with
 * `authorization_endpoint`, `token_endpoint`, `userinfo_endpoint`), or a preset (`google`,
 * `microsoft`, `apple`, `github`, `gitlab`, `facebook`, `twitter`, `discord`, `linkedin`, `slack`)
 * whose endpoints, scope and claim mapping are filled in. Register `{issuer}/connections/<id>/callback`
 * as the redirect URI at the provider. `mapping` maps the user's claims from the upstream profile
 * (dot paths); `link_by_email` (default true) links a first sign-in to an existing user only when
 * both the provider and the local account assert the email verified; `jit` (default true) creates
 * the user otherwise. `federated_logout` (default false): signing out of Latch also signs the user
 * out at the provider, through its RP-initiated logout (`end_session_endpoint`; register
 * `{issuer}/connections/<id>/logged-out` as a post-logout redirect URI there); a provider without
 * one, or that cannot be reached, leaves Latch's logout as it is. `trust_amr` (default false):
 * the session's `amr` is `["fed"]` only; true (OpenID Connect connections) adds the RFC 8176 values
 * of the upstream's signed ID token `amr` (never userinfo's or a profile JSON's), so set it only
 * for a provider whose `mfa`, `hwk`… your applications may rely on. `private_network` (default
 * false): Latch connects only to public addresses for a connection (its discovery document could
 * otherwise point Latch at internal services); true lets this connection's requests reach private
 * addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), for an identity provider inside
 * your network such as a self-hosted Keycloak; loopback, link-local (cloud metadata) and the other
 * special ranges stay refused, and `https` is still required.
 * Seeded into the `connections` table at start (unchanged entries are not rewritten).
 * Enterprise SSO: `organization: <id>` makes it that organization's identity provider: not a
 * button on the sign-in page, but where home-realm discovery sends the emails of the
 * organization's `domains` (it may link or create only users of those domains, and makes them
 * members); `required: true` (needs `organization`) refuses the password to its members and to
 * every email of its domains, who must sign in through it.
 * @security Write `client_secret: ${GOOGLE_CLIENT_SECRET}`: it is stored encrypted under
 * LATCH_SECRET, never with a tenant's settings, and never logged.
 * @key connections
 */
export const CONNECTIONS = []

/**
 * Issue 12: whether the sign-in page offers the password form. `false` hides it, and a password
 * submitted anyway is refused (400): users sign in through `connections` only.
 * @key sign_in.password
 */
export const SIGN_IN_PASSWORD = true

/**
 * Issue 12: where the sign-in page shows a button per enabled connection: `above` or `below` the password form.
 * @key sign_in.connections
 */
export const SIGN_IN_CONNECTIONS = 'above'

/**
 * Issue 13: the SMTP server that sends this tenant's mail (verification links and codes, password
 * resets), as `smtp://user:pass@host:587` (STARTTLS when the server offers it) or
 * `smtps://…:465` (TLS from the start); nodemailer. Unset (`null`, or empty as `${SMTP_URL:-}`
 * gives): the development mailer, which prints each message to the console and writes it as an
 * `.eml` file under `mail.directory`, so a developer can open the links.
 * @see https://www.rfc-editor.org/rfc/rfc5321
 * @security Set it from the environment (`smtp_url: ${SMTP_URL}`): it carries the SMTP password. On an https issuer without it, the features that mail are off and the start-up warning names them (`mail.development`).
 * @key mail.smtp_url
 */
export const MAIL_SMTP_URL = null

/**
 * Issue 13: the `From` of every message (an address, or `Name <address>`).
 * @key mail.from
 */
export const MAIL_FROM = 'Latch <no-reply@localhost>'

/**
 * Issue 13: where the development mailer (no `mail.smtp_url`) writes each message, as
 * `<time>-<to>.eml` (relative to the working directory, like the SQLite path); `null`: the console only.
 * @key mail.directory
 */
export const MAIL_DIRECTORY = './data/mail'

/**
 * Security review L5: on an https issuer without `mail.smtp_url`, the features that mail links and
 * codes (sign-up, "Forgot password?", passwordless email sign-in) are off, since the development
 * mailer would hand them to the console and `mail.directory` instead of people. `true` opts in to
 * the development mailer there anyway: for a local https setup (a developer's own certificate),
 * never for a deployment people use. Without effect when `mail.smtp_url` is set or the issuer is http.
 * @security Only for local https development: every link and code then lands in the server's console and files.
 * @key mail.development
 */
export const MAIL_DEVELOPMENT = false

/**
 * Issue 13: messages that anonymous requests may have Latch send to one address (sign-up,
 * verification, password reset) per `mail.throttle_window`; past it the page answers as usual and
 * nothing is sent, so nobody can flood an inbox through Latch.
 * @see https://owasp.org/www-project-application-security-verification-standard/ (ASVS 4.0.3 V2.2.1)
 * @key mail.max_per_address
 */
export const MAIL_MAX_PER_ADDRESS = 5

/**
 * Issue 13: messages requests from one source (an IPv4 address, or each of an IPv6 source's
 * /64, /56 and /48) may have Latch send per `mail.throttle_window`.
 * @key mail.max_per_source
 */
export const MAIL_MAX_PER_SOURCE = 20

/**
 * Issue 13: the window of `mail.max_per_address` and `mail.max_per_source`, seconds.
 * @key mail.throttle_window
 */
export const MAIL_THROTTLE_WINDOW = 3600

/**
 * Issue 13, NIST SP 800-63B §5.1.1.2: the shortest password a user may choose (sign-up, reset);
 * at least 8, the standard's floor. Longer is allowed up to 128 characters; there are no
 * composition rules (no "one digit, one symbol"), and the 100,000 most common passwords of a
 * breach corpus, and the user's own email, are refused.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 * @key passwords.min_length
 */
export const PASSWORDS_MIN_LENGTH = 8

/**
 * Issue 13: how long a password-reset link works, seconds (30 minutes); it works once.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 * @key passwords.reset_ttl
 */
export const PASSWORDS_RESET_TTL = 1800

/**
 * Issue 14: how long an administrator's invitation works, seconds (7 days): the set-password link
 * of `POST /admin/api/v1/users/{id}/invite` (the reset page). It works once; a new invitation
 * replaces the older links of the address. Longer than a reset link because the invitee did not
 * ask for it and may read it days later.
 * @key passwords.invite_ttl
 */
export const PASSWORDS_INVITE_TTL = 604_800

/**
 * Issue 13: whether people may create an account themselves ("Create account" on the sign-in
 * page). Off by default; a client's `sign_up` (true or false) overrides it for that client's
 * sign-in pages.
 * @key sign_up.enabled
 */
export const SIGN_UP_ENABLED = false

/**
 * Issue 13: how a new account's email is verified before it can sign in: `link` (a single-use link
 * by mail), `code` (a 6-digit code by mail, typed on the page), or `none` (the account signs in at
 * once with `email_verified: false`).
 * @key sign_up.verify_email
 */
export const SIGN_UP_VERIFY_EMAIL = 'link'

/**
 * Issue 13: at most this many accounts of the tenant may wait for their email to be verified;
 * past it, sign-up answers 503 ("try again later") for every address until some are verified or
 * swept (8 days). Anonymous requests create these accounts: the mail throttle bounds how fast per
 * source, this bounds how many in all.
 * @key sign_up.max_unverified
 */
export const SIGN_UP_MAX_UNVERIFIED = 10_000

/**
 * Issue 13: how long a verification link or code works, seconds. A code allows 5 wrong guesses.
 * @key sign_up.verification_ttl
 */
export const SIGN_UP_VERIFICATION_TTL = 3600

/**
 * Issue 13: passkeys (WebAuthn). `true`: the sign-in page offers "Sign in with a passkey" (and
 * passkeys in the Email field's autofill) where JavaScript runs, signed-in users manage their
 * passkeys on `/account/passkeys`, the second-factor step offers "Use a passkey" to users who have
 * one, and a new account is offered to add one right after sign-up. The relying party ID is the issuer's host and the origin the
 * issuer's origin, per tenant; they cannot be configured (a passkey is bound to its RP ID for good).
 * Path tenants on one host share that RP ID, so a browser may offer a passkey of another tenant;
 * Latch refuses a credential this tenant does not have.
 * @see https://www.w3.org/TR/webauthn-3/#relying-party-identifier
 * @key passkeys.enabled
 */
export const PASSKEYS_ENABLED = true

/**
 * Issue 13: the name authenticators show for this service when a passkey is created (WebAuthn
 * `rp.name`); `null`: the branding's product name.
 * @key passkeys.rp_name
 */
export const PASSKEYS_RP_NAME = null

/**
 * Issue 13: how recent a sign-in must be, seconds, to add, rename or delete passkeys on
 * `/account/passkeys`; an older session is asked for its password first (or to sign in again).
 * Five minutes: a passkey signs in as the user from then on, so a moment at someone else's
 * unlocked browser must not be enough to add one.
 * @key passkeys.reauthentication_max_age
 */
export const PASSKEYS_REAUTHENTICATION_MAX_AGE = 300

/**
 * Issue 13: every sign-in of this tenant needs a second factor (TOTP, a recovery code or a
 * passkey; a passkey sign-in with user verification counts as two). A user without one (no TOTP,
 * no passkey) enrols a TOTP authenticator during that sign-in. `clients[].mfa_required` and `organizations[].mfa_required` require it for one
 * client, or for the grants that act for one organization.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 * @key mfa.required
 */
export const MFA_REQUIRED = false

/**
 * Issue 14: the tenant's administrators (users with the role `latch:admin` or `latch:viewer`) reach
 * the admin API and the console only after a sign-in with a second factor (`amr` has `mfa`, acr
 * `urn:latch:acr:mfa` or stronger). A user's admin API token without it is refused with 401
 * `insufficient_user_authentication` and `acr_values="urn:latch:acr:mfa"` (RFC 9470 §3); the
 * authorization and console sign-ins ask for the second factor at once. Client-credentials tokens
 * have no user and are not concerned.
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @key admin.require_mfa
 */
export const ADMIN_REQUIRE_MFA = false

/**
 * Issue 13: seconds a browser that passed the second factor (and ticked "remember this device")
 * skips it for the same user, while their second factors are unchanged. 0 (the default): off,
 * the second factor is asked at every sign-in.
 * @security A remembered device is a cookie: a stolen one, with the password, is a sign-in. Keep it short, or off.
 * @key mfa.remember_device
 */
export const MFA_REMEMBER_DEVICE = 0

/**
 * Issue 13: "Email me a sign-in link" on the sign-in page: a single-use link, mailed, that signs
 * in the browser that asked (another browser is asked to confirm first). Off by default.
 * @key passwordless.magic_link
 */
export const PASSWORDLESS_MAGIC_LINK = false

/**
 * Issue 13: "Email me a code" on the sign-in page: a single-use 6-digit code, mailed, typed on
 * the page of the browser that asked; 5 wrong guesses end it. Off by default.
 * @key passwordless.email_code
 */
export const PASSWORDLESS_EMAIL_CODE = false

/**
 * Issue 13: how long a sign-in link or code works, seconds (10 minutes); it works once. Also the
 * lifetime of the email-change link of the account page.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5
 * @key passwordless.ttl
 */
export const PASSWORDLESS_TTL = 600

/**
 * Issue 14: signed alert webhooks, a list of `{ url, secret, events }`. Each alert is POSTed as
 * JSON `{ id, type, time, tenant, data }` to every webhook whose `events` select it, signed with
 * `Latch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>` (README
 * "Alerts" has the verification recipe). `url`: https, or http to a loopback host only. `secret`:
 * at least 32 characters, write `secret: ${ALERTS_SECRET}`. `events` (default `['*']`): alert types
 * (`authorization_code.reused`, `refresh_token.family_revoked`, `client_assertion.replayed`,
 * `passkey.counter_regressed`, `login.throttled`, `mfa.locked`, `sign_in_mail.throttled`,
 * `throttle.engaged`, `threshold.crossed`), groups (`theft`, `throttle`, `threshold`) or `*`.
 * Deployment-wide: a top-level key only (not a tenant's); every tenant's alerts go to these
 * webhooks, each naming its tenant.
 * @security The secret is never logged, stored or sent; only its HMAC is. Rotate it by listing a second webhook with the new secret, then removing the old one.
 * @key alerts.webhooks
 */
export const ALERTS_WEBHOOKS = []

/**
 * Issue 14: counts of failed sign-ins (`login.failed`, wrong passwords and throttled attempts
 * alike) that raise a `threshold.crossed` alert: `failed_sign_ins_per_account: { count, window }`
 * (one account, by its keyed hash, over every source) and `failed_sign_ins_per_network: { count,
 * window }` (one IPv4 address or IPv6 /64 over every account); `window` in seconds (60 to
 * 86,400). `null` turns one off. An alert fires once per window per account or network, when the
 * count is reached, not once per failure. Counted in Redis when `redis_url` is set (every node
 * adds to one count), else per node in memory (bounded).
 * @key alerts.thresholds
 */
export const ALERTS_THRESHOLDS = { failed_sign_ins_per_account: { count: 20, window: 900 }, failed_sign_ins_per_network: { count: 100, window: 900 } }

/**
 * Issue 14: a throttle alert (`login.throttled`, `sign_in_mail.throttled`, `throttle.engaged`,
 * `mfa.locked`) for one key fires at most once per this many seconds: a throttle refuses every
 * further attempt, and each refusal is not news. The key is the network (an IPv4 address, an IPv6
 * /48; and the throttle for `throttle.engaged`) whatever the account typed, or the user for
 * `mfa.locked`. Each node also raises at most 100 throttle and threshold alerts in all per this
 * many seconds (then one warning in the log); theft alerts are never capped so.
 * @key alerts.repeat_window
 */
export const ALERTS_REPEAT_WINDOW = 900

/**
 * Issue 14: seconds one webhook POST may take (connect, send, answer) before it counts as failed.
 * Redirects are never followed and the answer's body is never read.
 * @key alerts.timeout
 */
export const ALERTS_TIMEOUT = 10

/**
 * Issue 14: attempts per alert and webhook (the first included) before it is given up
 * (`alert.failed`). Retries wait 10 s, 20 s, 40 s … at most an hour, ±20 % at random.
 * @key alerts.max_attempts
 */
export const ALERTS_MAX_ATTEMPTS = 10

/**
 * Issue 14: seconds after an alert was raised past which it is given up whatever its attempts
 * (an alert a day late is noise).
 * @key alerts.retry_window
 */
export const ALERTS_RETRY_WINDOW = 86_400

/**
 * Issue 14: alert deliveries queued at most (the `alert_deliveries` table, every node's). Past it
 * new alerts are dropped, with a warning in the log at most once a minute per node: anonymous
 * traffic (failed sign-ins from many networks) can raise alerts, and must not fill the database.
 * Throttle and threshold alerts may fill at most half of it; theft alerts all of it, so that a
 * flood of the former never leaves a theft alert without room.
 * @key alerts.queue_limit
 */
export const ALERTS_QUEUE_LIMIT = 10_000

/**
 * Issue 14: the bearer token `GET /metrics` requires (`Authorization: Bearer <token>`, compared in
 * constant time), at least 16 characters. Unset (`null`), `/metrics` answers only connections whose
 * socket peer is a loopback address (127.0.0.0/8, ::1), whatever `X-Forwarded-For` says, and
 * refuses (403) any request a proxy forwarded: one with `Forwarded`, `X-Forwarded-*` or
 * `X-Real-IP`, or from a `trust_proxy` proxy. Behind a reverse proxy, set a token or
 * `metrics.port`. Env `LATCH_METRICS_TOKEN`.
 * @security A secret: set it through the environment, not the file. Metrics name clients and tenants, never a token, code, secret or email.
 * @key metrics.token
 */
export const METRICS_TOKEN = null

/**
 * Issue 14: serve `/metrics` on a port of its own (a small listener beside the main one, closed
 * with it) instead of on `port`; `null`: on the main port. `0` picks a free port (tests). The
 * same token or loopback rule applies on either port.
 * @key metrics.port
 */
export const METRICS_PORT = null

/**
 * Issue 14: the interface the `metrics.port` listener binds; `null`: the same as `host`.
 * @key metrics.host
 */
export const METRICS_HOST = null

/**
 * Issue 14: how many distinct clients (tenant and `client_id` pairs), and how many distinct
 * tenants, get a label value of their own in the metrics of this process; the ones seen after the
 * cap are counted under `client_id="other"` (`tenant="other"`), so the number of series stays
 * bounded whatever the number of clients.
 * @key metrics.max_label_values
 */
export const METRICS_MAX_LABEL_VALUES = 100

/**
 * Issue 14: how long a graceful shutdown (SIGTERM, SIGINT) may take, seconds (fractions allowed),
 * from the signal: requests still running then are cut and the process exits 1. In-flight requests
 * that finish before it are answered; the pools close after them.
 * @key shutdown.timeout
 */
export const SHUTDOWN_TIMEOUT = 10

/**
 * Issue 14: seconds between the signal and closing the listener, during which `/readyz` answers
 * 503 while every request is still served: time for a load balancer's readiness probe to take the
 * node out of rotation before it stops accepting connections. 0 (development): close at once;
 * behind a load balancer, set it to the probe's interval times its failure threshold (e.g. 5).
 * Counted within `shutdown.timeout`.
 * @key shutdown.drain_delay
 */
export const SHUTDOWN_DRAIN_DELAY = 0

/**
 * Issue 14: OpenTelemetry traces (OTLP/HTTP export): a SERVER span per HTTP request, a span per
 * grant, per store operation and per outbound call (upstream providers, back-channel logout),
 * with W3C `traceparent` continued and passed on. Off by default; off, it costs one boolean check
 * where a span would start, and the SDK is not even loaded.
 * @security No token, code, secret, password, email, cookie, header, query string or full URL is recorded.
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 * @key tracing.enabled
 */
export const TRACING_ENABLED = false

/**
 * Issue 14: the OTLP/HTTP traces URL spans are sent to (JSON encoding). `null`: the standard
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else `OTEL_EXPORTER_OTLP_ENDPOINT` with
 * `/v1/traces` appended, else `http://localhost:4318/v1/traces` (a local collector). Headers
 * (`OTEL_EXPORTER_OTLP_HEADERS`) and timeouts come from the standard environment variables.
 * `https`, or `http` to a loopback host only (spans and the collector's credentials never travel
 * in clear), and no credentials in the URL; otherwise a config error names the key.
 * @key tracing.endpoint
 */
export const TRACING_ENDPOINT = null

/** Issue 14: where spans go when neither `tracing.endpoint` nor the OTLP environment names a collector. */
export const DEFAULT_TRACING_ENDPOINT = 'http://localhost:4318/v1/traces'

/**
 * Issue 14: the `service.name` of the spans. `null`: the standard `OTEL_SERVICE_NAME`, else `latch`.
 * @key tracing.service_name
 */
export const TRACING_SERVICE_NAME = null

/**
 * Issue 14: the share of traces started here that are recorded, 0 to 1 (1: all). A request whose
 * `traceparent` says sampled or not sampled follows its caller (parent-based sampling), so a trace
 * is whole or absent.
 * @security A caller can ask for its requests to be sampled; the export queue is bounded (2048 spans), beyond which spans are dropped.
 * @see https://opentelemetry.io/docs/specs/otel/trace/sdk/#parentbased
 * @key tracing.sample_ratio
 */
export const TRACING_SAMPLE_RATIO = 1

/**
 * Issue 14: the audit log. `true`: every event (README "Audit log") is written as an audit record
 * of schema version 1 to the database (table `audit_events`, read by `latch audit list`), in
 * batches off the request path, and to `audit.stream` when set. Deployment-wide (top level only).
 * @key audit.enabled
 */
export const AUDIT_ENABLED = true

/**
 * Issue 14: seconds an audit record is kept (90 days); older ones are pruned by every node's
 * sweep. `0`: kept forever. Deployment-wide (top level only): one log, one retention.
 * @security The log holds source addresses and User-Agents (personal data in many
 * jurisdictions): keep it no longer than your policy says.
 * @key audit.retention
 */
export const AUDIT_RETENTION = 7_776_000

/**
 * Issue 14: `stdout`: each audit record is also written to standard output as one JSON line, for
 * a log shipper; `null` (the default): only the database. Deployment-wide (top level only).
 * @key audit.stream
 */
export const AUDIT_STREAM = null

/**
 * Issue 14: `true`: failed sign-ins' audit records (`login.failed`, `sign_in_mail.throttled`) also
 * carry the account as typed (`data.email`); `false` (the default): only its keyed hash
 * (`subject.id`, HMAC under LATCH_SECRET), which `latch audit list --user EMAIL` still finds. Per
 * tenant. Never in the pino log line of the event either way.
 * @security Typed accounts are often mistyped passwords or other people's addresses: leave it off
 * unless your investigations need it.
 * @key audit.include_email
 */
export const AUDIT_INCLUDE_EMAIL = false

/**
 * Issue 14: event types the audit log leaves out (names of `LatchEventMap`, README "Audit log").
 * Empty (the default): every event is recorded. `[token.issued]` spares a busy deployment one
 * database row per access token (about 4% of the CPU of a client-credentials token request, measured
 * with `bench/inject-ab.mjs`); the metrics still count tokens. Administrative changes are always
 * recorded. Deployment-wide (top level only).
 * @key audit.exclude_types
 */
export const AUDIT_EXCLUDE_TYPES = []
