/**
 * Tenants on two nodes (issue 11: "two tenants on two hosts and one on a path run side by side …
 * on PostgreSQL with two nodes"): two `latch serve` processes on one PostgreSQL schema with the
 * same config: the default tenant `http://auth.main.test`, `acme` and `globex` on their own hosts,
 * `initech` on a path under the default's host. A load balancer is played by one undici Agent per
 * node that connects every request to that node's port while the URL, and so the `Host` header,
 * stays the issuer's, as a balancer that passes `Host` on does.
 * - a sign-in started on one node finishes on the other (interactions and sessions are rows);
 * - a token issued by one node is active at the other's same tenant and inactive at the others;
 * - a tenant created or deleted in the database is served, or 404, on both within
 *   `tenancy.reload_interval`.
 * SQLite is one process on one machine (README "Scaling out"): these run in the postgres project.
 */
import { connect } from 'node:net'
import { decodeJwt } from 'jose'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/storage/kysely-store.js'
import { Browser, isLoginPage } from '../browser.js'
import { authorizationRequest, Cluster, clusterConfig, clusterSkipReason, SERVICE_AUTH, WEB_AUTH, type LatchNode } from '../cluster.js'
import { ALICE, API, FORM } from '../helpers.js'

const skipped = await clusterSkipReason()
if (skipped) console.log(skipped)

const ISSUERS = {
  main: 'http://auth.main.test',
  acme: 'http://login.acme.test',
  globex: 'http://login.globex.test',
  initech: 'http://auth.main.test/t/initech',
} as const
type Name = keyof typeof ISSUERS
const NEW_TENANT = { id: 'hooli', issuer: 'http://login.hooli.test' }
const RELOAD_INTERVAL = 1

const config = {
  ...clusterConfig,
  issuer: ISSUERS.main,
  tenancy: { reload_interval: RELOAD_INTERVAL },
  tenants: (['acme', 'globex', 'initech'] as const).map((id) => ({ id, issuer: ISSUERS[id], ...clusterConfig })),
}

/** Sends every request to `node`'s port, whatever host and port its URL names. */
function balancedTo(node: LatchNode): Agent {
  return new Agent({
    connect(_options, callback) {
      const socket = connect(node.port, '127.0.0.1')
      socket.once('connect', () => callback(null, socket))
      socket.once('error', (err) => callback(err, null))
    },
  })
}

