import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfig } from './load.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
const load = (config: Record<string, unknown>, e: Record<string, string | undefined> = env) =>
  loadConfig({ config, env: e, cwd: mkdtempSync(join(tmpdir(), 'latch-cfg-')) })

function expectConfigError(fn: () => unknown, message: RegExp): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(message)
    return
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('architecture.md §2: an invalid value stops the server with a message naming the key', () => {
    expectConfigError(() => load({ tokens: { access_token_ttl: '15m' } }), /^config: tokens\.access_token_ttl must be an integer number of seconds, got "15m"$/)
  })

  it('architecture.md §2: an unknown key stops the server naming the key', () => {
    expectConfigError(() => load({ tokens: { acess_token_ttl: 5 } }), /^config: tokens\.acess_token_ttl is not a known key/)
    expectConfigError(() => load({ isuer: 'http://x' }), /^config: isuer is not a known key/)
    expectConfigError(() => load({ clients: [{ client_id: 'a', redirect_uri: ['x'] }] }), /clients\[0\]\.redirect_uri is not a known key/)
  })

  it('architecture.md §2: ${VAR} and ${VAR:-default} are replaced from the environment', () => {
    const { config } = load({ issuer: '${ISS}', database: '${DB:-sqlite::memory:}' }, { ...env, ISS: 'https://id.example.com/' })
    expect(config.issuer).toBe('https://id.example.com')
    expect(config.database).toBe('sqlite::memory:')
    expectConfigError(() => load({ issuer: '${NOPE}' }, env), /issuer refers to \$\{NOPE\}/)
  })

  it('architecture.md §2: environment variables override the file', () => {
    const { config } = load({ port: 1234, issuer: 'http://localhost:1' }, { ...env, PORT: '4321', LATCH_ISSUER: 'https://login.example.com', LATCH_LOG_LEVEL: 'warn' })
    expect(config.port).toBe(4321)
    expect(config.issuer).toBe('https://login.example.com')
    expect(config.log_level).toBe('warn')
  })

  it('the resolved config is frozen and has the documented defaults', () => {
    const { config } = load({})
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.tokens)).toBe(true)
    expect(config.tokens).toMatchObject({ signing_alg: 'RS256', access_token_ttl: 900, authorization_code_ttl: 60 })
  })

  it('client secrets are stored hashed and must be long enough for a fast hash', () => {
    const ok = load({ clients: [{ client_id: 'svc', client_secret: 'x'.repeat(32), grant_types: ['client_credentials'] }] })
    expect(ok.config.clients[0]!.client_secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(JSON.stringify(ok.config)).not.toContain('x'.repeat(32))
    expectConfigError(() => load({ clients: [{ client_id: 'svc', client_secret: 'short', grant_types: ['client_credentials'] }] }), /clients\[0\]\.client_secret must be at least 32/)
  })

  it('RFC 6749 §3.1.2: a redirect URI with a fragment is refused at boot', () => {
    expectConfigError(() => load({ clients: [{ client_id: 'web', redirect_uris: ['https://app.example.com/cb#x'] }] }), /redirect_uris\[0\] must not contain a fragment/)
  })

  /** @see issue 8 */
  it('RFC 3986 §2: a redirect URI with a character a URI cannot have is refused at boot', () => {
    expectConfigError(() => load({ clients: [{ client_id: 'web', redirect_uris: ['https://app.example.com/caf\u00e9'] }] }), /redirect_uris\[0\] must contain only visible ASCII/)
  })

  /** @see issue 8 */
  it('OIDC Dynamic Client Registration §2: id_token_signed_response_alg is RS256 or tokens.signing_alg; any other alg is a config error', () => {
    const client = (alg: string) => ({ tokens: { signing_alg: 'ES256' }, clients: [{ client_id: 'rp', redirect_uris: ['https://rp.example/cb'], id_token_signed_response_alg: alg }] })
    expect(load(client('RS256')).config.clients[0]!.id_token_signed_response_alg).toBe('RS256')
    expect(load(client('ES256')).config.clients[0]!.id_token_signed_response_alg).toBeNull()
    expectConfigError(() => load(client('PS256')), /clients\[0\]\.id_token_signed_response_alg must be RS256 or tokens\.signing_alg \(ES256\)/)
    expectConfigError(() => load(client('HS256')), /clients\[0\]\.id_token_signed_response_alg must be one of RS256, PS256, ES256, EdDSA/)
    expectConfigError(() => load(client('none')), /clients\[0\]\.id_token_signed_response_alg must be one of/)
  })

  /** @see issue 8 */
  it('RFC 7591 §2: token_endpoint_auth_method given in the config pins it; absent, a secret client accepts both secret methods', () => {
    const [pinned, open] = load({ clients: [
      { client_id: 'a', client_secret: 'x'.repeat(32), token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] },
      { client_id: 'b', client_secret: 'x'.repeat(32), grant_types: ['client_credentials'] },
    ] }).config.clients
    expect(pinned).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', auth_method_pinned: true })
    expect(open).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', auth_method_pinned: false })
  })

  it('RFC 6749 §4.4: a public client cannot have client_credentials', () => {
    expectConfigError(() => load({ clients: [{ client_id: 'spa', token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }] }), /client_credentials needs a confidential client/)
  })

  it('a client scope must be known', () => {
    expectConfigError(() => load({ clients: [{ client_id: 'web', redirect_uris: ['https://a.example/cb'], scope: 'openid nope' }] }), /clients\[0\]\.scope names scope "nope"/)
  })

  /** @see issue 8 */
  it('RFC 8707 §2: a client resources entry naming an unconfigured resource stops the server naming the key; a resource may carry a name', () => {
    const resources = [{ identifier: 'https://api.example.com', name: 'Example API', scopes: ['read:data'] }]
    expectConfigError(
      () => load({ resources, clients: [{ client_id: 'svc', client_secret: 's'.repeat(32), grant_types: ['client_credentials'], resources: ['https://api.example.com', 'https://payments.example.com'] }] }),
      /^config: clients\[0\]\.resources\[1\] names resource "https:\/\/payments\.example\.com", which is not one of the resources' identifiers$/,
    )
    const { config } = load({ resources, clients: [
      { client_id: 'svc', client_secret: 's'.repeat(32), grant_types: ['client_credentials'], resources: ['https://api.example.com'] },
      { client_id: 'plain', client_secret: 's'.repeat(32), grant_types: ['client_credentials'] },
    ] })
    expect(config.clients.map((c) => c.resources)).toEqual([['https://api.example.com'], null])
    expect(config.resources[0]?.name).toBe('Example API')
  })

  it('dangerous dev conveniences warn once: generated secret, http issuer off localhost, password grant', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'latch-cfg-'))
    const { config, warnings } = loadConfig({
      config: {
        issuer: 'http://id.example.com',
        database: 'sqlite:./data/x.db',
        clients: [{ client_id: 'legacy', client_secret: 'y'.repeat(32), grant_types: ['password'] }],
      },
      env: {},
      cwd,
    })
    expect(warnings.join('\n')).toMatch(/LATCH_SECRET is not set/)
    expect(warnings.join('\n')).toMatch(/http off localhost/)
    expect(warnings.join('\n')).toMatch(/password grant/)
    expect(statSync(config.secret_source).mode & 0o777).toBe(0o600)
    // Same secret on the next start.
    expect(loadConfig({ config: { database: 'sqlite:./data/x.db' }, env: {}, cwd }).config.secret).toBe(config.secret)
  })

  it('OIDC Core §10.1.1: the key activation delay is derived from the reload interval and the JWKS max-age, and a too-short one warns', () => {
    expect(load({}).config.tokens).toMatchObject({ key_reload_interval: 30, key_activation_delay: 360 })
    expect(load({ tokens: { key_reload_interval: 5 } }).config.tokens.key_activation_delay).toBe(310)
    expect(load({ tokens: { key_activation_delay: 45 } }).config.tokens.key_activation_delay).toBe(45)
    expect(load({ tokens: { key_activation_delay: 10 } }).warnings.join('\n')).toMatch(/key_activation_delay \(10 s\) is shorter than tokens\.key_reload_interval \(30 s\)/)
    expectConfigError(() => load({ tokens: { key_reload_interval: 0 } }), /tokens\.key_reload_interval/)
  })

  it('issue 11: tokens.rotation_interval is off by default, per tenant, and must outlast the key activation delay', () => {
    expect(load({}).config.tokens.rotation_interval).toBe(0)
    expect(load({ tokens: { rotation_interval: 2_592_000 } }).config.tokens.rotation_interval).toBe(2_592_000)
    expectConfigError(() => load({ tokens: { rotation_interval: 360 } }), /tokens\.rotation_interval must be 0 \(off\) or longer than tokens\.key_activation_delay \(360 s\), got 360/)
    expectConfigError(() => load({ tokens: { rotation_interval: -1 } }), /tokens\.rotation_interval/)
    // A tenant's is its own: the default tenant's does not carry over.
    const { config } = load({ tokens: { rotation_interval: 86_400 }, tenants: [{ id: 'acme', issuer: 'https://login.acme.example' }, { id: 'globex', issuer: 'https://login.globex.example', tokens: { rotation_interval: 3600 } }] })
    expect(config.tenants.map((t) => t.config.tokens.rotation_interval)).toEqual([0, 3600])
    expectConfigError(() => load({ tenants: [{ id: 'acme', issuer: 'https://login.acme.example', tokens: { rotation_interval: 60 } }] }), /tenants\[0\]\.tokens\.rotation_interval must be 0 \(off\)/)
  })

  it('reads YAML files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-cfg-'))
    const file = join(dir, 'latch.yaml')
    writeFileSync(file, 'issuer: https://id.example.com\ntokens:\n  signing_alg: ES256\n')
    expect(loadConfig({ file, env, cwd: dir }).config.tokens.signing_alg).toBe('ES256')
    expectConfigError(() => loadConfig({ file: join(dir, 'missing.yaml'), env }), /cannot read/)
  })

  it('RFC 7523 §2.2: a private key pasted into a client jwks is refused at boot', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }
    expectConfigError(
      () => load({ clients: [{ client_id: 'pkj', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [jwk] } }] }),
      /clients\[0\]\.jwks\.keys\[0\] must be a public key: remove the private member "d"/,
    )
  })
})
