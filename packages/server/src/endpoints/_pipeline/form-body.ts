/**
 * Parses `application/x-www-form-urlencoded` bodies into `Record<string, string | string[]>`,
 * keeping repeated parameters as arrays so `rejectDuplicateParams` can refuse them
 * (RFC 6749 §3.1, §3.2: "Request and response parameters MUST NOT be included more than once").
 * Registered as Fastify's content-type parser; any other media type at a form endpoint is
 * `invalid_request` (RFC 6749 §4.1.3 requires this encoding).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { InvalidRequestError } from '../../errors.js'

export type RawParams = Record<string, string | string[] | undefined>

export function parseForm(body: string): RawParams {
  const out: RawParams = Object.create(null)
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key]
    if (prev === undefined) out[key] = value
    else if (Array.isArray(prev)) prev.push(value)
    else out[key] = [prev, value]
  }
  return out
}

export function registerFormParser(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    done(null, parseForm(body as string))
  })
}

/**
 * preValidation step: the body must be a form (a JSON body at the token endpoint is a client bug).
 * Callback style, not async: it runs on every token request and should not cost a promise.
 */
export function requireFormBody(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    done(new InvalidRequestError('the request body must be application/x-www-form-urlencoded'))
    return
  }
  if (request.body === null || typeof request.body !== 'object') request.body = Object.create(null)
  done()
}
