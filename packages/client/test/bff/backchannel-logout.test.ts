/**
 * `POST /auth/backchannel-logout` against a real Latch (OpenID Connect Back-Channel Logout 1.0):
 * the `bff` client registers the BFF's endpoint as its `backchannel_logout_uri`, so signing out at
 * Latch ends the BFF's session through Latch's own delivery. Then tokens made to fail one check
 * each, signed with Latch's real signing key (or another key for the signature case), are refused
 * with 400 `invalid_request` and leave the session alone.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse
 */
import { randomUUID } from 'node:crypto'
import { decodeJwt, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signJws } from '../../../server/src/keys/jws.js'
import { bffClients, freePort, me, newAgent, signIn, startBff, startServer, storedSession, type Agent, type BffApp, type TestServer } from './harness.js'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'

describe('BFF back-channel logout', () => {
  let latch: TestServer
  let bff: BffApp
  let endpoint: string

  beforeAll(async () => {
    const port = await freePort()
    endpoint = `http://127.0.0.1:${port}/auth/backchannel-logout`
    latch = await startServer({ clients: bffClients(port, 0, { backchannel_logout_uri: endpoint }) })
    bff = await startBff(port, latch, null)
  })
  afterAll(async () => {
    await bff?.close()
    await latch?.close()
  })

  /** A signed-in agent and its session's sid and sub (from the ID token the BFF holds). */
  const signedIn = async (): Promise<{ agent: Agent; sid: string; sub: string; idToken: string }> => {
    const agent = newAgent(bff.url, latch)
    await signIn(agent, bff.url)
    const { idToken } = await storedSession(bff, agent)
    const claims = decodeJwt(idToken!)
    return { agent, sid: claims.sid as string, sub: claims.sub as string, idToken: idToken! }
  }
  const signedInNow = async (agent: Agent) => (await me(agent, bff.url)).authenticated === true
  /** A logout token signed with Latch's current signing key; `claims` and `header` override the valid ones. */
  const token = (base: { sid?: string; sub?: string }, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const key = latch.server.ctx.keystore.signingKey()
    const now = Math.floor(Date.now() / 1000)
    const payload: Record<string, unknown> = { iss: latch.url, aud: 'bff', iat: now, exp: now + 120, jti: randomUUID(), ...base, events: { [EVENT]: {} }, ...claims }
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete payload[k]
    const h: Record<string, unknown> = { alg: key.alg, typ: 'logout+jwt', kid: key.kid, ...header }
    for (const [k, v] of Object.entries(header)) if (v === undefined) delete h[k]
    return signJws(h as { alg: string }, payload, key)
  }
  const post = (logoutToken: string | null) =>
    fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: logoutToken === null ? '' : new URLSearchParams({ logout_token: logoutToken }).toString() })
  const expectRefused = async (res: Response) => {
    expect(res.status).toBe(400)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request')
  }

  it('OIDC Back-Channel Logout §2.5–§2.7: signing out at Latch ends the BFF session (Latch POSTs a logout token, the BFF validates it and answers 200)', async () => {
    const { agent, idToken } = await signedIn()
    const other = await signedIn() // another browser: its session stays
    expect(await signedInNow(agent)).toBe(true)
    const delivered: unknown[] = []
    latch.server.ctx.events.on('logout_token.delivered', (p) => delivered.push(p))
    const res = await agent.op.fetch(`${latch.url}/logout?id_token_hint=${idToken}`)
    await res.body?.cancel()
    await latch.server.deliverLogouts()
    expect(delivered).toHaveLength(1)
    expect(await signedInNow(agent)).toBe(false)
    expect((await agent.app.fetch(`${bff.url}/auth/me`)).status).toBe(200) // the app's answer for "no session"
    expect(await signedInNow(other.agent)).toBe(true)
  })

  it('OIDC Back-Channel Logout §2.7: a token naming only sub ends every session of that user here', async () => {
    const a = await signedIn()
    const b = await signedIn()
    const res = await post(token({ sub: a.sub }))
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await signedInNow(a.agent)).toBe(false)
    expect(await signedInNow(b.agent)).toBe(false)
  })

  it('OIDC Back-Channel Logout §2.6: a bad signature, a wrong aud, iss or typ, no events member, a nonce, no sid nor sub → 400 invalid_request, and the session stays', async () => {
    const { agent, sid, sub } = await signedIn()
    const key = latch.server.ctx.keystore.signingKey()
    const stranger = await generateKeyPair(key.alg, { extractable: true })
    const forged = await new SignJWT({ iss: latch.url, aud: 'bff', jti: randomUUID(), sid, sub, events: { [EVENT]: {} } })
      .setProtectedHeader({ alg: key.alg, typ: 'logout+jwt', kid: key.kid })
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(stranger.privateKey)
    for (const bad of [
      forged, // §2.6 step 3: signature
      token({ sid, sub }, { aud: 'someone-else' }), // step 4: aud
      token({ sid, sub }, { iss: 'https://evil.example' }), // step 4: iss
      token({ sid, sub }, {}, { typ: 'JWT' }), // §2.4: typ logout+jwt (an ID token's typ)
      token({ sid, sub }, { events: { 'http://schemas.openid.net/event/other': {} } }), // step 5: events member
      token({ sid, sub }, { events: undefined }),
      token({ sid, sub }, { nonce: 'n' }), // step 7: nonce forbidden
      token({}), // step 6: neither sid nor sub
      token({ sid, sub }, { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 3700 }), // step 4: expired
      'not-a-jwt',
    ]) {
      await expectRefused(await post(bad))
    }
    await expectRefused(await post(null))
    expect(await signedInNow(agent)).toBe(true)
  })

  it('OIDC Back-Channel Logout §2.6 step 10: a replayed jti is refused; the token without typ is accepted (typ is a SHOULD)', async () => {
    const first = await signedIn()
    const replayed = token({ sid: first.sid, sub: first.sub }, {}, { typ: undefined })
    expect((await post(replayed)).status).toBe(200)
    expect(await signedInNow(first.agent)).toBe(false)
    const second = await signedIn()
    // The same jti again, now naming the new session: refused, the session stays.
    const again = token({ sid: second.sid, sub: second.sub }, { jti: decodeJwt(replayed).jti })
    await expectRefused(await post(again))
    expect(await signedInNow(second.agent)).toBe(true)
  })
})
