/**
 * The answer to a request whose host and path match no tenant (issue 11): a plain 404 page in the
 * reader's language, the same for every unknown address, naming no tenant and linking nowhere.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { notFoundPage } from '../../interaction/views/not-found.js'
import { pageLocale } from './page-locale.js'
import { securityHeaders } from './security-headers.js'

export function sendUnknownTenant(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.info({ host: request.headers.host }, 'no tenant at this address')
  return securityHeaders(reply)
    .status(404)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(notFoundPage(pageLocale(request)))
}
