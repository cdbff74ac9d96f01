/**
 * Issue 12 (security review M2): an upstream's discovery document cannot aim Latch's requests — the
 * code, the client secret, the access token — at another service. A stand-in (node:http, on
 * loopback, so the connection is the development kind whose own origin may be http) publishes
 * endpoints on other loopback ports, on private addresses, in clear text or in https; a listening
 * socket on one of those ports records every connection made to it. Each is refused, nothing
 * reaches the socket, and the notice is the one an unreachable upstream gets.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/server.js'
import { isLoginPage } from '../browser.js'
import { freePort, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, webRequest } from '../support/federation.js'
import { json, listen, type Listening } from '../support/upstream/listen.js'

const SECRET = 'ssrf-client-secret-0123456789abcdef'
const lines: string[] = []
const captured = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'))
    done()
  },
})

let recorder: Server
let recorderPort: number
const connections: string[] = []
let standIn: Listening
let latch: TestServer

/** What each scenario's discovery document says, by the issuer's path (`<stand-in>/<scenario>`). */
function scenarios(): Record<string, Record<string, string>> {
  const at = (base: string) => ({ token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`, userinfo_endpoint: `${base}/userinfo` })
  return {
    'http-loopback': at(`http://127.0.0.1:${recorderPort}`),
    'http-private': at('http://10.0.0.5'),
    'https-loopback': { token_endpoint: `https://127.0.0.1:${recorderPort}/token`, jwks_uri: `https://localhost:${recorderPort}/jwks`, userinfo_endpoint: `https://[::ffff:127.0.0.1]:${recorderPort}/me` },
    'https-private': { token_endpoint: 'https://10.0.0.5/token', jwks_uri: 'https://169.254.169.254/latest', userinfo_endpoint: 'https://[fd00::1]/me' },
    'https-by-name': at(`https://localhost:${recorderPort}`),
  }
}

beforeAll(async () => {
  recorder = createServer((socket: Socket) => {
    connections.push(String(socket.remotePort))
    socket.destroy()
  })
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve))
  recorderPort = (recorder.address() as AddressInfo).port
  standIn = await listen((_req, res, url) => {
    const [, scenario = '', rest = ''] = /^\/([^/]+)(\/.*)?$/.exec(url.pathname) ?? []
    const issuer = `${standIn.url}/${scenario}`
    if (rest === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, response_types_supported: ['code'], subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'], ...scenarios()[scenario],
      })
    }
    if (rest === '/authorize') {
      // Approves at once: the code then goes to whichever token endpoint Latch believes.
      const back = new URL(url.searchParams.get('redirect_uri')!)
      back.searchParams.set('code', 'upstream-code-that-must-stay-home')
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      return res.writeHead(302, { location: back.href }).end()
    }
    return json(res, 404, {})
  })
  const connection = (id: string) => ({ id, type: 'oidc', display_name: `Up ${id}`, issuer: `${standIn.url}/${id}`, client_id: 'latch', client_secret: SECRET })
  latch = await startServer(
    {
      connections: [
        ...Object.keys(scenarios()).map(connection),
        // The control: an endpoint the configuration itself names on loopback is reached.
        { id: 'configured', type: 'oauth2', display_name: 'Up configured', client_id: 'latch', client_secret: SECRET, userinfo_endpoint: `${standIn.url}/configured/me`, authorization_endpoint: `${standIn.url}/configured/authorize`, token_endpoint: `http://127.0.0.1:${recorderPort}/token` },
      ],
    },
    { port: await freePort(), logger: createLogger('trace', captured) },
  )
})

afterAll(async () => {
  await latch?.close()
  await standIn?.close()
  await new Promise((resolve) => recorder?.close(resolve))
})

async function signIn(id: string) {
  const browser = new FederatedBrowser()
  const page = await browser.open(connectionLink(await browser.open(webRequest(latch.url).url), `Up ${id}`))
  return { page, browser }
}

describe('upstream endpoints from discovery (security review M2; RFC 6749 §3.1, RFC 9700 §4.15 on SSRF-prone endpoints)', () => {
  it('the control: a token endpoint the configuration names on a loopback port is reached (the socket records it)', async () => {
    const before = connections.length
    const { page } = await signIn('configured')
    expect(isLoginPage(page)).toBe(true)
    expect(page.html).toContain('Up configured cannot be reached right now.')
    expect(connections.length).toBeGreaterThan(before)
  })

  for (const scenario of ['http-loopback', 'http-private'] as const) {
    it(`RFC 6749 §3.1: discovered endpoints in clear text (${scenario}) are refused with the metadata: no redirect to the upstream, nothing sent`, async () => {
      const before = connections.length
      const { page } = await signIn(scenario)
      expect(page.url.startsWith(latch.url)).toBe(true)
      expect(page.html).toContain(`Up ${scenario} cannot be reached right now.`)
      expect(connections.length).toBe(before)
    })
  }

  for (const scenario of ['https-loopback', 'https-by-name', 'https-private'] as const) {
    it(`https endpoints on loopback, private or link-local addresses (${scenario}) are not connected to: the code stays home, the notice is "cannot be reached"`, async () => {
      const before = connections.length
      const { page, browser } = await signIn(scenario)
      expect(isLoginPage(page)).toBe(true)
      expect(page.html).toContain(`Up ${scenario} cannot be reached right now.`)
      expect(connections.length).toBe(before)
      expect(browser.browser(latch.url).cookies.has('latch_session')).toBe(false)
    })
  }

  it('a refused discovery document is logged once per node, naming the endpoint, not its value nor any secret', async () => {
    await signIn('http-loopback')
    const log = lines.join('')
    expect(lines.filter((l) => l.includes('upstream discovery refused') && l.includes('"connection":"http-loopback"'))).toHaveLength(1)
    expect(log).toContain('"endpoint":"token_endpoint"')
    expect(log).not.toContain(SECRET)
    expect(log).not.toContain('upstream-code-that-must-stay-home')
  })
})
