/**
 * Provider metadata: one document served at both OpenID Connect Discovery's
 * `/.well-known/openid-configuration` (OIDC Discovery 1.0 §3, §4) and RFC 8414's
 * `/.well-known/oauth-authorization-server` (§2, §3). It is computed from the resolved config, the
 * registries (`GRANTS`, `CLIENT_AUTH_METHODS`, the client assertion algorithms), the registered
 * clients and the keystore, so it lists only what is enabled: the `password` grant only while a
 * client has it, and exactly the ID token algs that can be signed now (the main alg, and RS256
 * while an RS256 companion key is active for clients that need it, OIDC Core §15.1). Every URL
 * comes from `ctx.urls` (the configured issuer), never from the request's Host header. The JSON
 * is serialized once and recomputed in the background at most every `tokens.key_reload_interval`
 * (a client added by the CLI, a key activating): a request never waits for that, and the last good
 * document stays when the store cannot be read or is slow.
 *
 * Left out on purpose: `userinfo_signing_alg_values_supported` (UserInfo answers plain JSON),
 * front-channel logout (Latch offers RP-initiated and back-channel logout), `azp`/`c_hash` (never issued, see
 * tokens/id-token.ts), request objects and the `claims` parameter (not supported; the `false`
 * flags say so explicitly because their absence would mean "unknown", §3).
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-3 (authorization_response_iss_parameter_supported)
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCSupport
 */
import { LOCALES } from '../interaction/views/locales.js'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LatchContext } from '../context.js'
import { ACR_VALUES } from '../rules/acr.js'
import { CLIENT_AUTH_METHODS } from '../client-auth/authenticate.js'
import { CLIENT_ASSERTION_ALGS } from '../client-auth/private-key-jwt.js'
import { CLAIM_TARGETS, OIDC_SCOPE_CLAIMS, type LatchConfig } from '../config/schema.js'
import { GRANTS } from '../grants/table.js'
import { BackgroundRefresh } from '../lib/background-refresh.js'
import { PROMPTS } from '../rules/prompt.js'

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration'
export const OAUTH_AUTHORIZATION_SERVER_PATH = '/.well-known/oauth-authorization-server'

/** Short, so a change of config (new scope, new grant) reaches clients within minutes. */
const CACHE_CONTROL = 'public, max-age=300'

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

/** Protocol claims of Latch's ID tokens (tokens/id-token.ts); user claims come from OIDC_SCOPE_CLAIMS. */
const ID_TOKEN_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'sid', 'at_hash']

/** The config's custom claims (`claims[].claim`) that go into ID tokens or UserInfo. */
function customClaimNames(config: LatchConfig): string[] {
  return config.claims.filter((c) => (c.tokens ?? CLAIM_TARGETS).some((t) => t !== 'access_token')).map((c) => c.claim)
}

/** What discovery reads besides the config: the registered clients' grants and the keystore's algs. */
export interface DiscoveryState {
  clientGrantTypes: ReadonlySet<string>
  idTokenAlgs: readonly string[]
}

/** Grants that are listed only while some client has them: legacy ones an RP should not assume. */
const ONLY_WHEN_REGISTERED = new Set(['password'])

export async function discoveryState(ctx: LatchContext): Promise<DiscoveryState> {
  const clients = await ctx.store.clients.list()
  return { clientGrantTypes: new Set(clients.flatMap((c) => c.grant_types)), idTokenAlgs: ctx.keystore.idTokenAlgs() }
}

