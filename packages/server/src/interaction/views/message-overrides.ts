/**
 * Issue 11: a tenant's own words for any text of any page. An override is a plain text for one
 * message key of the English catalogue (`login.title`, `errors.access_denied.sentence`,
 * `consent.heading`), in one language, with `{placeholders}` where the original inserts a value
 * (`PLACEHOLDERS`) and `{product}` for the product's name. The config loader checks overrides
 * with `overrideProblem`; `withOverrides` derives the catalogue a page reads.
 */
import { MESSAGES, PLACEHOLDERS, PRODUCT, type Messages } from './messages.js'

/** Per language (`de`), per message key (`login.title`), the text that replaces the catalogue's. */
export type MessageOverrides = Readonly<Record<string, Readonly<Record<string, string>>>>

const PLACEHOLDER = /\{([A-Za-z_]+)\}/g

/** Every message key of the English catalogue, with the placeholders an override of it must write. */
function leaves(node: unknown, prefix: string, out: Map<string, readonly string[]>): Map<string, readonly string[]> {
  for (const [name, value] of Object.entries(node as Record<string, unknown>)) {
    const key = `${prefix}${name}`
    if (typeof value === 'string') out.set(key, [])
    else if (typeof value === 'function' || Array.isArray(value)) out.set(key, PLACEHOLDERS[key] ?? [])
    else leaves(value, `${key}.`, out)
  }
  return out
}

/** Message key → its placeholders (besides the optional `{product}`). */
export const MESSAGE_KEYS: ReadonlyMap<string, readonly string[]> = leaves(MESSAGES, '', new Map())

/** Why `text` cannot override `key`, or null when it can. */
export function overrideProblem(key: string, text: string): string | null {
  const wanted = MESSAGE_KEYS.get(key)
  if (wanted === undefined) return 'is not a message key of the catalogue (see packages/server/src/interaction/views/messages.ts)'
  if (text.trim() === '') return 'must not be empty'
  const written = [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string)
  const unknown = written.find((p) => p !== 'product' && !wanted.includes(p))
  if (unknown !== undefined) return `writes {${unknown}}, which is not a placeholder of this message${wanted.length > 0 ? ` (it has ${wanted.map((p) => `{${p}}`).join(', ')})` : ' (it has none besides {product})'}`
  const missing = wanted.find((p) => !written.includes(p))
  if (missing !== undefined) return `must write the placeholder {${missing}}, as the original text inserts that value`
  if (key === 'signOut.questionAs' && written.filter((p) => p === 'email').length !== 1) return 'must write {email} exactly once'
  return null
}

function fill(text: string, values: Readonly<Record<string, unknown>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole))
}

/** `node` with the product's name in place of `PRODUCT` in every text. */
function renamed(node: unknown, product: string): unknown {
  if (typeof node === 'string') return node.split(PRODUCT).join(product)
  if (typeof node === 'function') return (...args: unknown[]) => renamed((node as (...a: unknown[]) => unknown)(...args), product)
  if (Array.isArray(node)) return node.map((part) => renamed(part, product))
  return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, renamed(v, product)]))
}

/** The text of an override as the catalogue shapes that key: a string, a function of the placeholders, or the two parts around `{email}`. */
function shaped(key: string, text: string, product: string): unknown {
  const own = fill(text, { product })
  const original = MESSAGE_KEYS.get(key) ?? []
  if (key === 'signOut.questionAs') return own.split('{email}')
  if (typeof lookup(MESSAGES, key) !== 'function') return own
  return (...args: unknown[]) => fill(own, Object.fromEntries(original.map((name, i) => [name, args[i]])))
}

function lookup(node: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], node)
}

/**
 * `base` (one language's catalogue) with the product named `product` and the `overrides` of that
 * language in place. Overrides are checked at config load (`overrideProblem`); a key that is not
 * the catalogue's is ignored here rather than trusted.
 */
export function withOverrides(base: Messages, product: string, overrides: Readonly<Record<string, string>> = {}): Messages {
  const out = (product === PRODUCT ? structuredCopy(base) : renamed(base, product)) as Record<string, unknown>
  for (const [key, text] of Object.entries(overrides)) {
    if (!MESSAGE_KEYS.has(key)) continue
    const parts = key.split('.')
    const last = parts.pop() as string
    const parent = parts.reduce<Record<string, unknown>>((at, part) => at[part] as Record<string, unknown>, out)
    parent[last] = shaped(key, text, product)
  }
  return out as Messages
}

/** A copy of the catalogue's objects (texts and functions shared), so overrides never touch the shipped one. */
function structuredCopy(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, structuredCopy(v)]))
}
