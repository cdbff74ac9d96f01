/**
 * Custom claims end to end (issue 10, docs/architecture.md "Token claims"): a real hooks module
 * written to a temp directory (an .mjs and a .ts one) and the config's declarative `claims`, seen
 * by openid-client as the relying party through the code flow, refresh, client credentials and
 * UserInfo. The hook tries to forge `sub`, `iss`, `exp`, `org_id` and `org_roles` and to shadow a
 * scope-released `email`: the tokens carry the provider's values, and the log says which names were
 * dropped, never their values. A throwing hook and a slow one end the token request with
 * `server_error` (within the 1 s bound), without a stack or the hook's message. Config mistakes stop
 * the server naming the key.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AdditionalClaims
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3.1
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/server.js'
import { Browser } from '../browser.js'
import { ALICE, API, BOB, SERVICE_SECRET, WEB_REDIRECT, WEB_SECRET, baseTestConfig, startServer, type TestServer } from '../helpers.js'
import { basicAuth, client, discover, expectNoStore, newRequestSecrets, postForm, verifyJwt } from './relying-party.js'

const HOOK_SECRET = 'hook-client-secret-0123456789abcdefghij'

/** The hooks module: the same logic as .mjs and as .ts (Node 24 strips the types). */
const HOOK_BODY = (typed: boolean) => {
  const t = (type: string) => (typed ? `: ${type}` : '')
  return `
${typed ? "type Input = { token: string; user: { id: string; attributes: Record<string, unknown>; roles: string[] } | null; client: { client_id: string }; scope: readonly string[]; organization: { id: string } | null }" : ''}
export async function claims({ token, user, client, scope }${t('Input')})${t('Promise<Record<string, unknown> | null>')} {
  if (client.client_id === 'thrower' || ${typed ? '(globalThis as { LATCH_TEST_HOOK_FAILS?: boolean })' : 'globalThis'}.LATCH_TEST_HOOK_FAILS) throw new Error('hook exploded: db password=hunter2')
  if (client.client_id === 'sleeper') {
    await new Promise((resolve) => setTimeout(resolve, 1500))
    return { late: true }
  }
  const forged = { sub: 'forged-sub', iss: 'https://evil.example', exp: 1, org_id: 'evil-org', org_roles: ['owner'] }
  if (user === null) return { ...forged, service_tier: 'machine', module: ${JSON.stringify(typed ? 'ts' : 'mjs')} }
  return {
    ...forged,
    tier: user.attributes.tier,
    seen_token: token,
    seen_scope: scope.join(' '),
    // Wins over the declarative mapping of the same name, in ID tokens only.
    department: token === 'id_token' ? 'hooked-' + String(user.attributes.department) : undefined,
    // Released by scope email: the user's record wins in ID tokens and UserInfo.
    email: 'mallory@evil.example',
    not_json: () => 1,
    module: ${JSON.stringify(typed ? 'ts' : 'mjs')},
  }
}
`
}

const hookDir = mkdtempSync(join(tmpdir(), 'latch-hooks-'))
const MJS = join(hookDir, 'latch.hooks.mjs')
const TS = join(hookDir, 'latch.hooks.ts')
writeFileSync(MJS, HOOK_BODY(false))
writeFileSync(TS, HOOK_BODY(true))

const hookClient = (client_id: string) => ({
  client_id,
  client_secret: HOOK_SECRET,
  grant_types: ['client_credentials', 'password'],
  scope: 'openid read:data',
  resources: [API],
})

const config = (hooks: string) => ({
  hooks,
  default_resource: API,
  claims: [
    { claim: 'department', from: 'attributes.department' },
    { claim: 'roles', from: 'roles', tokens: ['access_token'] },
    { claim: 'display_name', from: 'name', tokens: ['userinfo'] },
  ],
  clients: [...baseTestConfig.clients, hookClient('thrower'), hookClient('sleeper')],
  users: baseTestConfig.users.map((u) => (u.email === ALICE.email ? { ...u, roles: ['staff', 'editor'], claims: { department: 'research', tier: 'gold' } } : u)),
})

