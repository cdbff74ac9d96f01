/**
 * How flag values become lists and key/value pairs, shared by the commands: `--roles a,b`,
 * repeatable flags (`--resource u1 --resource u2`), and `--claim key=value`, whose value is JSON
 * when it parses as JSON (`--claim level=3`, `--claim 'projects=["p1","p2"]'`) and the string
 * otherwise (`--claim department=research`).
 */
import { UsageError } from './errors.js'

/** Longest custom attribute name (`users[].claims` keys in the config file). */
const MAX_CLAIM_KEY = 64

/** A repeatable flag: each use adds one value. */
export function repeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** `a,b` and repeated flags both build one list; `--roles ''` is the empty list. */
export function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)]
}

/** `key=value` → [key, JSON value or the string]. */
export function claimPair(flag: string, pair: string): [string, unknown] {
  const eq = pair.indexOf('=')
  if (eq <= 0) throw new UsageError(`${flag} ${JSON.stringify(pair)} must be key=value`)
  const key = pair.slice(0, eq)
  // The config file's rule for `users[].claims` keys, said in terms of the flag.
  if (key.length > MAX_CLAIM_KEY) throw new UsageError(`${flag} key ${JSON.stringify(key)} is longer than ${MAX_CLAIM_KEY} characters`)
  const raw = pair.slice(eq + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {
    // Not JSON: the string as typed.
  }
  return [key, value]
}

/** Repeated `--claim key=value` flags as one object; a key given twice is a usage error. */
export function claimPairs(flag: string, pairs: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (pairs === undefined) return undefined
  const out: Record<string, unknown> = {}
  for (const pair of pairs) {
    const [key, value] = claimPair(flag, pair)
    if (Object.hasOwn(out, key)) throw new UsageError(`${flag} ${key} is given twice`)
    // defineProperty: a key such as __proto__ is an attribute like any other, never the prototype.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}