describe.skipIf(skipped !== undefined)('tenants on 2 nodes on one PostgreSQL (issue 11)', () => {
  let cluster: Cluster
  let agents: [Agent, Agent]

  beforeAll(async () => {
    cluster = await Cluster.start({ name: 'tenant_nodes', config })
    agents = [balancedTo(cluster.node(0)), balancedTo(cluster.node(1))]
  }, 60_000)
  afterAll(async () => {
    await Promise.all(agents?.map((agent) => agent.close()) ?? [])
    await cluster?.stop()
  })

  function fetchAt(node: 0 | 1, url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(url, { ...init, dispatcher: agents[node] } as RequestInit)
  }

  async function postAt(node: 0 | 1, name: Name, path: string, params: Record<string, string>, authorization: string): Promise<Record<string, unknown>> {
    const res = await fetchAt(node, `${ISSUERS[name]}${path}`, { method: 'POST', headers: { 'content-type': FORM, authorization }, body: new URLSearchParams(params) })
    const body = (await res.json()) as Record<string, unknown>
    expect(res.status, `${name} ${path} on node ${node}: ${JSON.stringify(body)}`).toBe(200)
    return body
  }

  async function activeAt(node: 0 | 1, name: Name, token: string): Promise<boolean> {
    return (await postAt(node, name, '/introspect', { token }, WEB_AUTH)).active === true
  }

  /** Polls until `check` holds (each node re-reads the tenants every RELOAD_INTERVAL seconds). */
  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + (RELOAD_INTERVAL + 10) * 1000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within the reload interval: ${what}\n${cluster.logs()}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  it('issue 11: a sign-in started on node A at a host tenant and at the path tenant finishes on node B; the code redeems on A with the tenant\'s issuer', async () => {
    for (const name of ['acme', 'initech'] as const) {
      const request = authorizationRequest(ISSUERS[name])
      const onA = new Browser(ISSUERS[name], { dispatcher: agents[0] })
      const page = await onA.open(request.url)
      expect(isLoginPage(page), name).toBe(true)
      const onB = new Browser(ISSUERS[name], { dispatcher: agents[1] })
      for (const [cookie, value] of onA.cookies) onB.cookies.set(cookie, value)
      const done = await onB.signIn(page, ALICE.email, ALICE.password)
      const code = done.redirect?.searchParams.get('code')
      expect(code, `${name}: ${done.status} ${done.html.slice(0, 300)}`).toBeTruthy()
      expect(done.redirect?.searchParams.get('iss')).toBe(ISSUERS[name])
      const tokens = await postAt(0, name, '/token', { grant_type: 'authorization_code', code: code as string, code_verifier: request.verifier, redirect_uri: request.redirectUri }, WEB_AUTH)
      expect(decodeJwt(String(tokens.id_token)).iss).toBe(ISSUERS[name])
      // The session made on B is single sign-on on A, at this tenant only.
      const again = new Browser(ISSUERS[name], { dispatcher: agents[0] })
      for (const [cookie, value] of onB.cookies) again.cookies.set(cookie, value)
      const sso = await again.open(authorizationRequest(ISSUERS[name]).url.href + '&prompt=none')
      expect(sso.redirect?.searchParams.get('code'), name).toBeTruthy()
    }
  })

  it('issue 11: a token issued by node A at acme is active at node B\'s acme and inactive at node B\'s globex, initech and default tenant', async () => {
    const { access_token } = await postAt(0, 'acme', '/token', { grant_type: 'client_credentials', scope: 'read:data', resource: API }, SERVICE_AUTH)
    const token = String(access_token)
    const introspect = async (node: 0 | 1, name: Name) => (await postAt(node, name, '/introspect', { token }, SERVICE_AUTH)).active
    expect(await introspect(1, 'acme')).toBe(true)
    for (const other of ['globex', 'initech', 'main'] as const) expect(await introspect(1, other), other).toBe(false)
    const { refresh_token } = await postAt(1, 'globex', '/token', { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid offline_access' }, WEB_AUTH)
    expect(await activeAt(0, 'globex', String(refresh_token))).toBe(true)
    expect(await activeAt(0, 'acme', String(refresh_token))).toBe(false)
  })

  it('issue 11: a tenant written to the database is served by both nodes after their reload, with one key set; deleted, it is 404 on both', async () => {
    const discovery = `${NEW_TENANT.issuer}/.well-known/openid-configuration`
    const status = async (node: 0 | 1, url = discovery) => {
      const res = await fetchAt(node, url)
      await res.body?.cancel()
      return res.status
    }
    expect([await status(0), await status(1)]).toEqual([404, 404])
    const store = await createStore(cluster.databaseUrl, { migrate: false })
    try {
      await store.tenants.upsert({ ...NEW_TENANT, settings: {} }, Math.floor(Date.now() / 1000))
      await eventually(async () => (await status(0)) === 200 && (await status(1)) === 200, 'the new tenant on both nodes')
      for (const node of [0, 1] as const) {
        const doc = (await (await fetchAt(node, discovery)).json()) as { issuer: string }
        expect(doc.issuer).toBe(NEW_TENANT.issuer)
      }
      // Both nodes load the new tenant at once: its first key is made once, and both publish it.
      const kids = await Promise.all(([0, 1] as const).map(async (node) => {
        const res = await fetchAt(node, `${NEW_TENANT.issuer}/jwks`)
        expect(res.status).toBe(200)
        return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort()
      }))
      expect(kids[0]?.length).toBeGreaterThan(0)
      expect(kids[1]).toEqual(kids[0])
      await store.tenants.delete(NEW_TENANT.id, Math.floor(Date.now() / 1000))
      await eventually(async () => (await status(0)) === 404 && (await status(1)) === 404, 'the deleted tenant 404 on both nodes')
      // The others are untouched.
      for (const name of Object.keys(ISSUERS) as Name[]) expect(await status(1, `${ISSUERS[name]}/.well-known/openid-configuration`), name).toBe(200)
    } finally {
      await store.close()
    }
    expect(cluster.errorLines()).toEqual([])
  })
})
