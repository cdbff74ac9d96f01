/**
 * `latch clients create`: registers an OAuth client (RFC 7591 metadata names, as in the config
 * file). The client is validated by the config loader itself (`validateWithLoader`), so what the
 * CLI accepts is exactly what `clients:` in latch.config.yaml accepts: absolute redirect URIs
 * without a fragment (RFC 6749 §3.1.2), known grant types, no `client_credentials` for a public
 * client (RFC 6749 §4.4), scopes Latch knows, resources the config lists (RFC 8707; without
 * `--resource` the client may get tokens for `default_resource` only), a `backchannel_logout_uri` that is https
 * (http only to a loopback host) without a fragment (OIDC Back-Channel Logout §2.2).
 *
 * A confidential client gets a generated 256-bit secret, printed once; only its SHA-256 is stored.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.1
 */
import { readFileSync } from 'node:fs'
import { Option, type Command } from 'commander'
import { AUTH_METHOD_NAMES, GRANT_TYPE_NAMES, SIGNING_ALGS, acceptedAuthMethods, createClient, type CreatedClient } from '@latch/server/admin'
import { flagError, managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { UsageError, cliErrorOf, reasonOf } from '../errors.js'
import { inCwd } from '../io.js'
import { list, repeated } from '../flag-values.js'
import { note, printJson, say } from '../output.js'
import { publicClient } from './clients-list.js'

interface ClientsCreateOptions extends CommonOptions {
  id: string
  name?: string
  type?: 'confidential' | 'public'
  authMethod?: (typeof AUTH_METHOD_NAMES)[number]
  grantTypes?: string[]
  redirectUris?: string[]
  postLogoutRedirectUris?: string[]
  scope?: string
  resource?: string[]
  skipConsent?: boolean
  jwks?: string
  idTokenAlg?: (typeof SIGNING_ALGS)[number]
  backchannelLogoutUri?: string
  backchannelLogoutSessionRequired?: boolean
  mfaRequired?: boolean
  json?: boolean
}

/** The config key each flag sets, for error messages in terms of flags. */
const FLAGS: Readonly<Record<string, string>> = {
  client_id: '--id',
  client_name: '--name',
  token_endpoint_auth_method: '--auth-method',
  client_secret: '--auth-method',
  grant_types: '--grant-types',
  redirect_uris: '--redirect-uris',
  post_logout_redirect_uris: '--post-logout-redirect-uris',
  scope: '--scope',
  resources: '--resource',
  skip_consent: '--skip-consent',
  jwks: '--jwks',
  id_token_signed_response_alg: '--id-token-alg',
  backchannel_logout_uri: '--backchannel-logout-uri',
  backchannel_logout_session_required: '--backchannel-logout-session-required',
  mfa_required: '--mfa-required',
}

function authMethodOf(opts: ClientsCreateOptions): (typeof AUTH_METHOD_NAMES)[number] {
  const method = opts.authMethod ?? (opts.type === 'public' ? 'none' : 'client_secret_basic')
  if (opts.type === 'public' && method !== 'none') {
    throw new UsageError(`--type public needs --auth-method none (a public client cannot keep a secret), got ${method}`)
  }
  if (opts.type === 'confidential' && method === 'none') {
    throw new UsageError('--type confidential needs an --auth-method other than none')
  }
  return method
}

function readJwks(file: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(inCwd(file), 'utf8'))
  } catch (err) {
    throw new UsageError(`--jwks: cannot read a JSON JWK Set from ${file}: ${reasonOf(err)}`)
  }
  return parsed as Record<string, unknown>
}

