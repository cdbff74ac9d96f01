/**
 * `host` defaults to 127.0.0.1: the demo configuration (well-known client secrets, a demo user
 * with a published password) is reachable from this machine only, at http://localhost:9000
 * whichever of 127.0.0.1 and ::1 `localhost` resolves to first (RFC 8305 "Happy Eyeballs": the
 * client tries the next address). Bound anywhere else while those credentials are configured, the
 * server warns at boot.
 * @see https://www.rfc-editor.org/rfc/rfc8305
 * @see issue 8
 */
import { readFileSync } from 'node:fs'
import { get, type RequestOptions } from 'node:http'
import type { LookupAddress } from 'node:dns'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { Writable } from 'node:stream'
import pino from 'pino'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { createServer } from '../server.js'
import { loadConfig } from './load.js'

const DEMO = parseYaml(readFileSync(new URL('../../../../latch.config.yaml', import.meta.url), 'utf8')) as Record<string, unknown>
const env = { LATCH_SECRET: 's'.repeat(40) }
const demoConfig = (extra: Record<string, unknown> = {}) => ({ ...DEMO, database: 'sqlite::memory:', ...extra })

/** GET with a resolver that answers `localhost` with ::1 first, as many systems do. */
function getWithIpv6First(url: string): Promise<number> {
  const lookup = ((_host: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    const all: LookupAddress[] = [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]
    if (options.all) callback(null, all)
    else callback(null, '::1', 6)
  }) as unknown as RequestOptions['lookup']
  return new Promise((resolve, reject) => {
    // No autoSelectFamily option: Node's default (on since Node 20) is what users get.
    get(url, { lookup }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

describe('host (bind address)', () => {
  it('issue 8: the demo server binds 127.0.0.1 by default, answers at http://localhost (127.0.0.1 or ::1 first) and not on the other interfaces', async () => {
    const server = await createServer({ config: demoConfig(), env, logger: pino({ level: 'silent' }) })
    try {
      expect(server.config.host).toBe('127.0.0.1')
      expect(server.warnings.join('\n')).not.toMatch(/reachable from other machines/)
      const port = Number(new URL(await server.listen(0)).port)
      expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200)
      expect(await getWithIpv6First(`http://localhost:${port}/healthz`)).toBe(200)
      const others = Object.values(networkInterfaces()).flat().filter((i) => i !== undefined && !i.internal).map((i) => i!.address)
      if (others.length === 0) console.log('host.test: this machine has no non-loopback interface to check the bind against')
      for (const address of others) expect(await accepts(address, port), `reachable on ${address}`).toBe(false)
    } finally {
      await server.close()
    }
  })

  it('issue 8: bound off loopback, the demo credentials (change-me client secrets, the demo password) are a warning at boot', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) }))
    const server = await createServer({ config: demoConfig({ host: '0.0.0.0' }), env, logger })
    await server.close()
    const warning = lines.map((l) => (JSON.parse(l) as { msg: string }).msg).find((m) => m.includes('reachable from other machines'))
    expect(warning).toMatch(/^host is 0\.0\.0\.0, reachable from other machines, and the demo client secrets of demo-web, demo-bff, demo-service, https:\/\/api\.example\.com .* and the demo password of alice@example\.com are configured/)

    // Replaced secrets and users: no warning; on loopback: none either.
    const replaced = loadConfig({
      config: demoConfig({ host: '0.0.0.0', users: [{ email: 'ops@example.com', password: 'a-real-password-of-our-own' }] }),
      env: { ...env, DEMO_WEB_SECRET: 'w'.repeat(40), DEMO_BFF_SECRET: 'b'.repeat(40), DEMO_SERVICE_SECRET: 's'.repeat(40), DEMO_API_SECRET: 'a'.repeat(40) },
    })
    expect(replaced.warnings.join('\n')).not.toMatch(/reachable from other machines/)
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      expect(loadConfig({ config: demoConfig({ host }), env }).warnings.join('\n'), host).not.toMatch(/reachable from other machines/)
    }
  })
})