const logLines: string[] = []
const captured = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString('utf8'))
    done()
  },
})
const logged = () => logLines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)

let server: TestServer
let web: client.Configuration
let service: client.Configuration

beforeAll(async () => {
  server = await startServer(config(MJS), { logger: createLogger('warn', captured) })
  web = await discover(server.url, 'web', client.ClientSecretBasic(WEB_SECRET))
  service = await discover(server.url, 'service', client.ClientSecretBasic(SERVICE_SECRET))
})

afterAll(async () => {
  await server?.close()
  rmSync(hookDir, { recursive: true, force: true })
})

/** Alice through the authorization endpoint of `web` (skip_consent): the callback URL and the request's secrets. */
async function authorize(scope: string) {
  const s = await newRequestSecrets()
  const url = client.buildAuthorizationUrl(web, { redirect_uri: WEB_REDIRECT, scope, resource: API, state: s.state, nonce: s.nonce, code_challenge: s.challenge, code_challenge_method: 'S256' })
  const page = await new Browser(server.url).authorize(url, ALICE)
  if (!page.redirect) throw new Error(`no redirect: ${page.status}`)
  const callback = page.redirect
  return { redeem: () => client.authorizationCodeGrant(web, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce }) }
}

/** The code flow, tokens from openid-client (which checks the ID token). */
async function codeFlow(scope: string) {
  return (await authorize(scope)).redeem()
}