export function discoveryDocument(ctx: LatchContext, state: DiscoveryState): Record<string, unknown> {
  const { config, urls } = ctx
  const authMethods = CLIENT_AUTH_METHODS.map((m) => m.name)
  // Introspection reveals token contents: it needs real credentials, so no `none` (introspection.ts).
  const confidentialMethods = authMethods.filter((m) => m !== 'none')
  const signingAlgs = [...CLIENT_ASSERTION_ALGS]
  const grantTypes = Object.keys(GRANTS).filter((g) => !ONLY_WHEN_REGISTERED.has(g) || state.clientGrantTypes.has(g))
  return {
    issuer: config.issuer,
    authorization_endpoint: urls.authorization,
    token_endpoint: urls.token,
    userinfo_endpoint: urls.userinfo,
    jwks_uri: urls.jwks,
    revocation_endpoint: urls.revocation,
    introspection_endpoint: urls.introspection,
    ...(grantTypes.includes(DEVICE_CODE_GRANT) && { device_authorization_endpoint: urls.device_authorization }),
    end_session_endpoint: urls.end_session,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    grant_types_supported: grantTypes,
    subject_types_supported: ['public'],
    // OIDC Discovery §3: the page languages `ui_locales` can pick (interaction/views/locales.ts).
    ui_locales_supported: [...LOCALES],
    id_token_signing_alg_values_supported: [...state.idTokenAlgs],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: signingAlgs,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: signingAlgs,
    introspection_endpoint_auth_methods_supported: confidentialMethods,
    introspection_endpoint_auth_signing_alg_values_supported: signingAlgs,
    code_challenge_methods_supported: config.security.allow_pkce_plain ? ['S256', 'plain'] : ['S256'],
    scopes_supported: [...config.known_scopes],
    // Issue 13: rules/acr.ts, weakest first.
    acr_values_supported: [...ACR_VALUES],
    // OIDC Discovery §3: the claims we may supply; the config's custom claims for ID tokens or
    // UserInfo are known names (a hook's are not).
    claims_supported: [...new Set([...ID_TOKEN_CLAIMS, ...Object.values(OIDC_SCOPE_CLAIMS).flat(), ...customClaimNames(config)])],
    claim_types_supported: ['normal'],
    prompt_values_supported: [...PROMPTS],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    // Issue 12, OIDC Back-Channel Logout 1.0 §2.1: logout tokens always carry `sid`.
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  }
}

/** How long a background refresh of the document may take before the current one is kept. */
const REFRESH_TIMEOUT_MS = 10_000

/** Each tenant's document, built on its first discovery request and refreshed in the background from then on. */
const documents = new WeakMap<LatchContext, Promise<BackgroundRefresh<string>>>()

function documentOf(ctx: LatchContext): Promise<BackgroundRefresh<string>> {
  let found = documents.get(ctx)
  if (found === undefined) {
    const render = async () => JSON.stringify(discoveryDocument(ctx, await discoveryState(ctx)))
    // Requests never wait for the store once the first document is there: a due refresh (which
    // lists every client) runs in the background, bounded in time (lib/background-refresh.ts).
    found = render().then(
      (first) =>
        new BackgroundRefresh(first, {
          clock: ctx.clock,
          everySeconds: ctx.config.tokens.key_reload_interval,
          timeoutMs: REFRESH_TIMEOUT_MS,
          compute: render,
          onError: (err) => ctx.log.warn({ err }, 'discovery document refresh failed: serving the last one'),
        }),
    )
    // A first render that failed (a store outage) is tried again by the next request.
    found.catch(() => documents.delete(ctx))
    documents.set(ctx, found)
  }
  return found
}

export const discoveryEndpoint: FastifyPluginAsync = async (app) => {
  // The default tenant's document is ready before the first request, as it was before tenants.
  await documentOf(app.latch)
  async function discoveryRequest(request: FastifyRequest, reply: FastifyReply) {
    const document = await documentOf(request.latch)
    return reply
      .header('cache-control', CACHE_CONTROL)
      // Public metadata: browser apps (SPAs) read it cross-origin. A simple GET, so no preflight.
      .header('access-control-allow-origin', '*')
      .type('application/json; charset=utf-8')
      .send(await document.get())
  }
  for (const path of [OPENID_CONFIGURATION_PATH, OAUTH_AUTHORIZATION_SERVER_PATH]) app.get(path, { config: { channel: 'json' } }, discoveryRequest)
}