export function clientsCreate(parent: Command): void {
  withConfigOption(
    parent
      .command('create')
      .description('register a client; a confidential client gets a secret, shown once')
      .requiredOption('--id <client_id>', 'client_id')
      .option('--name <client_name>', 'name shown on the consent page (default: the id)')
      .addOption(new Option('--type <type>', 'confidential (has a secret) or public (SPA, native, CLI)').choices(['confidential', 'public']))
      .addOption(
        new Option('--auth-method <method>', 'token_endpoint_auth_method, pinned (default: client_secret_basic, also accepting client_secret_post; none for --type public)').choices(AUTH_METHOD_NAMES),
      )
      .addOption(new Option('--id-token-alg <alg>', 'id_token_signed_response_alg: RS256 for a relying party that needs it (default: tokens.signing_alg)').choices(SIGNING_ALGS))
      .option('--grant-types <list>', `comma-separated grant_types (default: authorization_code): ${GRANT_TYPE_NAMES.join(', ')}`, list)
      .option('--redirect-uris <list>', 'comma-separated redirect_uris (absolute, no fragment)', list)
      .option('--post-logout-redirect-uris <list>', 'comma-separated post_logout_redirect_uris', list)
      .option('--scope <scopes>', 'space-separated scopes the client may request (default: openid)')
      .option('--resource <uri>', 'a resource (API identifier from the config) the client may get tokens for; repeat for several (default: default_resource only)', repeated)
      .option('--skip-consent', 'first-party client: skip the consent page')
      .option('--jwks <file>', 'JWK Set (JSON) of the client\'s public keys, for --auth-method private_key_jwt')
      .option('--backchannel-logout-uri <url>', 'OIDC Back-Channel Logout: where Latch POSTs a logout token when a session of the client ends (https; http only to localhost)')
      .option('--backchannel-logout-session-required', 'the client needs sid in its logout tokens (Latch always sends it)')
      .option('--mfa-required', 'issue 13: sign-ins for this client need a second factor (users without one enrol TOTP)')
      .option('--json', 'print the client (and its secret) as JSON'),
  ).action(async (opts: ClientsCreateOptions) => {
    const method = authMethodOf(opts)
    const entry: Record<string, unknown> = {
      client_id: opts.id,
      ...(opts.name !== undefined && { client_name: opts.name }),
      // Given explicitly, a secret method is pinned; the default also accepts client_secret_post.
      ...((opts.authMethod !== undefined || method === 'none') && { token_endpoint_auth_method: method }),
      ...(opts.idTokenAlg !== undefined && { id_token_signed_response_alg: opts.idTokenAlg }),
      ...(opts.grantTypes !== undefined && { grant_types: opts.grantTypes }),
      ...(opts.redirectUris !== undefined && { redirect_uris: opts.redirectUris }),
      ...(opts.postLogoutRedirectUris !== undefined && { post_logout_redirect_uris: opts.postLogoutRedirectUris }),
      ...(opts.scope !== undefined && { scope: opts.scope.split(/\s+/).filter(Boolean).join(' ') }),
      ...(opts.resource !== undefined && { resources: opts.resource }),
      ...(opts.skipConsent && { skip_consent: true }),
      ...(opts.jwks !== undefined && { jwks: readJwks(opts.jwks) }),
      ...(opts.backchannelLogoutUri !== undefined && { backchannel_logout_uri: opts.backchannelLogoutUri }),
      ...(opts.backchannelLogoutSessionRequired && { backchannel_logout_session_required: true }),
      ...(opts.mfaRequired && { mfa_required: true }),
    }

    await withStore(opts, async (ctx) => {
      const { config } = ctx
      let created: CreatedClient
      try {
        created = await createClient(managementScope(ctx), entry)
      } catch (err) {
        throw cliErrorOf(flagError(err, 'clients', FLAGS, entry), (e) =>
          e.code === 'conflict' ? `client ${opts.id} already exists (delete it first with \`latch clients delete ${opts.id}\`)` : undefined)
      }
      const { client, secret, warnings, companionDeferred } = created
      if (companionDeferred) {
        // Opening the keystore with another alg would move the deployment to it (keys rotate --switch-alg).
        note(`warning: the signing key is ${companionDeferred.signingAlg} but tokens.signing_alg is ${companionDeferred.configAlg} in this config: the RS256 key for ${client.client_id} is added when the servers next start`)
      }
      for (const w of warnings) note(`warning: ${w}`)
      if (config.clients.some((c) => c.client_id === client.client_id)) {
        note(`warning: client ${client.client_id} is also listed in the config file; the next \`latch serve\` replaces it with the file's definition`)
      }

      if (opts.json) {
        printJson({ ...publicClient(client), mfa_required: client.mfa_required === true, ...(secret !== undefined && { client_secret: secret }) })
      } else {
        say(`created client ${client.client_id} (${acceptedAuthMethods(client).join(' or ')}; grant types: ${client.grant_types.join(', ')})`)
        if (secret !== undefined) say(`client_secret: ${secret}`)
      }
      if (secret !== undefined) note('Store the client secret now: it is not shown again (Latch keeps only its SHA-256).')
    })
  })
}