describe('custom claims from the config and a hooks module (.mjs)', () => {
  it('issue 10: the access token carries the mapped and hooked claims; protocol claims keep the provider\'s values', async () => {
    const tokens = await codeFlow('openid email offline_access read:data')
    const { payload: at } = await verifyJwt(web, tokens.access_token, { typ: 'at+jwt', audience: API })
    const alice = await server.server.ctx.store.users.getByEmail(ALICE.email)
    expect(at).toMatchObject({
      iss: server.url,
      sub: alice?.id,
      aud: API,
      client_id: 'web',
      department: 'research',
      roles: ['staff', 'editor'],
      tier: 'gold',
      seen_token: 'access_token',
      seen_scope: 'openid email offline_access read:data',
      // An access token releases no standard claims by scope: the hook's `email` stays (its name, its value).
      email: 'mallory@evil.example',
      module: 'mjs',
    })
    expect(at.exp).toBeGreaterThan(Math.floor(Date.now() / 1000))
    expect(at.org_id).toBeUndefined()
    expect(at.org_roles).toBeUndefined()
    expect(at.not_json).toBeUndefined()
    expect(at.display_name).toBeUndefined()
  })

  it('OIDC Core §5.4 + issue 10: the ID token has its own custom claims; the hook beats the mapping, never the scope\'s email or sub', async () => {
    const tokens = await codeFlow('openid email offline_access read:data')
    // openid-client validated iss, aud, exp, nonce and at_hash already.
    const id = tokens.claims()
    const alice = await server.server.ctx.store.users.getByEmail(ALICE.email)
    expect(id).toMatchObject({ iss: server.url, sub: alice?.id, aud: 'web', email: ALICE.email, email_verified: true, department: 'hooked-research', seen_token: 'id_token', tier: 'gold' })
    expect(id?.roles).toBeUndefined() // mapped to access tokens only
    expect(id?.org_id).toBeUndefined()
  })

  it('OIDC Core §5.3.2 + issue 10: UserInfo carries its custom claims, openid-client accepts it (sub matches)', async () => {
    const tokens = await codeFlow('openid profile email read:data')
    const sub = tokens.claims()?.sub as string
    const info = await client.fetchUserInfo(web, tokens.access_token, sub)
    expect(info).toMatchObject({ sub, email: ALICE.email, name: 'Alice Example', display_name: 'Alice Example', department: 'research', seen_token: 'userinfo' })
    expect(info.iss).toBeUndefined()
    expect(info.org_id).toBeUndefined()
  })

  it('RFC 6749 §6: a refreshed access token gets the claims again (the hook runs per issuance)', async () => {
    const tokens = await codeFlow('openid offline_access read:data')
    const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token as string)
    const { payload } = await verifyJwt(web, refreshed.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ department: 'research', tier: 'gold', seen_token: 'access_token', roles: ['staff', 'editor'] })
    expect(payload.sub).not.toBe('forged-sub')
  })

  it('RFC 6749 §4.4 + issue 10: a client credentials token gets what the hook gives for no user (user is null), sub stays the client', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'read:data' })
    const { payload } = await verifyJwt(service, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ sub: 'service', client_id: 'service', iss: server.url, service_tier: 'machine', module: 'mjs' })
    expect(payload.department).toBeUndefined() // mappings read a user
    expect(payload.org_id).toBeUndefined()
  })

  it('OIDC Discovery §3: claims_supported names the configured custom claims that reach ID tokens or UserInfo', () => {
    const supported = web.serverMetadata().claims_supported ?? []
    expect(supported).toEqual(expect.arrayContaining(['department', 'display_name', 'sub', 'email']))
    expect(supported).not.toContain('roles') // mapped to access tokens only
  })

  it('a user without the mapped attribute gets no claim for it (OIDC Core §5.3.2: omitted, not null)', async () => {
    const res = await postForm(`${server.url}/token`, { grant_type: 'password', username: BOB.email, password: BOB.password, scope: 'openid' }, { authorization: basicAuth('web', WEB_SECRET) })
    expect(res.status).toBe(200)
    const { payload } = await verifyJwt(web, res.body.access_token as string, { typ: 'at+jwt' })
    expect(payload).not.toHaveProperty('department')
    expect(payload.roles).toEqual([])
    expect(payload).not.toHaveProperty('tier')
  })

  it('issue 10: each dropped name is logged once as a warning, without its value', () => {
    const warnings = logged().filter((l) => l.level === 40 && l.hook === 'claims')
    const dropped = warnings.map((w) => `${w.claim as string}`)
    for (const name of ['sub', 'iss', 'exp', 'org_id', 'org_roles', 'not_json', 'email']) expect(dropped).toContain(name)
    // Once per name (and reason), however many tokens were issued above.
    expect(dropped.filter((n) => n === 'sub')).toHaveLength(1)
    const text = logLines.join('')
    for (const value of ['forged-sub', 'evil.example', 'evil-org', 'mallory']) expect(text).not.toContain(value)
  })

  it('RFC 6749 §5.2 + issue 10: a throwing hook is server_error with a generic description, logged naming the hook; no stack or message to the client', async () => {
    const requests: Record<string, string>[] = [{ grant_type: 'client_credentials', scope: 'read:data' }, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }]
    for (const params of requests) {
      const res = await postForm(`${server.url}/token`, params, { authorization: basicAuth('thrower', HOOK_SECRET) })
      expect(res.status).toBe(500)
      expectNoStore(res.headers)
      expect(res.body).toEqual({ error: 'server_error', error_description: 'the token could not be issued' })
    }
    const failed = logged().filter((l) => l.msg === 'the claims hook failed')
    expect(failed.length).toBeGreaterThanOrEqual(2)
    expect(failed[0]).toMatchObject({ hook: 'claims', module: MJS, client_id: 'thrower' })
  })

  it('issue 10: a hook slower than 1 s is server_error after about 1 s, not after the hook finishes', async () => {
    const started = Date.now()
    const res = await postForm(`${server.url}/token`, { grant_type: 'client_credentials', scope: 'read:data' }, { authorization: basicAuth('sleeper', HOOK_SECRET) })
    const elapsed = Date.now() - started
    expect(res.status).toBe(500)
    expect(res.body.error).toBe('server_error')
    expect(elapsed).toBeGreaterThanOrEqual(950)
    expect(elapsed).toBeLessThan(1450)
    expect(logged().some((l) => l.msg === 'the claims hook did not answer in time' && l.module === MJS && l.timeout_ms === 1000)).toBe(true)
  })

  it('RFC 6749 §4.1.2 + issue 10: a hook failing at the code redemption consumes nothing: the same code redeems once the hook answers', async () => {
    const { redeem } = await authorize('openid read:data')
    const flag = globalThis as { LATCH_TEST_HOOK_FAILS?: boolean }
    flag.LATCH_TEST_HOOK_FAILS = true
    try {
      // openid-client treats a 500 as an unexpected status; the response is its cause.
      const failed = (await redeem().then(() => expect.fail('the redemption succeeded'), (err: unknown) => err)) as { cause?: unknown }
      const response = failed.cause as Response
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({ error: 'server_error', error_description: 'the token could not be issued' })
    } finally {
      delete flag.LATCH_TEST_HOOK_FAILS
    }
    const tokens = await redeem()
    const { payload } = await verifyJwt(web, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload.tier).toBe('gold')
  })

  it('OIDC Core §5.3.3 + issue 10: a hook failing at UserInfo is a 500 server_error in JSON, no-store, without the hook\'s message', async () => {
    const tokens = await codeFlow('openid read:data')
    const flag = globalThis as { LATCH_TEST_HOOK_FAILS?: boolean }
    flag.LATCH_TEST_HOOK_FAILS = true
    let res: Response
    try {
      res = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    } finally {
      delete flag.LATCH_TEST_HOOK_FAILS
    }
    expect(res.status).toBe(500)
    expectNoStore(res.headers)
    const text = await res.text()
    expect(JSON.parse(text)).toMatchObject({ error: 'server_error' })
    expect(text).not.toMatch(/hunter2|exploded|at \//)
    // The same token works once the hook answers.
    expect((await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200)
  })

  it('a failing hook costs no grant: claims are computed before the token set is written', async () => {
    const grants = server.server.ctx.store.grants
    const open = grants.open
    let opened = 0
    grants.open = (...args) => {
      opened++
      return open.apply(grants, args)
    }
    try {
      const res = await postForm(`${server.url}/token`, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }, { authorization: basicAuth('thrower', HOOK_SECRET) })
      expect(res.status).toBe(500)
      expect(opened).toBe(0)
      // The same request by a client whose hook answers does open one (the counter sees writes).
      expect((await postForm(`${server.url}/token`, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }, { authorization: basicAuth('web', WEB_SECRET) })).status).toBe(200)
      expect(opened).toBe(1)
    } finally {
      grants.open = open
    }
  })
})

