/**
 * Issue 14: reading an admin API query string strictly: only the parameters an operation
 * declares (a typo such as `client=` is `invalid_request`, not a silently wider answer), each
 * given once unless it is repeatable, never empty. Every refusal names the parameter.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
 */
import type { FastifyRequest } from 'fastify'
import { InvalidRequestError, NotFoundError } from '../../errors.js'

/** The query as Fastify parses it: a value, or an array for a repeated name. */
type RawQuery = Readonly<Record<string, string | string[] | undefined>>

/** Longest value of any one parameter: anything longer is no id, email or time. */
const MAX_VALUE = 1024

export class AdminQuery {
  readonly #raw: RawQuery
  constructor(raw: unknown, allowed: readonly string[]) {
    this.#raw = (raw ?? {}) as RawQuery
    for (const name of Object.keys(this.#raw)) {
      if (!allowed.includes(name)) throw new InvalidRequestError(`${name.slice(0, 64)}: unknown parameter (this operation takes ${allowed.join(', ')})`)
    }
  }

  /** The one value of `name`, or undefined when absent. */
  single(name: string): string | undefined {
    const value = this.#raw[name]
    if (value === undefined) return undefined
    if (Array.isArray(value)) throw new InvalidRequestError(`${name}: must be given once`)
    if (value === '') throw new InvalidRequestError(`${name}: must not be empty`)
    if (value.length > MAX_VALUE) throw new InvalidRequestError(`${name}: is too long`)
    // PostgreSQL refuses U+0000 in a text parameter: no value holds one.
    if (value.includes('\u0000')) throw new InvalidRequestError(`${name}: must not contain U+0000`)
    return value
  }

  /** Every value of a repeatable `name`, each also split on commas (`type=a,b&type=c`), at most `max`. */
  list(name: string, max: number): string[] | undefined {
    const value = this.#raw[name]
    if (value === undefined) return undefined
    const values = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim())
    if (values.some((v) => v === '' || v.length > MAX_VALUE || v.includes('\u0000'))) throw new InvalidRequestError(`${name}: has an empty or overlong value`)
    const unique = [...new Set(values)]
    if (unique.length > max) throw new InvalidRequestError(`${name}: at most ${max} values`)
    return unique
  }
}

/** A path id: anything no id can be (empty, overlong, U+0000, which PostgreSQL refuses as a parameter) names nothing: 404 before any read. */
export function pathId(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, string | undefined>)[name] ?? ''
  if (value === '' || value.length > 255 || value.includes('\u0000')) throw new NotFoundError(`no such ${name.replace('_', ' ')}`)
  return value
}
