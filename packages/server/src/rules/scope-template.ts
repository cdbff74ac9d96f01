/**
 * Scope templates (issue 10): a configured scope whose name holds parameters, such as
 * `read:organization:{org_id}`, stands for every instance (`read:organization:acme`) that a
 * decision above grants per user (organizations/dynamic-scopes.ts). Here only the pure part:
 * parsing a template, recognising an instance, and the syntax a parameter value must have.
 *
 * Two matches, on purpose:
 * - exact: each parameter is `[A-Za-z0-9._-]{1,64}` — no `*`, no `:`, no `%`, no `/`: a value
 *   can never smuggle a wildcard or a second path segment into what an API compares;
 * - shape: each parameter is any non-empty run. A request that has the template's shape but not a
 *   valid value (`read:organization:*`, `read:organization:acme%2Fx`) is "template-shaped": never
 *   granted, dropped from the response's scope (RFC 6749 §3.3) and named on the consent page.
 * Both are one left-to-right scan of the scope value (`split`): the literal parts are found with
 * `indexOf`, each as early as a non-empty parameter before it allows, so matching costs linear
 * time in the value's length. (Nested lazy groups in a regular expression backtrack polynomially
 * on a near miss: a few kilobytes of `:` in an anonymous /authorize took seconds.)
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
  /** The literal text around the parameters: one more than there are parameters. */
  readonly literals: readonly string[]
}

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
  const literals: string[] = []
  let last = 0
  for (const m of name.matchAll(PARAMETER)) {
    literals.push(name.slice(last, m.index))
    parameters.push(m[1] as string)
    last = m.index + m[0].length
  }
  literals.push(name.slice(last))
  return { name, parameters, literals }
}

/** The parameter values of `scope` read against `template` (each non-empty), or null when it lacks the shape. Linear. */
function split(template: ScopeTemplate, scope: string): string[] | null {
  const { literals } = template
  const first = literals[0] as string
  const tail = literals[literals.length - 1] as string
  if (!scope.startsWith(first) || !scope.endsWith(tail)) return null
  const end = scope.length - tail.length
  const values: string[] = []
  let at = first.length
  for (let i = 1; i < literals.length - 1; i++) {
    const literal = literals[i] as string
    // The parameter before this literal is non-empty: look from one past where it starts.
    const found = scope.indexOf(literal, at + 1)
    if (found === -1 || found + literal.length > end) return null
    values.push(scope.slice(at, found))
    at = found + literal.length
  }
  if (end <= at) return null
  values.push(scope.slice(at, end))
  return values
}

export type TemplateMatch =
  | { template: ScopeTemplate; values: Readonly<Record<string, string>> }
  /** Has a template's shape but a value outside `PARAMETER_VALUE`: never granted. */
  | { template: ScopeTemplate; values: null }

/** The template `scope` is an instance of (exact first), or null when it has no template's shape. */
export function matchTemplate(scope: string, templates: readonly ScopeTemplate[]): TemplateMatch | null {
  let shaped: ScopeTemplate | null = null
  for (const template of templates) {
    const values = split(template, scope)
    if (values === null) continue
    if (values.every((v) => PARAMETER_VALUE.test(v))) return { template, values: Object.fromEntries(template.parameters.map((p, i) => [p, values[i] as string])) }
    shaped ??= template
  }
  return shaped === null ? null : { template: shaped, values: null }
}

/** `read:organization:{org_id}` with `{ org_id: 'acme' }` → `read:organization:acme`. */
export function instantiate(template: ScopeTemplate | string, values: Readonly<Record<string, string>>): string {
  const name = typeof template === 'string' ? template : template.name
  return name.replace(PARAMETER, (whole, p: string) => values[p] ?? whole)
}
