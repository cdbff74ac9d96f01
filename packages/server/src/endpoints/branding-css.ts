/**
 * Issue 11: the custom stylesheet of a branding (`branding.css_file`, read at config load), at
 * `GET {issuer}/branding.css`, and an organization's at `GET {issuer}/branding.css?organization=<id>`.
 * Pages link it with `&v=<version>`, so a changed stylesheet is fetched at once; the ETag (the
 * same hash of the text) answers a revalidation with 304 (RFC 9110 §13.1.2: `If-None-Match`
 * compares weakly). 404 when there is none. The pages' CSP allows it through `style-src 'self'`.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { PATHS } from '../context.js'
import { stylesheetVersion } from '../interaction/page-look.js'
import { ORGANIZATION_ID } from '../rules/organization.js'

/** Short: a stylesheet linked without its version (by hand, or from an old page) picks up a change within minutes. */
const CACHE_CONTROL = 'public, max-age=300'
const NOT_FOUND = JSON.stringify({ error: 'not_found', error_description: 'no branding stylesheet here' })

/** RFC 9110 §13.1.2: whether `If-None-Match` names `etag` (weak comparison) or is `*`. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t.replace(/^W\//, '') === etag
  })
}

async function stylesheetOf(request: FastifyRequest): Promise<string | undefined> {
  const ctx = request.latch
  const organization = (request.query as Record<string, unknown> | undefined)?.organization
  if (organization === undefined) return ctx.config.branding.css
  if (typeof organization !== 'string' || !ORGANIZATION_ID.test(organization)) return undefined
  return (await ctx.store.organizations.branding(organization))?.css
}

export const brandingStylesheetEndpoint: FastifyPluginAsync = async (app) => {
  async function brandingStylesheet(request: FastifyRequest, reply: FastifyReply) {
    reply.header('x-content-type-options', 'nosniff')
    const css = await stylesheetOf(request)
    if (css === undefined) return reply.status(404).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(NOT_FOUND)
    const etag = `"${stylesheetVersion(css)}"`
    reply.header('etag', etag).header('cache-control', CACHE_CONTROL)
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send()
    return reply.type('text/css; charset=utf-8').send(css)
  }
  app.get(PATHS.branding_css, { config: { channel: 'json' } }, brandingStylesheet)
}
