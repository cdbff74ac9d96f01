/**
 * The registries are single lists checked by the compiler (issue 9): the config schema's
 * grant-type and auth-method names, the `GRANTS` table and the `CLIENT_AUTH_METHODS` table all
 * come from rules/registry-names.ts. The type-level checks fail `npm run typecheck` when a name
 * is on one side only; the runtime checks fail the suite the same way, and also catch a handler
 * filed under the wrong key.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { CLIENT_AUTH_METHODS } from '../client-auth/authenticate.js'
import { ClientSchema, GRANT_TYPE_NAMES as SCHEMA_GRANT_TYPE_NAMES, AUTH_METHOD_NAMES as SCHEMA_AUTH_METHOD_NAMES } from '../config/schema.js'
import { GRANTS, grantFor } from '../grants/table.js'
import { AUTH_METHOD_NAMES, GRANT_TYPE_NAMES, type ClientAuthMethodName, type GrantType } from './registry-names.js'

/** The `const` values of a TypeBox union of literals (what the config loader accepts). */
function literals(schema: unknown): unknown[] {
  return (schema as { anyOf: { const: unknown }[] }).anyOf.map((s) => s.const)
}

describe('registry names', () => {
  it('RFC 6749 §5.1 grant_type: GRANTS has exactly one handler per GRANT_TYPE_NAMES entry, under its own name, in that order (discovery\'s)', () => {
    expectTypeOf<keyof typeof GRANTS>().toEqualTypeOf<GrantType>()
    expect(Object.keys(GRANTS)).toEqual([...GRANT_TYPE_NAMES])
    for (const [name, handler] of Object.entries(GRANTS)) expect(handler.grantType, name).toBe(name)
    expect(grantFor('password')).toBe(GRANTS.password)
    for (const name of ['__proto__', 'constructor', 'toString', 'implicit']) expect(grantFor(name), name).toBeUndefined()
  })

  it('RFC 7591 §2 token_endpoint_auth_method: CLIENT_AUTH_METHODS has exactly one method per AUTH_METHOD_NAMES entry', () => {
    expectTypeOf<(typeof CLIENT_AUTH_METHODS)[number]['name']>().toEqualTypeOf<ClientAuthMethodName>()
    const names = CLIENT_AUTH_METHODS.map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    expect([...names].sort()).toEqual([...AUTH_METHOD_NAMES].sort())
    // Matched most specific first: `none` (only a client_id) is tried last.
    expect(names.at(-1)).toBe('none')
  })

  it('the config schema accepts exactly these names in client metadata (and re-exports the same lists)', () => {
    expect(SCHEMA_GRANT_TYPE_NAMES).toBe(GRANT_TYPE_NAMES)
    expect(SCHEMA_AUTH_METHOD_NAMES).toBe(AUTH_METHOD_NAMES)
    expect(literals(ClientSchema.properties.grant_types.items)).toEqual([...GRANT_TYPE_NAMES])
    expect(literals(ClientSchema.properties.token_endpoint_auth_method)).toEqual([...AUTH_METHOD_NAMES])
  })
})
