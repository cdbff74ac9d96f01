/**
 * Headers for every HTML page: a strict Content-Security-Policy with `frame-ancestors 'none'`
 * (clickjacking of the login and consent buttons), no MIME sniffing, no referrer leaking the
 * authorization request's parameters.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.16
 */
import type { FastifyReply } from 'fastify'

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'"

export function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', PAGE_CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
}
