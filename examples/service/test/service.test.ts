/**
 * examples/service end to end: a real Latch configured like latch.config.yaml's demo-service, the
 * real example API (examples/api's `createApi`, an Express app on @latch/resource-server), the
 * service's `runService`, and its real entry point spawned as `npm start` runs it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OAuthResponseError, createClientCredentialsClient } from '@latch/client'
import { startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { runService } from '../src/service.js'
import { createApi } from '../../api/src/api.js'
import { buildUnderLock, ROOT } from '../../../packages/server/test/support/build.js'

const AUDIENCE = 'https://api.example.com'
const SECRET = 'demo-service-secret-for-tests-0123456789'

let latch: TestServer
let api: { url: string; server: Server }

beforeAll(async () => {
  latch = await startServer({
    resources: [{ identifier: AUDIENCE, scopes: ['read:data', 'write:data'] }],
    default_resource: AUDIENCE,
    clients: [{ client_id: 'demo-service', client_name: 'Demo Service', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], scope: 'read:data write:data' }],
  })
  const server = createServer(createApi({ issuer: latch.url, audience: AUDIENCE }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
})

afterAll(async () => {
  await new Promise((resolve) => api?.server.close(resolve))
  await latch?.close()
})

/** Scopes of the bearer tokens the service sent to the API, by method. */
function recordingFetch(): { fetch: typeof fetch; scopes: Record<string, string> } {
  const scopes: Record<string, string> = {}
  return {
    scopes,
    fetch: async (input, init) => {
      const auth = new Headers(init?.headers).get('authorization')
      if (auth?.startsWith('Bearer ')) {
        const payload = JSON.parse(Buffer.from(auth.slice(7).split('.')[1] as string, 'base64url').toString()) as { scope: string }
        scopes[init?.method ?? 'GET'] = payload.scope
      }
      return fetch(input, init)
    },
  }
}

describe('examples/service', () => {
  it('RFC 6749 §4.4 + RFC 6750 §2.1: the service reads (read:data) and writes (write:data) /api/data with client credentials tokens', async () => {
    const lines: string[] = []
    const recorder = recordingFetch()
    const result = await runService({ issuer: latch.url, apiUrl: api.url, clientId: 'demo-service', clientSecret: SECRET, print: (l) => lines.push(l), fetch: recorder.fetch })
    expect(result.ok).toBe(true)
    expect(result.read.status).toBe(200)
    expect(result.write.status).toBeGreaterThanOrEqual(200)
    expect(result.write.status).toBeLessThan(300)
    expect(lines[0]).toMatch(/^GET \/api\/data -> 200/)
    expect(lines[1]).toMatch(/^POST \/api\/data -> 20\d/)
    // RFC 6749 §3.3 least privilege: each call carried only the scope it needed.
    expect(recorder.scopes).toEqual({ GET: 'read:data', POST: 'write:data' })
    expect(lines.join('\n')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./)
  })

  it('RFC 6750 §3.1: the split matters: the reader\'s read:data token cannot write (403 insufficient_scope)', async () => {
    const reader = createClientCredentialsClient({ issuer: latch.url, clientId: 'demo-service', clientSecret: SECRET, scope: 'read:data' })
    const res = await reader.fetch(`${api.url}/api/data`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/)
  })

  it('RFC 6749 §5.2: a wrong client secret fails with OAuthResponseError invalid_client before any API call', async () => {
    const err = await runService({ issuer: latch.url, apiUrl: api.url, clientId: 'demo-service', clientSecret: 'wrong', print: () => {} }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthResponseError)
    expect((err as OAuthResponseError).error).toBe('invalid_client')
  })

  it('npm start: the built entry point reads the environment, prints both calls and exits 0; a wrong secret exits 1 without printing it', async () => {
    await buildUnderLock(['examples/service'])
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'examples/service/dist/main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let err = ''
        child.stdout.on('data', (c: Buffer) => (out += c.toString()))
        child.stderr.on('data', (c: Buffer) => (err += c.toString()))
        child.on('close', (code) => resolve({ code, out, err }))
      })
    const ok = await run({ LATCH_ISSUER: latch.url, API_URL: api.url, CLIENT_ID: 'demo-service', CLIENT_SECRET: SECRET })
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('GET /api/data -> 200')
    expect(ok.out).toMatch(/POST \/api\/data -> 20\d/)
    const bad = await run({ LATCH_ISSUER: latch.url, API_URL: api.url, CLIENT_ID: 'demo-service', CLIENT_SECRET: 'not-the-secret-xyz' })
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('invalid_client')
    expect(bad.out + bad.err).not.toContain('not-the-secret-xyz')
  })
})
