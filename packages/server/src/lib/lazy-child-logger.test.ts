/**
 * The lazy request logger writes exactly what pino's own child would: the request's bindings,
 * the parent's redaction, nothing below the parent's level; and it builds no child until a line
 * is written.
 */
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../server.js'
import { LazyChildLogger, lazyChildLoggerFactory } from './lazy-child-logger.js'

function capture() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      done()
    },
  })
  return { lines, stream }
}

describe('LazyChildLogger', () => {
  it('writes nothing and builds no child below the level; at the level writes with the bindings and redaction', () => {
    const { lines, stream } = capture()
    const parent = createLogger('warn', stream)
    const child = lazyChildLoggerFactory(parent, { reqId: 'req-1' }, {}) as LazyChildLogger
    expect(child).toBeInstanceOf(LazyChildLogger)
    child.info({ x: 1 }, 'not written')
    child.debug('not written')
    expect(lines).toHaveLength(0)
    expect(child.level).toBe('warn')
    expect(child.isLevelEnabled('info')).toBe(false)
    child.warn({ body: { client_secret: 'c2VjcmV0', password: 'hunter2' } }, 'written')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 40, reqId: 'req-1', msg: 'written', body: { client_secret: '[redacted]', password: '[redacted]' } })
    expect(JSON.stringify(lines[0])).not.toContain('c2VjcmV0')
    child.error(new Error('boom'))
    expect(lines[1]).toMatchObject({ level: 50, reqId: 'req-1' })
  })

  it('issue 11: a child of the stand-in (the tenant binding) is a stand-in that writes both bindings', () => {
    const { lines, stream } = capture()
    const parent = createLogger('warn', stream)
    const request = lazyChildLoggerFactory(parent, { reqId: 'req-1' }, {}) as LazyChildLogger
    const tenant = request.child({ tenant: 'acme' }) as unknown as LazyChildLogger
    expect(tenant).toBeInstanceOf(LazyChildLogger)
    tenant.info('not written')
    expect(lines).toHaveLength(0)
    tenant.warn({ body: { password: 'hunter2' } }, 'written')
    expect(lines).toEqual([expect.objectContaining({ level: 40, reqId: 'req-1', tenant: 'acme', msg: 'written', body: { password: '[redacted]' } })])
    expect(request.child({ tenant: 'acme' }, { level: 'debug' })).not.toBeInstanceOf(LazyChildLogger)
  })

  it('a route with its own log level gets a real child', () => {
    const parent = createLogger('warn', capture().stream)
    expect(lazyChildLoggerFactory(parent, { reqId: 'r' }, { level: 'debug' })).not.toBeInstanceOf(LazyChildLogger)
  })

  it('as Fastify childLoggerFactory, request.log lines carry the request id', async () => {
    const { lines, stream } = capture()
    const app = Fastify({ loggerInstance: createLogger('warn', stream), childLoggerFactory: lazyChildLoggerFactory as never })
    app.get('/x', async (request) => {
      request.log.info('below the level')
      request.log.warn('at the level')
      return { ok: true }
    })
    const res = await app.inject('/x')
    expect(res.statusCode).toBe(200)
    const written = lines.filter((l) => l.msg === 'at the level' || l.msg === 'below the level')
    expect(written).toHaveLength(1)
    expect(written[0]?.reqId).toEqual(expect.any(String))
    await app.close()
  })
})
