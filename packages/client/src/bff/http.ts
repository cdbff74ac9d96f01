/**
 * The HTTP edge shared by the BFF's routes: JSON error answers in the RFC 6749 §5.2 / RFC 6750
 * §3 shape (`{"error", "error_description"}`, `Cache-Control: no-store`), the body parsers of the
 * auth routes (JSON, possibly empty, and HTML form posts), and an error handler that turns every
 * failure into such an answer: a bad body is 4xx `invalid_request`, anything unexpected is a
 * generic 500 `server_error` whose details go to the log (name and code only, never a message
 * that could quote a token), never a stack trace to the client.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'

/** Sends `{ error, error_description }` with `status` and `Cache-Control: no-store`. */
export function sendError(reply: FastifyReply, status: number, error: string, description?: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send(description === undefined ? { error } : { error, error_description: description })
}

/** 401 `login_required`: there is no session, or it can no longer give an access token. */
export function sendLoginRequired(reply: FastifyReply, description = 'sign in first'): FastifyReply {
  return sendError(reply, 401, 'login_required', description)
}

const CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty JSON body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid content-length',
}

/** Installs the error handler described in the module comment on `app` (an encapsulated context). */
export function jsonErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (status === 500) {
      request.log.error({ err: { name: err.name, code: err.code } }, 'latch bff: unexpected error')
      return sendError(reply, 500, 'server_error', 'unexpected error')
    }
    return sendError(reply, status, 'invalid_request', (err.code && CLIENT_ERRORS[err.code]) ?? 'malformed request')
  })
}

/** The parsed body of an auth route: string fields only (a repeated field becomes `''`, which no check accepts). */
export type FormFields = Record<string, string>

function fields(entries: Iterable<[string, unknown]>): FormFields {
  const out: FormFields = Object.create(null) as FormFields
  for (const [key, value] of entries) out[key] = key in out || typeof value !== 'string' ? '' : value
  return out
}

/**
 * Body parsers of the auth routes (encapsulated, so the app's own parsers are untouched): JSON,
 * where an empty body is `{}` (a `fetch('/auth/logout', { method: 'POST' })` with a JSON content
 * type), and `application/x-www-form-urlencoded` for plain HTML forms. Other types are 415.
 */
export function authBodyParsers(app: FastifyInstance, bodyLimit = 16 * 1024): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = (body as string).trim()
    if (text === '') return done(null, {})
    try {
      const value: unknown = JSON.parse(text)
      done(null, typeof value === 'object' && value !== null && !Array.isArray(value) ? fields(Object.entries(value)) : {})
    } catch {
      const err = new Error('malformed JSON body') as FastifyError
      err.statusCode = 400
      done(err, undefined)
    }
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    done(null, fields(new URLSearchParams(body as string)))
  })
}
