/**
 * A back-channel logout receiver stand-in (node:http, ephemeral port): records every POST (path,
 * content type, the `logout_token` form field) and answers each path with the statuses queued for
 * it, 200 once the queue is empty.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedLogout {
  path: string
  contentType: string | undefined
  logoutToken: string | null
}

export interface LogoutReceiver {
  url: string
  received: ReceivedLogout[]
  /** Answers the next POSTs to `path` with these statuses, in order. */
  answer(path: string, ...statuses: number[]): void
  /** Answers every POST to `path` with `status` until cleared (null). */
  always(path: string, status: number | null): void
  close(): Promise<void>
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: ReceivedLogout[] = []
  const queued = new Map<string, number[]>()
  const fixed = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!
      const body = Buffer.concat(chunks).toString('utf8')
      received.push({ path, contentType: req.headers['content-type'], logoutToken: new URLSearchParams(body).get('logout_token') })
      const status = fixed.get(path) ?? queued.get(path)?.shift() ?? 200
      res.writeHead(status, { 'cache-control': 'no-store' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(path, ...statuses) {
      queued.set(path, [...(queued.get(path) ?? []), ...statuses])
    },
    always(path, status) {
      if (status === null) fixed.delete(path)
      else fixed.set(path, status)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
