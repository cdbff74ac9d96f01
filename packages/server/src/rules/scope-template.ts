/**
 * Scope templates (issue 10): a configured scope whose name holds parameters, such as
 * `read:organization:{org_id}`, stands for every instance (`read:organization:acme`) that a
 * decision above grants per user (organizations/dynamic-scopes.ts). Here only the pure part:
 * parsing a template, recognising an instance, and the syntax a parameter value must have.
 *
 * Two matches, on purpose:
 * - `exact`: each parameter is `[A-Za-z0-9._-]{1,64}` — no `*`, no `:`, no `%`, no `/`: a value
 *   can never smuggle a wildcard or a second path segment into what an API compares;
 * - `shape`: each parameter is any run of non-space. A request that has the template's shape but
 *   not a valid value (`read:organization:*`, `read:organization:acme%2Fx`) is "template-shaped":
 *   never granted, dropped from the response's scope (RFC 6749 §3.3) and named on the consent page.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */

/** `{name}` in a template: lower-case letters, digits and `_`, starting with a letter or `_`. */
const PARAMETER = /\{([a-z_][a-z0-9_]*)\}/g
/** What a parameter value may be. */
export const PARAMETER_VALUE = /^[A-Za-z0-9._-]{1,64}$/
/** At most this many parameters per template: bounded matching work per requested scope. */
export const MAX_TEMPLATE_PARAMETERS = 4

export interface ScopeTemplate {
  /** As configured, e.g. `read:organization:{org_id}`. */
  readonly name: string
  /** Parameter names in order of appearance. */
  readonly parameters: readonly string[]
  readonly exact: RegExp
  readonly shape: RegExp
}

const escape = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function isTemplate(name: string): boolean {
  return name.includes('{')
}

/** Why `name` is not a usable template, or null. Checked at boot (config/load.ts). */
export function templateProblem(name: string): string | null {
  const parameters = [...name.matchAll(PARAMETER)].map((m) => m[1] as string)
  if (parameters.length === 0) return 'has a "{" but no {parameter} (lower-case letters, digits and _)'
  if (name.replace(PARAMETER, '').match(/[{}]/)) return 'has an unmatched or malformed brace: parameters are written {name}'
  if (parameters.length > MAX_TEMPLATE_PARAMETERS) return `has more than ${MAX_TEMPLATE_PARAMETERS} parameters`
  if (new Set(parameters).size !== parameters.length) return 'names a parameter twice'
  if (/\}\{/.test(name)) return 'has two parameters with nothing between them: an instance could not be read back unambiguously'
  return null
}

/** The template of a configured scope name (which `templateProblem` accepted). */
export function parseTemplate(name: string): ScopeTemplate {
  const parameters: string[] = []
  let exact = '^'
  let shape = '^'
  let last = 0
  for (const m of name.matchAll(PARAMETER)) {
    const literal = escape(name.slice(last, m.index))
    exact += `${literal}([A-Za-z0-9._-]{1,64})`
    shape += `${literal}(\\S+?)`
    parameters.push(m[1] as string)
    last = m.index + m[0].length
  }
  const tail = escape(name.slice(last))
  return { name, parameters, exact: new RegExp(`${exact}${tail}$`), shape: new RegExp(`${shape}${tail}$`) }
}

export type TemplateMatch =
  | { template: ScopeTemplate; values: Readonly<Record<string, string>> }
  /** Has a template's shape but a value outside `PARAMETER_VALUE`: never granted. */
  | { template: ScopeTemplate; values: null }

/** The template `scope` is an instance of (exact first), or null when it has no template's shape. */
export function matchTemplate(scope: string, templates: readonly ScopeTemplate[]): TemplateMatch | null {
  let shaped: ScopeTemplate | null = null
  for (const template of templates) {
    const m = template.exact.exec(scope)
    if (m) return { template, values: Object.fromEntries(template.parameters.map((p, i) => [p, m[i + 1] as string])) }
    if (shaped === null && template.shape.test(scope)) shaped = template
  }
  return shaped === null ? null : { template: shaped, values: null }
}

/** `read:organization:{org_id}` with `{ org_id: 'acme' }` → `read:organization:acme`. */
export function instantiate(template: ScopeTemplate | string, values: Readonly<Record<string, string>>): string {
  const name = typeof template === 'string' ? template : template.name
  return name.replace(PARAMETER, (whole, p: string) => values[p] ?? whole)
}
