/**
 * Scope requirements of a route, checked against a token's `scope` claim (RFC 9068 §2.2.3: the
 * space-delimited list of RFC 6749 §3.3). A route lists scopes that are ALL required; a scope may
 * be a template bound to a route parameter, `read:organization:{orgId}`, which is resolved per
 * request and then compared exactly, token by token.
 *
 * Injection: a parameter value is substituted only when it is itself a run of scope characters
 * (RFC 6749 §3.3 `scope-token = 1*NQCHAR`, NQCHAR = %x21 / %x23-5B / %x5D-7E). A value with a
 * space, a quote, a backslash, a control character or nothing at all makes the requirement
 * unsatisfiable, so `orgId = "x read:organization:y"` cannot smuggle a second scope into the
 * comparison, and never reaches the `WWW-Authenticate` header either (the template is named
 * there instead).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
import { InsufficientScopeError } from './errors.js'

/** RFC 6749 §3.3 `scope-token = 1*NQCHAR`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** `{name}` placeholders: a JavaScript-identifier-like parameter name. */
const PLACEHOLDER = /\{([A-Za-z_$][\w$]*)\}/g

/** Route parameters as frameworks hand them over (Express 5 gives arrays for wildcards). */
export type RouteParams = Readonly<Record<string, unknown>>

interface CompiledScope {
  /** The scope as written, `read:organization:{orgId}`. */
  readonly template: string
  /** Literal pieces around the placeholders: `parts.length === params.length + 1`. */
  readonly parts: readonly string[]
  readonly params: readonly string[]
}

/** A route's precompiled "all of" requirement. */
export interface ScopeRequirement {
  /** The scopes as written, in order. */
  readonly scopes: readonly string[]
  /** Names of the route parameters the templates use. */
  readonly params: readonly string[]
  /** Throws {@link InsufficientScopeError} unless `granted` holds every required scope. */
  check(granted: string | undefined, params?: RouteParams): void
  /** The `scope` of the challenge for this request: each resolved scope, or its template when a value was refused. */
  challenge(params?: RouteParams): string
}

/**
 * Whether the space-delimited `scope` contains `token` as a whole element (no allocation).
 *
 * @example
 * ```ts
 * import { hasScope } from '@latch/resource-server'
 *
 * hasScope('read:data write:data', 'write:data') // true
 * hasScope('read:data:all', 'read:data') // false
 * ```
 */
export function hasScope(scope: string, token: string): boolean {
  const n = token.length
  if (n === 0) return false
  let i = scope.indexOf(token)
  while (i !== -1) {
    if ((i === 0 || scope.charCodeAt(i - 1) === 32) && (i + n === scope.length || scope.charCodeAt(i + n) === 32)) return true
    i = scope.indexOf(token, i + 1)
  }
  return false
}

function compileOne(template: string): CompiledScope {
  if (typeof template !== 'string') throw new TypeError('scopes: every scope must be a string')
  const parts: string[] = []
  const params: string[] = []
  let last = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, m.index))
    params.push(m[1] as string)
    last = m.index + m[0].length
  }
  parts.push(template.slice(last))
  // Each placeholder stands for at least one NQCHAR, so the template with `x` in their place
  // must itself be one scope-token; this refuses spaces, quotes and stray braces at boot.
  if (!SCOPE_TOKEN.test(parts.join('x')) || parts.some((p) => p.includes('{') || p.includes('}'))) {
    throw new TypeError(`scopes: "${template}" is not a scope token (RFC 6749 §3.3) with optional {param} placeholders`)
  }
  return { template, parts, params }
}

/** The scope for this request, or `null` when a parameter is missing or not scope characters. */
function resolve(scope: CompiledScope, params: RouteParams | undefined): string | null {
  if (scope.params.length === 0) return scope.template
  let out = scope.parts[0] as string
  for (let i = 0; i < scope.params.length; i++) {
    const value = params?.[scope.params[i] as string]
    if (typeof value !== 'string' || !SCOPE_TOKEN.test(value)) return null
    out += value + (scope.parts[i + 1] as string)
  }
  return out
}

/**
 * Compiles a route's required scopes (all of them are required) once, at route definition.
 * Throws a `TypeError` for a scope that is not a valid scope token or template.
 *
 * @example
 * ```ts
 * import { compileScopes, type AccessTokenClaims } from '@latch/resource-server'
 *
 * declare const claims: AccessTokenClaims // a verified token's claims
 * const required = compileScopes(['read:data', 'read:organization:{orgId}'])
 * required.check(claims.scope, { orgId: 'acme' }) // throws InsufficientScopeError if one is missing
 * ```
 */
export function compileScopes(scopes: readonly string[]): ScopeRequirement {
  if (!Array.isArray(scopes)) throw new TypeError('scopes: expected an array of scope strings')
  const compiled = scopes.map(compileOne)
  const names = [...new Set(compiled.flatMap((c) => c.params))]
  const staticChallenge = names.length === 0 ? scopes.join(' ') : null
  // Built only on failure: the challenge names each resolved scope, or its template when the
  // parameter value was refused (a refused value never reaches a header).
  const challenge = (params?: RouteParams) => staticChallenge ?? compiled.map((c) => resolve(c, params) ?? c.template).join(' ')
  const insufficient = (params: RouteParams | undefined) => new InsufficientScopeError('the access token does not have the scope this request requires', challenge(params))
  return Object.freeze({
    scopes: Object.freeze([...scopes]),
    params: Object.freeze(names),
    challenge,
    check(granted: string | undefined, params?: RouteParams): void {
      for (let i = 0; i < compiled.length; i++) {
        const wanted = resolve(compiled[i] as CompiledScope, params)
        if (wanted === null || typeof granted !== 'string' || !hasScope(granted, wanted)) throw insufficient(params)
      }
    },
  })
}
