/**
 * A small real HTTP API for the tests: it records each request's bearer token and body, and
 * answers 401 `invalid_token` (RFC 6750 §3.1) for tokens a test tells it to refuse, 200 with the
 * token's position otherwise. Real sockets on 127.0.0.1:<ephemeral port>.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TestApi {
  url: string
  /** Every request in arrival order: its bearer token (or null) and body. */
  requests: { token: string | null; method: string; body: string }[]
  /** Decides per token whether to refuse it with 401; default: refuse none. */
  refuse: (token: string | null, index: number) => boolean
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += String(chunk)
  return body
}

export async function startApi(): Promise<TestApi> {
  const api: TestApi = { url: '', requests: [], refuse: () => false, close: async () => {} }
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const header = req.headers.authorization ?? ''
      const token = header.startsWith('Bearer ') ? header.slice(7) : null
      const index = api.requests.push({ token, method: req.method ?? 'GET', body }) - 1
      if (token === null || api.refuse(token, index)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token", error_description="token refused"', 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'invalid_token' }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, index, body }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  api.close = () => new Promise((resolve) => server.close(() => resolve()))
  return api
}
