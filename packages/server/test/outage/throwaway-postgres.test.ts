/**
 * The throwaway PostgreSQL the outage test stops and starts (test/throwaway-postgres.ts): its own
 * directory and port, stop and start under the test's control, and nothing left behind, so that
 * running the tests never stops, restarts or needs root over the machine's own PostgreSQL.
 * @see https://www.postgresql.org/docs/current/app-pg-ctl.html
 * @see issue 8
 */
import { existsSync } from 'node:fs'
import { postgresReachable } from '../support/database.js'
import { describe, expect, it } from 'vitest'
import { ThrowawayPostgres } from '../throwaway-postgres.js'

const skipped = ThrowawayPostgres.skipReason()
if (skipped) console.log(skipped)

const answers = (url: string) => postgresReachable(url, 3000)

describe.skipIf(skipped !== undefined)('ThrowawayPostgres', () => {
  it('issue 8: a cluster of its own on its own port, stopped and started by the test, removed afterwards', { timeout: 120_000 }, async () => {
    const server = await ThrowawayPostgres.create()
    try {
      expect(server.port).not.toBe(5432)
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`)
      expect(await answers(server.url)).toBe(true)
      await server.stop()
      expect(await answers(server.url)).toBe(false)
      await server.start()
      expect(await answers(server.url)).toBe(true)
    } finally {
      server.destroy()
    }
    expect(existsSync(server.dir)).toBe(false)
    expect(await answers(server.url)).toBe(false)
    server.destroy() // a second call is harmless
  })
})
