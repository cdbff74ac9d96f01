/**
 * Issue 14: a `Store` whose every operation is a span `store.<section>.<method>` (or
 * `store.<method>` for the deployment-wide ones: `sweep`, `ping`…) with `db.system`, a child of
 * the active span. Built over the store's own shape, so a section or method added to `Store` is
 * traced without a change here. Only `createServer` applies it, and only with `tracing.enabled`:
 * off, the store is the plain one and nothing here runs.
 *
 * Only names are recorded, never arguments or results (they hold hashes, emails, records).
 * @see https://opentelemetry.io/docs/specs/semconv/database/database-spans/
 */
import { SpanKind } from '@opentelemetry/api'
import { withSpan } from '../lib/tracing.js'
import type { Store } from './store.js'

/** `db.system` of a database URL's scheme (the semantic conventions' names). */
export function dbSystemOf(databaseUrl: string): string {
  return databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgresql'
}

type AnyFn = (...args: unknown[]) => unknown

function tracedMethod(name: string, fn: AnyFn, self: object, attributes: { 'db.system': string }): AnyFn {
  return function traced(...args: unknown[]) {
    return withSpan(name, attributes, () => fn.apply(self, args), SpanKind.CLIENT)
  }
}

/** `store`, traced (see the module comment); its `forTenant` stores are traced too. */
export function tracedStore(store: Store, dbSystem: string): Store {
  const attributes = { 'db.system': dbSystem }
  // Per store: a section's traced methods are built on its first use and kept (a tenant store binds its sections lazily too).
  const sections = new Map<PropertyKey, { raw: object; traced: object }>()
  const methods = new Map<PropertyKey, { raw: AnyFn; traced: AnyFn }>()
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof property !== 'string') return value
      if (property === 'forTenant') {
        return (id: string): Store => {
          const raw = target.forTenant(id)
          // Not cached here (nothing grows): the tenant contexts keep their store, as they keep the plain one.
          return raw === target ? (receiver as Store) : tracedStore(raw, dbSystem)
        }
      }
      if (typeof value === 'function') {
        const known = methods.get(property)
        if (known?.raw === value) return known.traced
        const traced = tracedMethod(`store.${property}`, value as AnyFn, target, attributes)
        methods.set(property, { raw: value as AnyFn, traced })
        return traced
      }
      if (value === null || typeof value !== 'object') return value
      const known = sections.get(property)
      if (known?.raw === value) return known.traced
      const traced: Record<string, unknown> = {}
      for (const [name, member] of Object.entries(value)) {
        traced[name] = typeof member === 'function' ? tracedMethod(`store.${property}.${name}`, member as AnyFn, value, attributes) : member
      }
      sections.set(property, { raw: value, traced })
      return traced
    },
  })
}
