/**
 * 405 Method Not Allowed for a path Latch serves with other methods (RFC 9110 §15.5.6): the
 * answer carries `Allow` listing the methods the path supports, where a 404 would tell a client
 * that the endpoint does not exist. Fastify's router answers both cases with its not-found
 * handler, so the routes are recorded as they register (an `onRoute` hook) and the not-found
 * handler asks `allowedMethods(path)`.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6
 */
import type { FastifyInstance } from 'fastify'
import type { ErrorChannel } from './render-error.js'

interface KnownPath {
  pattern: RegExp
  methods: Set<string>
  channel: ErrorChannel
}

export interface MethodTable {
  /** The methods and error channel of the routes serving `path`, or null when none does. */
  allowed(path: string): { allow: string; channel: ErrorChannel } | null
}

function patternOf(url: string): RegExp {
  // `:id` matches one path segment, as in the router; trailing slashes are ignored (server.ts).
  const source = url.replace(/\/+$/, '').split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')
  return new RegExp(`^${source}/?$`)
}

/** Registers the recording hook: call before the endpoint plugins register their routes. */
export function recordMethods(app: FastifyInstance): MethodTable {
  const paths = new Map<string, KnownPath>()
  app.addHook('onRoute', function recordRouteMethods(route) {
    const known = paths.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>(), channel: route.config?.channel ?? 'json' }
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) known.methods.add(m.toUpperCase())
    paths.set(route.url, known)
  })
  return {
    allowed(path) {
      for (const known of paths.values()) {
        if (known.pattern.test(path)) return { allow: [...known.methods].sort().join(', '), channel: known.channel }
      }
      return null
    },
  }
}
