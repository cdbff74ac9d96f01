/**
 * oidc-provider 9 configured like Latch's demo config, as a separate process for the benchmark.
 * Options come as JSON in BENCH_SERVER (port, alg, atFormat). Equivalences with Latch:
 * - one signing key of the configured alg (RS256 2048-bit or ES256 P-256), used for JWT access
 *   tokens (resource server `jwt.sign.alg`) and ID tokens (`id_token_signed_response_alg`);
 * - RFC 9068 JWT access tokens through `features.resourceIndicators`: a single resource server,
 *   https://api.example.com, that is the default resource and is re-used at the token endpoint
 *   (`useGrantedResource`), like Latch's `default_resource`;
 * - the same lifetimes; refresh tokens for any client allowed the refresh_token grant, rotated on
 *   every use (Latch's behaviour; oidc-provider's default needs offline_access + consent);
 * - consent is pre-established for the first-party client demo-web through `loadExistingGrant`
 *   (the documented way to skip consent), while Latch remembers the one consent given in setup;
 * - sign-in pages are our own minimal interaction routes (devInteractions accept any password):
 *   the password is checked with argon2id at Latch's parameters, so a sign-in costs the same;
 * - an in-memory adapter (memory-adapter.mjs); Latch uses its default SQLite file.
 * Its development warnings are silenced by configuring every "you should change this" default.
 */
import { createServer } from 'node:http'
import { generateKeyPairSync } from 'node:crypto'
import Provider, { errors } from 'oidc-provider'
import { hash, verify } from '@node-rs/argon2'
import { MemoryAdapter, storedCount } from './memory-adapter.mjs'
import { RESOURCE, RESOURCE_SCOPES, SERVICE, TTL, USER, WEB } from '../lib/fixtures.mjs'

const opts = JSON.parse(process.env.BENCH_SERVER ?? '{}')
const port = opts.port ?? 0
const alg = opts.alg ?? 'RS256'
const atFormat = opts.atFormat ?? 'jwt'
const issuer = `http://127.0.0.1:${port}`

/** Latch's password-hash.ts parameters (argon2id, 19 MiB, 2 passes, 1 lane). */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }

const { privateKey } = alg === 'ES256'
  ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
  : generateKeyPairSync('rsa', { modulusLength: 2048 })
const jwk = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig' }

const accounts = new Map([[USER.email, { id: 'alice', passwordHash: await hash(USER.password, ARGON2), ...USER }]])
const byId = new Map([...accounts.values()].map((a) => [a.id, a]))
const dummyHash = await hash('dummy-password-for-equal-timing', ARGON2)

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks: { keys: [jwk] },
  cookies: { keys: ['bench-cookie-signing-key-0123456789abcdef'] },
  clients: [
    {
      client_id: WEB.client_id,
      client_secret: WEB.client_secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [WEB.redirect_uri],
      scope: 'openid profile email offline_access', // API scopes: limited by the resource server
      id_token_signed_response_alg: alg,
    },
    {
      client_id: SERVICE.client_id,
      client_secret: SERVICE.client_secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  clientDefaults: { id_token_signed_response_alg: alg },
  // OIDC scopes only: API scopes belong to the resource server (getResourceServerInfo), and a
  // scope listed here would be treated as an OIDC scope instead.
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  async findAccount(_ctx, sub) {
    const account = byId.get(sub)
    if (!account) return undefined
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: account.email_verified, name: account.name, given_name: account.given_name, family_name: account.family_name }
      },
    }
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // Latch's policy: a confidential caller sees its own tokens and tokens addressed to it.
      allowedPolicy(_ctx, client, token) {
        if (client.clientAuthMethod === 'none') return false
        const aud = token.aud === undefined ? [] : [].concat(token.aud)
        return token.clientId === client.clientId || aud.includes(client.clientId)
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, resourceIndicator) {
        if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget()
        return {
          scope: RESOURCE_SCOPES.join(' '),
          audience: RESOURCE,
          accessTokenTTL: TTL.access_token,
          accessTokenFormat: atFormat,
          ...(atFormat === 'jwt' ? { jwt: { sign: { alg } } } : {}),
        }
      },
    },
    rpInitiatedLogout: { enabled: false },
  },
  ttl: {
    AccessToken: TTL.access_token,
    ClientCredentials: TTL.access_token,
    IdToken: TTL.id_token,
    RefreshToken: TTL.refresh_token,
    AuthorizationCode: TTL.authorization_code,
    Interaction: TTL.interaction,
    Session: TTL.session,
    Grant: TTL.refresh_token,
  },
  rotateRefreshToken: true,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId)
    if (grantId) return ctx.oidc.provider.Grant.find(grantId)
    // First-party client: consent is implied (oidc-provider docs, `loadExistingGrant`).
    if (ctx.oidc.client.clientId !== WEB.client_id || !ctx.oidc.session.accountId) return undefined
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId })
    grant.addOIDCScope('openid profile email offline_access')
    grant.addResourceScope(RESOURCE, RESOURCE_SCOPES.join(' '))
    await grant.save()
    return grant
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async renderError(ctx, out) {
    ctx.type = 'html'
    ctx.body = `<!DOCTYPE html><title>Error</title><pre>${JSON.stringify(out).replace(/</g, '&lt;')}</pre>`
  },
})

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => {
      body += chunk
      if (body.length > 65_536) reject(new Error('body too large'))
    })
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))))
    req.on('error', reject)
  })
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function loginPage(uid, error) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form></body></html>`
}

// The interaction pages (the role of Latch's /interaction/:id routes).
provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(ctx.path)
  if (!m) return next()
  ctx.set('cache-control', 'no-store')
  const details = await provider.interactionDetails(ctx.req, ctx.res)
  if (details.uid !== m[1]) ctx.throw(400, 'interaction mismatch')
  if (ctx.method === 'GET' && !m[2]) {
    if (details.prompt.name !== 'login') ctx.throw(500, `unexpected prompt ${JSON.stringify(details.prompt)}: consent should be pre-established`)
    ctx.type = 'html'
    ctx.body = loginPage(details.uid)
    return
  }
  if (ctx.method === 'POST' && m[2]) {
    const form = await readForm(ctx.req)
    const account = accounts.get(String(form.email ?? '').trim().toLowerCase())
    const ok = await verify(account?.passwordHash ?? dummyHash, String(form.password ?? '')).catch(() => false)
    if (!account || !ok) {
      ctx.status = 401
      ctx.type = 'html'
      ctx.body = loginPage(details.uid, 'Incorrect email or password.')
      return
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: account.id, amr: ['pwd'] } }, { mergeWithLastSubmission: false })
    ctx.status = 303
    ctx.redirect(returnTo)
    return
  }
  ctx.throw(405)
})

provider.on('server_error', (_ctx, err) => console.error('server_error', err))

const server = createServer(provider.callback())
server.keepAliveTimeout = 72_000 // Fastify's default, so neither side closes idle bench connections
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ url: issuer, pid: process.pid, paths: { authorization: '/auth', token: '/token', introspection: '/token/introspection' } })}\n`)
})

function shutdown() {
  process.stderr.write(`oidc-provider: ${storedCount()} artefacts in memory at exit\n`)
  server.close()
  server.closeAllConnections()
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
