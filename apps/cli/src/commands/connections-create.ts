/**
 * `latch connections create` (issue 12): adds an upstream identity provider users may sign in
 * through, as `connections:` in the config file would. The entry is validated by the config loader
 * itself (`validateWithLoader`), so the CLI and the file accept the same things, and its problems
 * are usage errors naming the flag. The client secret is read from standard input or from an
 * environment variable (never from the command line, where `ps` and the shell history would keep
 * it), stored encrypted under LATCH_SECRET like the file's, and never printed. The command prints
 * the redirect URI to register at the upstream.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2 (redirection endpoint)
 */
import { Option, type Command } from 'commander'
import { CONNECTION_TYPES, connectionCallbackUrl, createConnection } from '@latch/server/admin'
import { flagError, managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { UsageError, cliErrorOf } from '../errors.js'
import { cliIo, inCwd, readStdin } from '../io.js'
import { note, printJson, say } from '../output.js'
import { publicConnection } from './connections-list.js'

interface ConnectionsCreateOptions extends CommonOptions {
  id: string
  type: (typeof CONNECTION_TYPES)[number]
  name?: string
  clientId?: string
  clientSecretStdin?: boolean
  clientSecretEnv?: string
  issuer?: string
  authorizationEndpoint?: string
  tokenEndpoint?: string
  userinfoEndpoint?: string
  scope?: string
  tenantId?: string
  teamId?: string
  keyId?: string
  privateKeyFile?: string
  hostedDomain?: string
  jit: boolean
  linkByEmail: boolean
  federatedLogout?: boolean
  json?: boolean
}

/** The config key each flag sets, for error messages in terms of flags. */
const FLAGS: Readonly<Record<string, string>> = {
  id: '--id',
  type: '--type',
  display_name: '--name',
  client_id: '--client-id',
  client_secret: '--client-secret-stdin (or --client-secret-env)',
  issuer: '--issuer',
  authorization_endpoint: '--authorization-endpoint',
  token_endpoint: '--token-endpoint',
  userinfo_endpoint: '--userinfo-endpoint',
  scope: '--scope',
  tenant: '--tenant-id',
  team_id: '--team-id',
  key_id: '--key-id',
  private_key: '--private-key-file',
  private_key_file: '--private-key-file',
  hosted_domain: '--hosted-domain',
}

/** Schema bound of `connections[].client_secret`, checked here since the loader sees the placeholder. */
const MAX_SECRET = 4096

async function readSecret(opts: ConnectionsCreateOptions): Promise<string | undefined> {
  const secret = await secretInput(opts)
  if (secret !== undefined && secret.length > MAX_SECRET) throw new UsageError(`the client secret must be at most ${MAX_SECRET} characters (value hidden)`)
  return secret
}

async function secretInput(opts: ConnectionsCreateOptions): Promise<string | undefined> {
  if (opts.clientSecretStdin && opts.clientSecretEnv !== undefined) throw new UsageError('--client-secret-stdin and --client-secret-env are mutually exclusive')
  if (opts.clientSecretEnv !== undefined) {
    const value = cliIo().env[opts.clientSecretEnv]
    if (value === undefined || value === '') throw new UsageError(`--client-secret-env: ${opts.clientSecretEnv} is not set in the environment`)
    return value
  }
  if (!opts.clientSecretStdin) return undefined
  const io = cliIo()
  if (io.stdin.isTTY) io.stderr.write('Client secret (then Enter and Ctrl-D): ')
  const secret = await readStdin()
  if (secret === '') throw new UsageError('--client-secret-stdin: standard input was empty')
  return secret
}

export function connectionsCreate(parent: Command): void {
  withConfigOption(
    parent
      .command('create')
      .description('add an upstream identity provider (social or enterprise sign-in); prints the redirect URI to register there')
      .requiredOption('--id <id>', 'connection id, in the redirect URI (a-z, 0-9, -)')
      .addOption(new Option('--type <type>', 'oidc, oauth2, or a preset').choices(CONNECTION_TYPES).makeOptionMandatory())
      .option('--name <name>', 'button text: "Continue with <name>" (default: the preset\'s)')
      .option('--client-id <client_id>', 'the client id the upstream gave Latch')
      .option('--client-secret-stdin', 'read the client secret from standard input')
      .option('--client-secret-env <VAR>', 'read the client secret from environment variable VAR')
      .option('--issuer <url>', 'oidc: the issuer (discovery); presets: an override (self-managed GitLab, a test stand-in)')
      .option('--authorization-endpoint <url>', 'oauth2: the authorization endpoint (presets: an override)')
      .option('--token-endpoint <url>', 'oauth2: the token endpoint (presets: an override)')
      .option('--userinfo-endpoint <url>', 'oauth2: the profile endpoint (presets: an override)')
      .option('--scope <scopes>', 'space-separated scopes (default: the preset\'s)')
      .option('--tenant-id <tenant>', 'microsoft: common, organizations, consumers or a tenant GUID (default: common)')
      .option('--hosted-domain <domain>', 'google: only accounts of this Workspace domain')
      .option('--team-id <id>', 'apple: the developer team id')
      .option('--key-id <id>', 'apple: the id of the Sign in with Apple key')
      .option('--private-key-file <file>', 'apple: the key\'s PKCS#8 PEM file (.p8)')
      .option('--no-jit', 'do not create users on their first sign-in')
      .option('--no-link-by-email', 'never link to an existing user by a verified email')
      .option('--federated-logout', 'signing out of Latch also signs out at the provider (its end_session_endpoint)')
      .option('--json', 'print the connection as JSON (never its secret)'),
  ).action(async (opts: ConnectionsCreateOptions) => {
    if (opts.clientId === undefined) throw new UsageError('--client-id is required')
    const secret = await readSecret(opts)
    const entry: Record<string, unknown> = {
      id: opts.id,
      type: opts.type,
      client_id: opts.clientId,
      ...(opts.name !== undefined && { display_name: opts.name }),
      ...(opts.issuer !== undefined && { issuer: opts.issuer }),
      ...(opts.authorizationEndpoint !== undefined && { authorization_endpoint: opts.authorizationEndpoint }),
      ...(opts.tokenEndpoint !== undefined && { token_endpoint: opts.tokenEndpoint }),
      ...(opts.userinfoEndpoint !== undefined && { userinfo_endpoint: opts.userinfoEndpoint }),
      ...(opts.scope !== undefined && { scope: opts.scope.split(/\s+/).filter(Boolean).join(' ') }),
      ...(opts.tenantId !== undefined && { tenant: opts.tenantId }),
      ...(opts.hostedDomain !== undefined && { hosted_domain: opts.hostedDomain }),
      ...(opts.teamId !== undefined && { team_id: opts.teamId }),
      ...(opts.keyId !== undefined && { key_id: opts.keyId }),
      // Relative to where the command runs, not to wherever the loader would take it from.
      ...(opts.privateKeyFile !== undefined && { private_key_file: inCwd(opts.privateKeyFile) }),
      ...(!opts.jit && { jit: false }),
      ...(!opts.linkByEmail && { link_by_email: false }),
      ...(opts.federatedLogout === true && { federated_logout: true }),
    }

    await withStore(opts, async (ctx) => {
      const { config } = ctx
      let created: Awaited<ReturnType<typeof createConnection>>
      try {
        created = await createConnection(managementScope(ctx), entry, secret)
      } catch (err) {
        // The loader saw a placeholder, never the secret: its messages cannot hold it.
        throw cliErrorOf(flagError(err, 'connections', FLAGS, entry), (e) =>
          e.code === 'conflict' ? `connection ${opts.id} already exists (delete it first with \`latch connections delete ${opts.id}\`)` : undefined)
      }
      const { connection, stored } = created
      if (config.connections.some((c) => c.id === connection.id)) {
        note(`warning: connection ${connection.id} is also listed in the config file; the next \`latch serve\` replaces it with the file's definition`)
      }
      const redirectUri = connectionCallbackUrl(config.issuer, connection.id)
      if (opts.json) return printJson(publicConnection(stored, config.issuer))
      say(`created connection ${connection.id}; redirect URI: ${redirectUri}`)
      note(`Register that redirect URI at ${connection.display_name}; scopes requested: ${connection.scope || '(none)'}`)
    })
  })
}
