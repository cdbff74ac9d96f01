/**
 * What the example's request log may hold. Fastify's default request serializer logs the whole
 * URL, and the query of `/auth/callback` is the authorization code and the state (request logs are
 * one of the ways RFC 6819 §4.4.1.1 lists for codes to leak). The BFF keeps its callback's
 * info-level lines quiet, but a 5xx through Fastify's default error handler, or a 404, logs the
 * request at error/info level whatever the route. So the log gets the method and the path only,
 * and the credential headers are redacted should anything log them. The same rules as
 * examples/spa's server; a small copy here, since the two examples share no code.
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-4.4.1.1
 * @see https://fastify.dev/docs/latest/Reference/Logging/#log-redaction
 */
import type { FastifyServerOptions } from 'fastify'

/** `req` as the log shows it: method and path, never the query string. */
export const requestLogSerializers = {
  req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
}

/** Headers that carry credentials, censored wherever a log line includes them. */
export const LOG_REDACT = ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-latch-csrf"]', 'res.headers["set-cookie"]']

type LoggerOption = FastifyServerOptions['logger']

/** The app's `logger` option with the serializers and redactions above added (`false` stays off). */
export function safeLoggerOptions(logger: LoggerOption): LoggerOption {
  if (logger === undefined || logger === false) return false
  const base = logger === true ? {} : logger
  const redact = base.redact
  const paths = Array.isArray(redact) ? redact : redact?.paths ?? []
  return {
    ...base,
    serializers: { ...base.serializers, ...requestLogSerializers },
    redact: { ...(Array.isArray(redact) ? {} : redact), paths: [...LOG_REDACT, ...paths] },
  }
}