describe('a TypeScript hooks module (Node strips the types)', () => {
  let tsServer: TestServer
  beforeAll(async () => {
    tsServer = await startServer(config(TS))
  })
  afterAll(() => tsServer?.close())

  it('issue 10: hooks: latch.hooks.ts is loaded and its claims reach the token', async () => {
    const svc = await discover(tsServer.url, 'service', client.ClientSecretBasic(SERVICE_SECRET))
    const tokens = await client.clientCredentialsGrant(svc, { scope: 'read:data' })
    const { payload } = await verifyJwt(svc, tokens.access_token, { typ: 'at+jwt', audience: API })
    expect(payload).toMatchObject({ sub: 'service', service_tier: 'machine', module: 'ts' })
    expect(payload.iss).toBe(tsServer.url)
  })
})

describe('hooks module mistakes stop the server, naming hooks (config/load.test.ts has the claims checks)', () => {
  it('issue 10: a missing hooks module: the server does not start', async () => {
    await expect(startServer({ hooks: join(hookDir, 'missing.hooks.mjs') })).rejects.toMatchObject({ name: 'ConfigError', key: 'hooks' })
  })

  it('issue 10: a hooks module whose claims export is not a function', async () => {
    const bad = join(hookDir, 'bad.hooks.mjs')
    writeFileSync(bad, 'export const claims = { department: "x" }\n')
    await expect(startServer({ hooks: bad })).rejects.toMatchObject({ name: 'ConfigError', key: 'hooks' })
  })
})
