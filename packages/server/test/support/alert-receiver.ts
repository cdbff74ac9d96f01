/**
 * Issue 14: an alert webhook receiver stand-in (node:http, port 0): records every POST (path,
 * headers, raw body as received) and answers each path with the statuses queued for it, 200 once
 * the queue is empty (or `always`).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedAlert {
  path: string
  headers: IncomingHttpHeaders
  /** The body's bytes as received, for the signature check. */
  raw: string
  body: { id: string; type: string; time: string; tenant: string; data: Record<string, unknown> }
}

export interface AlertReceiver {
  url: string
  received: ReceivedAlert[]
  at(path: string): ReceivedAlert[]
  answer(path: string, ...statuses: number[]): void
  always(path: string, status: number | null): void
  close(): Promise<void>
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = []
  const queued = new Map<string, number[]>()
  const fixed = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!
      const raw = Buffer.concat(chunks).toString('utf8')
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) })
      const status = fixed.get(path) ?? queued.get(path)?.shift() ?? 200
      res.writeHead(status, { 'content-type': 'text/plain' }).end('x'.repeat(status >= 500 ? 100_000 : 2))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    answer(path, ...statuses) {
      queued.set(path, [...(queued.get(path) ?? []), ...statuses])
    },
    always(path, status) {
      if (status === null) fixed.delete(path)
      else fixed.set(path, status)
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
