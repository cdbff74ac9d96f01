/**
 * Issue 11: the look a request's pages are dressed in (interaction/page-look.ts), noted by the
 * endpoint that worked it out (an organization's, say) so that an error page later in the same
 * request looks the same; otherwise the tenant's own.
 */
import type { FastifyRequest } from 'fastify'
import { tenantLook } from '../../interaction/page-look.js'
import { DEFAULT_LOOK, type Look } from '../../interaction/views/branding.js'
import { contextOf } from './tenant-of.js'

const noted = new WeakMap<FastifyRequest, Look>()

export function noteLook(request: FastifyRequest, look: Look): Look {
  noted.set(request, look)
  return look
}

/** The look noted for this request, else its tenant's; the plain look when no tenant answered (issue 11: never another tenant's). */
export function pageLook(request: FastifyRequest): Look {
  const noted_ = noted.get(request)
  if (noted_ !== undefined) return noted_
  const ctx = contextOf(request)
  return ctx === null ? DEFAULT_LOOK : tenantLook(ctx)
}
