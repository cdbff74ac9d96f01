/**
 * Issue 14: `/readyz` with the database really down: a server on a throwaway PostgreSQL cluster
 * (test/throwaway-postgres.ts, never the machine's own server) answers 200 `ready`, 503 naming the
 * `database` check while the cluster is stopped (so a load balancer takes the node out), and 200
 * again once it is back, without a restart. Runs in the `sqlite` project, like the outage test.
 * @see issue 14
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type LatchServer } from '../../src/server.js'
import { TEST_SECRET } from '../helpers.js'
import { ThrowawayPostgres } from '../throwaway-postgres.js'

const skipped = ThrowawayPostgres.skipReason()
if (skipped) console.log(skipped)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(skipped !== undefined)('issue 14: /readyz while PostgreSQL is down', () => {
  let postgres: ThrowawayPostgres
  let server: LatchServer
  let url: string

  beforeAll(async () => {
    postgres = await ThrowawayPostgres.create()
    server = await createServer({
      config: { issuer: 'http://127.0.0.1:1', database: postgres.url, log_level: 'silent' },
      env: { LATCH_SECRET: TEST_SECRET },
      logger: pino({ level: 'silent' }),
    })
    url = await server.listen(0, '127.0.0.1')
  }, 120_000)

  afterAll(async () => {
    try {
      if (postgres !== undefined) await postgres.start().catch(() => {})
      await server?.close()
    } finally {
      postgres?.destroy()
    }
  }, 120_000)

  async function readyz(): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}/readyz`)
    return { status: res.status, body: await res.json() }
  }

  it('issue 14: ready, then 503 {"checks":{"database":…}} while the cluster is stopped, then ready again', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } })
    await postgres.stop()
    const down = await readyz()
    expect(down).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'unavailable' } } })
    await postgres.start()
    let back = await readyz()
    for (const until = Date.now() + 30_000; back.status !== 200 && Date.now() < until; await sleep(200)) back = await readyz()
    expect(back).toEqual({ status: 200, body: { status: 'ready' } })
  }, 120_000)
})
