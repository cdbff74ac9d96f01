/**
 * Issue 11: the look of a page, from the context's config only (the tenant's `branding` and
 * `messages`, so each tenant's context dresses its own pages) and, on the pages of an
 * authorization request for an organization, that organization's branding over it. The custom
 * stylesheet is linked with a version (a hash of its text), so a changed stylesheet is fetched at
 * once while an unchanged one stays cached.
 */
import { createHash } from 'node:crypto'
import { PATHS, type LatchContext } from '../context.js'
import type { LatchConfig } from '../config/schema.js'
import { overBranding, type Look } from './views/branding.js'
import type { InteractionRecord } from '../storage/store.js'

/** The version of a stylesheet in its URL and ETag: the first 128 bits of its SHA-256, base64url. */
export function stylesheetVersion(css: string): string {
  return createHash('sha256').update(css).digest('base64url').slice(0, 22)
}

function stylesheetUrl(issuer: string, css: string | undefined, organization?: string): string | undefined {
  if (css === undefined) return undefined
  const query = new URLSearchParams({ ...(organization !== undefined && { organization }), v: stylesheetVersion(css) })
  return `${issuer}${PATHS.branding_css}?${query.toString()}`
}

/** One look per config (a tenant's is frozen), built on first use. */
const tenantLooks = new WeakMap<LatchConfig, Look>()

/** The tenant's own look: its branding and message overrides. */
export function tenantLook(ctx: LatchContext): Look {
  let look = tenantLooks.get(ctx.config)
  if (look === undefined) {
    const { branding, messages, issuer } = ctx.config
    tenantLooks.set(ctx.config, (look = { branding, messages, stylesheet: stylesheetUrl(issuer, branding.css) }))
  }
  return look
}

/**
 * The look of a page for `organization` (its id; null or undefined: none): its branding, key by
 * key, over the tenant's. An organization that does not exist, or has no branding, looks like the
 * tenant, so the page tells nothing of organizations that did not brand themselves.
 */
export async function lookFor(ctx: LatchContext, organization: string | null | undefined): Promise<Look> {
  const tenant = tenantLook(ctx)
  if (organization === null || organization === undefined) return tenant
  const own = await ctx.store.organizations.branding(organization)
  if (own === null || Object.keys(own).length === 0) return tenant
  return {
    branding: overBranding(tenant.branding, own),
    messages: tenant.messages,
    stylesheet: own.css !== undefined ? stylesheetUrl(ctx.config.issuer, own.css, organization) : tenant.stylesheet,
  }
}

/** The organization an authorization request names: chosen on the picker, else asked for (`organization` or `organization:<id>`). */
export function requestedOrganization(interaction: InteractionRecord): string | undefined {
  const { organization_chosen: chosen, organization } = interaction.params
  return typeof chosen === 'string' ? chosen : typeof organization === 'string' ? organization : undefined
}
