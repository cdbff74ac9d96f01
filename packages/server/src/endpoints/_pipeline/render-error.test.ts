/**
 * The last lines of defence of the error handler, on a bare Fastify app with Latch's handlers:
 * whatever fails, the client gets Latch's own error body, never Fastify's fallback JSON with
 * Node's error code and message.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import { connect } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientErrorHandler, errorHandler } from './render-error.js'

let app: FastifyInstance
let port: number

beforeAll(async () => {
  app = Fastify({ clientErrorHandler })
  app.setErrorHandler(errorHandler)
  // A handler that redirects to a URL Node cannot put in a header.
  app.get('/bad-location', { config: { channel: 'html' } }, async (_request, reply) => reply.redirect('https://rp.example/cb\r\nX-Injected: 1', 303))
  // A handler that sets a bad header, then fails.
  app.get('/bad-header', { config: { channel: 'json' } }, async (_request, reply) => {
    reply.header('x-note', 'a\u0000b')
    throw new Error('boom at /secret/path.ts:12')
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as { port: number }).port
})
afterAll(() => app.close())

function raw(request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let text = ''
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')))
    socket.on('close', () => resolve(text))
    socket.write(request)
  })
}

const FRAMEWORK = /ERR_[A-Z_]{4,}|FST_ERR|"statusCode"|Invalid character|\.ts:\d+/

describe('errors that escape the handlers', () => {
  /** @see issue 8 */
  it('RFC 6749 §4.1.2.1: a response whose header Node refuses becomes Latch\'s server_error, without framework details or the injected header', async () => {
    const res = await raw('GET /bad-location HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(res).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/)
    expect(res).toMatch(/content-type: text\/html/)
    expect(res).toContain('server_error')
    expect(res).not.toMatch(FRAMEWORK)
    expect(res.toLowerCase()).not.toContain('x-injected')
  })

  /** @see issue 8 */
  it('RFC 6749 §5.2: an unknown error is a generic server_error, and a bad header set before it is dropped', async () => {
    const res = await raw('GET /bad-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(res).toMatch(/^HTTP\/1\.1 500 /)
    expect(res.split('\r\n\r\n')[1]).toBe('{"error":"server_error","error_description":"the server encountered an unexpected error"}')
    expect(res).not.toMatch(FRAMEWORK)
    expect(res).not.toContain('x-note')
  })

  /** @see issue 8 */
  it('RFC 6749 §5.2: a request the HTTP parser refuses gets invalid_request, not Fastify\'s "Client Error" body', async () => {
    const res = await raw('GET /a\u00ff\u0001 HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(res.split('\r\n\r\n')[1]).toBe('{"error":"invalid_request","error_description":"the request is malformed"}')
  })
})
