/**
 * Issue 14: reading an admin API request body strictly, as `AdminQuery` reads a query string: a
 * JSON object with only the fields the operation declares (a typo such as `domain` is
 * `invalid_request` naming it, not a silently ignored field), each of the type it must have. The
 * body's size is bounded by Fastify's `bodyLimit` (`security.body_limit`) before it is parsed. Deeper
 * rules (an id's pattern, a URL, a role's characters) are the config loader's, through the
 * management services, so the API accepts what the config file and the CLI accept.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import { InvalidRequestError } from '../../errors.js'

/** `application/json`, or a JSON type with a suffix such as RFC 7396's `application/merge-patch+json` (RFC 6839 §3.1). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

export class JsonBody {
  /**
   * The request's body: JSON only (the form parser the OAuth endpoints need would otherwise hand a
   * form in, its values all strings); no body is `{}`, for operations whose body is optional.
   */
  static of(request: { readonly headers: { readonly 'content-type'?: string | undefined }; readonly body: unknown }, allowed: readonly string[], refused: Readonly<Record<string, string>> = {}): JsonBody {
    if (request.body !== undefined && request.body !== null && !JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) throw new InvalidRequestError('the body must be application/json')
    return new JsonBody(request.body ?? {}, allowed, refused)
  }

  readonly #body: Record<string, unknown>
  constructor(body: unknown, allowed: readonly string[], refused: Readonly<Record<string, string>> = {}) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('the body must be a JSON object (Content-Type: application/json)')
    this.#body = body as Record<string, unknown>
    for (const name of Object.keys(this.#body)) {
      if (name in refused) throw new InvalidRequestError(`${name.slice(0, 64)}: ${refused[name]}`)
      if (!allowed.includes(name)) throw new InvalidRequestError(`${name.slice(0, 64)}: unknown field (this operation takes ${allowed.join(', ')})`)
    }
  }

  has(name: string): boolean {
    return this.#body[name] !== undefined
  }

  /** The fields given, as they are (for the loader to judge). */
  get fields(): Record<string, unknown> {
    return { ...this.#body }
  }

  string(name: string, options: { required: true }): string
  string(name: string, options?: { required?: false }): string | undefined
  string(name: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.#body[name]
    if (value === undefined) {
      if (options.required) throw new InvalidRequestError(`${name}: is required`)
      return undefined
    }
    if (typeof value !== 'string') throw new InvalidRequestError(`${name}: must be a string`)
    return value
  }

  /** A string, or null when given as null (an explicit removal). */
  stringOrNull(name: string): string | null | undefined {
    const value = this.#body[name]
    if (value === undefined || value === null) return value as undefined | null
    if (typeof value !== 'string') throw new InvalidRequestError(`${name}: must be a string or null`)
    return value
  }

  boolean(name: string): boolean | undefined {
    const value = this.#body[name]
    if (value === undefined) return undefined
    if (typeof value !== 'boolean') throw new InvalidRequestError(`${name}: must be true or false`)
    return value
  }

  /** An array of strings, duplicates dropped (in their first order). */
  strings(name: string, options: { required?: boolean } = {}): string[] | undefined {
    const value = this.#body[name]
    if (value === undefined) {
      if (options.required) throw new InvalidRequestError(`${name}: is required`)
      return undefined
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new InvalidRequestError(`${name}: must be an array of strings`)
    return [...new Set(value as string[])]
  }

  /** A JSON object, or null when `nullable` (an explicit removal). */
  object(name: string, options: { nullable?: boolean } = {}): Record<string, unknown> | null | undefined {
    const value = this.#body[name]
    if (value === undefined) return undefined
    if (value === null && options.nullable) return null
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidRequestError(`${name}: must be an object${options.nullable ? ' or null' : ''}`)
    return value as Record<string, unknown>
  }
}
