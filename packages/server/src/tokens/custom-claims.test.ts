/**
 * Custom claims without HTTP: the declarative mappings, the hook's place after them, and the
 * rules neither may break (protocol claims, scope-released standard claims, JSON data, the size
 * bound, the hook's time bound and failures). The end-to-end side is test/flows/custom-claims.test.ts.
 */
import { describe, expect, it } from 'vitest'
import type { ResolvedClient } from '../config/schema.js'
import { ServerError } from '../errors.js'
import { NO_HOOKS, type ClaimsHookInput, type LatchHooks } from '../hooks/hooks.js'
import { PROTOCOL_CLAIMS } from '../rules/protocol-claims.js'
import type { UserRecord } from '../storage/store.js'
import { CustomClaims, MAX_CUSTOM_CLAIMS_BYTES, type CustomClaimsInput } from './custom-claims.js'

const alice: UserRecord = {
  id: 'user-1',
  email: 'alice@example.com',
  email_verified: true,
  password_hash: '$argon2id$v=19$m=65536,t=3,p=4$secret-hash',
  claims: { name: 'Alice Example', locale: 'en-GB', nickname: '' },
  roles: ['staff', 'editor'],
  attributes: { department: 'research', projects: ['p1', 'p2'], level: 3 },
  created_at: 1_600_000_000,
  updated_at: 1_650_000_000,
}

const client = {
  client_id: 'web',
  client_name: 'Web',
  client_secret_hash: 'secret-hash-of-the-client',
  grant_types: ['authorization_code'],
} as unknown as ResolvedClient

const input = (over: Partial<CustomClaimsInput> = {}): CustomClaimsInput => ({ user: alice, client, scope: ['openid'], organization: null, ...over })

interface Logged {
  level: 'warn' | 'error'
  fields: Record<string, unknown>
  message: string
}

function claimsWith(mappings: { claim: string; from: string; tokens?: ('access_token' | 'id_token' | 'userinfo')[] }[], hooks: LatchHooks = NO_HOOKS, extra: { timeoutMs?: number; maxBytes?: number } = {}) {
  const logged: Logged[] = []
  const log = {
    warn: (fields: Record<string, unknown>, message: string) => logged.push({ level: 'warn', fields, message }),
    error: (fields: Record<string, unknown>, message: string) => logged.push({ level: 'error', fields, message }),
  }
  const custom = new CustomClaims({ mappings, hooks, hooksPath: '/srv/latch.hooks.mjs', log: log as never, tenant: { id: 'acme', issuer: 'https://login.acme.example' }, ...extra })
  return { custom, logged }
}

async function serverError(promise: Promise<unknown>): Promise<ServerError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof ServerError) return err
    throw err
  }
  throw new Error('expected a ServerError')
}

describe('custom claims: configuration', () => {
  it('is inactive without mappings or a claims hook (callers skip it), active with either', () => {
    expect(claimsWith([]).custom.active).toBe(false)
    expect(claimsWith([], { scopeParameter: () => true }).custom.active).toBe(false)
    expect(claimsWith([{ claim: 'roles', from: 'roles' }]).custom.active).toBe(true)
    expect(claimsWith([], { claims: () => ({}) }).custom.active).toBe(true)
  })
})

describe('custom claims: declarative mappings', () => {
  it('maps roles, attributes.<name>, email, email_verified and a standard claim, to every token by default', async () => {
    const { custom } = claimsWith([
      { claim: 'roles', from: 'roles' },
      { claim: 'department', from: 'attributes.department' },
      { claim: 'projects', from: 'attributes.projects' },
      { claim: 'work_email', from: 'email' },
      { claim: 'work_email_ok', from: 'email_verified' },
      { claim: 'display_name', from: 'name' },
    ])
    const expected = { roles: ['staff', 'editor'], department: 'research', projects: ['p1', 'p2'], work_email: 'alice@example.com', work_email_ok: true, display_name: 'Alice Example' }
    for (const token of ['access_token', 'id_token', 'userinfo'] as const) expect(await custom.claims(token, input())).toEqual(expected)
  })

  it('goes only into the tokens a mapping names', async () => {
    const { custom } = claimsWith([{ claim: 'department', from: 'attributes.department', tokens: ['id_token'] }])
    expect(await custom.claims('access_token', input())).toBeUndefined()
    expect(await custom.claims('userinfo', input())).toBeUndefined()
    expect(await custom.claims('id_token', input())).toEqual({ department: 'research' })
  })

  it('OIDC Core §5.3.2: a value the user does not have is omitted, never null or ""', async () => {
    const { custom } = claimsWith([
      { claim: 'cost_center', from: 'attributes.cost_center' },
      { claim: 'nick', from: 'nickname' },
      { claim: 'phone', from: 'phone_number' },
    ])
    expect(await custom.claims('access_token', input())).toBeUndefined()
  })

  it('a client-credentials token (no user) gets nothing from mappings', async () => {
    const { custom } = claimsWith([{ claim: 'roles', from: 'roles' }])
    expect(await custom.claims('access_token', input({ user: null }))).toBeUndefined()
  })

  it('an attribute named like an Object.prototype member is not read from the prototype', async () => {
    const { custom } = claimsWith([{ claim: 'c', from: 'attributes.constructor' }, { claim: 't', from: 'attributes.toString' }])
    expect(await custom.claims('access_token', input())).toBeUndefined()
  })
})

describe('custom claims: the hook', () => {
  it('is called with the token, copies of the user and client without hashes, the scope and the organization', async () => {
    const seen: ClaimsHookInput[] = []
    const { custom } = claimsWith([], {
      claims(hookInput) {
        seen.push(hookInput)
        return { tenant: hookInput.organization?.id ?? null }
      },
    })
    const organization = { id: 'acme', roles: ['admin'] }
    expect(await custom.claims('access_token', input({ scope: ['openid', 'read:data'], organization }))).toEqual({ tenant: 'acme' })
    const [call] = seen
    // Issue 11: one hooks module serves every tenant; the input says which.
    expect(call?.tenant).toEqual({ id: 'acme', issuer: 'https://login.acme.example' })
    expect(call?.token).toBe('access_token')
    expect(call?.scope).toEqual(['openid', 'read:data'])
    expect(call?.organization).toEqual(organization)
    expect(call?.user?.id).toBe('user-1')
    expect(call?.user?.attributes).toEqual(alice.attributes)
    expect(call?.client.client_id).toBe('web')
    expect(JSON.stringify(call)).not.toContain('secret-hash')
    expect(call?.user).not.toHaveProperty('password_hash')
    expect(call?.client).not.toHaveProperty('client_secret_hash')
  })

  it('cannot change the records the token is issued from (it gets frozen copies)', async () => {
    const { custom } = claimsWith([], {
      claims({ user }) {
        try {
          ;(user as { id: string }).id = 'someone-else'
          ;(user?.roles as string[]).push('admin')
        } catch {
          // strict-mode modules throw on a frozen object; either way nothing changes
        }
        return { ok: true }
      },
    })
    const user = structuredClone(alice)
    await custom.claims('access_token', input({ user }))
    expect(user.id).toBe('user-1')
    expect(user.roles).toEqual(['staff', 'editor'])
  })

  it('client credentials: user is null', async () => {
    let user: unknown = 'unset'
    const { custom } = claimsWith([], { claims: (i) => ((user = i.user), { svc: true }) })
    expect(await custom.claims('access_token', input({ user: null }))).toEqual({ svc: true })
    expect(user).toBeNull()
  })

  it('wins over a declarative mapping of the same name; an async hook works like a sync one', async () => {
    const { custom } = claimsWith([{ claim: 'department', from: 'attributes.department' }, { claim: 'roles', from: 'roles' }], {
      claims: async () => ({ department: 'hooked' }),
    })
    expect(await custom.claims('access_token', input())).toEqual({ department: 'hooked', roles: ['staff', 'editor'] })
  })

  it('null or undefined means no claims; an undefined member is no claim', async () => {
    for (const answer of [null, undefined, {}, { a: undefined }]) {
      const { custom } = claimsWith([], { claims: () => answer as never })
      expect(await custom.claims('access_token', input())).toBeUndefined()
    }
  })
})

describe('custom claims: what may never be set', () => {
  it('issue 10: every protocol claim a hook names is dropped and logged once per name, without its value', async () => {
    const forged = Object.fromEntries([...PROTOCOL_CLAIMS].map((name) => [name, `forged-${name}`]))
    const { custom, logged } = claimsWith([], { claims: () => ({ ...forged, department: 'ok' }) })
    for (let i = 0; i < 3; i++) expect(await custom.claims('access_token', input())).toEqual({ department: 'ok' })
    const warned = logged.filter((l) => l.level === 'warn').map((l) => l.fields.claim)
    expect(warned.sort()).toEqual([...PROTOCOL_CLAIMS].sort())
    expect(JSON.stringify(logged)).not.toContain('forged-')
  })

  it('a hook cannot set __proto__ (the token payload keeps its prototype)', async () => {
    const { custom } = claimsWith([], { claims: () => JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown> })
    const out = await custom.claims('access_token', input())
    expect(out).toEqual({ ok: 1 })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
  })

  it('OIDC Core §5.4: in the ID token and UserInfo, the standard claims the scope releases are the user record\'s', async () => {
    const { custom, logged } = claimsWith([{ claim: 'name', from: 'attributes.department' }], { claims: () => ({ email: 'mallory@example.com', locale: 'fr-FR', team: 'x' }) })
    const scope = ['openid', 'email']
    // email is released by scope `email`: dropped; locale is not (no `profile`): a custom claim may carry it; so may name.
    for (const token of ['id_token', 'userinfo'] as const) {
      expect(await custom.claims(token, input({ scope }))).toEqual({ name: 'research', locale: 'fr-FR', team: 'x' })
    }
    expect(await custom.claims('id_token', input({ scope: ['openid', 'profile'] }))).toEqual({ email: 'mallory@example.com', team: 'x' })
    // An access token releases no standard claims by scope: nothing to shadow there.
    expect(await custom.claims('access_token', input({ scope }))).toEqual({ name: 'research', email: 'mallory@example.com', locale: 'fr-FR', team: 'x' })
    expect(logged.some((l) => l.fields.claim === 'email' && l.level === 'warn')).toBe(true)
    expect(JSON.stringify(logged)).not.toContain('mallory')
  })

  it('only JSON data: functions, symbols, bigints, non-finite numbers and class instances drop the claim', async () => {
    const { custom, logged } = claimsWith([], {
      claims: () => ({
        fn: () => 1,
        sym: Symbol('x'),
        big: 10n,
        nan: Number.NaN,
        inf: Number.POSITIVE_INFINITY,
        date: new Date(0),
        map: new Map(),
        nested: { ok: 1, bad: () => 2 },
        list: [1, undefined],
        deep: { a: [1, { b: null, c: 'x', d: undefined }], e: true },
        kept: 'yes',
      }),
    })
    expect(await custom.claims('access_token', input())).toEqual({ deep: { a: [1, { b: null, c: 'x' }], e: true }, kept: 'yes' })
    expect(logged.filter((l) => l.level === 'warn').map((l) => l.fields.claim).sort()).toEqual(['big', 'date', 'fn', 'inf', 'list', 'map', 'nan', 'nested', 'sym'])
  })

  it('a cyclic value is not JSON data (dropped, not a crash)', async () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const { custom } = claimsWith([], { claims: () => ({ cyclic, ok: true }) })
    expect(await custom.claims('access_token', input())).toEqual({ ok: true })
  })

  it(`more than ${MAX_CUSTOM_CLAIMS_BYTES} bytes of custom claims is server_error, logged with the size, never the values`, async () => {
    const { custom, logged } = claimsWith([], { claims: () => ({ blob: 'é'.repeat(MAX_CUSTOM_CLAIMS_BYTES / 2) }) })
    const err = await serverError(custom.claims('access_token', input()))
    expect(err.code).toBe('server_error')
    expect(err.description).not.toContain('é')
    const line = logged.find((l) => l.level === 'error')
    expect(line?.fields).toMatchObject({ token: 'access_token', max: MAX_CUSTOM_CLAIMS_BYTES, claims: ['blob'] })
    expect(line?.fields.bytes).toBeGreaterThan(MAX_CUSTOM_CLAIMS_BYTES)
    expect(JSON.stringify(logged)).not.toContain('éé')
    // Just under the bound passes (UTF-8 bytes are what is counted).
    const { custom: under } = claimsWith([], { claims: () => ({ blob: 'a'.repeat(MAX_CUSTOM_CLAIMS_BYTES - 20) }) })
    expect(await under.claims('access_token', input())).toBeDefined()
  })
})

describe('custom claims: a hook that fails', () => {
  it('a throwing hook (sync or async) is server_error, logged naming the hook and module; the description is generic', async () => {
    for (const claims of [
      () => {
        throw new Error('db password=hunter2 refused')
      },
      async () => Promise.reject(new Error('db password=hunter2 refused')),
    ]) {
      const { custom, logged } = claimsWith([], { claims })
      const err = await serverError(custom.claims('id_token', input()))
      expect(err.description).toBe('the token could not be issued')
      expect(err.toJSON().error_description).not.toContain('hunter2')
      expect(logged[0]).toMatchObject({ level: 'error', fields: { hook: 'claims', module: '/srv/latch.hooks.mjs', token: 'id_token' } })
    }
  })

  it('a hook that does not answer within the bound is server_error once the bound passes', async () => {
    const { custom, logged } = claimsWith([], { claims: () => new Promise(() => {}) }, { timeoutMs: 50 })
    const started = Date.now()
    const err = await serverError(custom.claims('access_token', input()))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(err.detail).toContain('timed out')
    expect(logged[0]).toMatchObject({ level: 'error', fields: { hook: 'claims', timeout_ms: 50 } })
  })

  it('an answer whose reading throws (a getter, a proxy) is the hook failing: server_error, logged', async () => {
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('trap') } })
    const getter = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('getter') } })
    for (const answer of [trap, getter]) {
      const { custom, logged } = claimsWith([], { claims: () => answer as Record<string, unknown> })
      const err = await serverError(custom.claims('access_token', input()))
      expect(err.description).toBe('the token could not be issued')
      expect(logged[0]).toMatchObject({ level: 'error', message: 'the claims hook returned a value that cannot be read', fields: { hook: 'claims' } })
    }
  })

  it('an answer that is neither an object nor null is server_error', async () => {
    for (const answer of ['x', 1, true, ['a']]) {
      const { custom } = claimsWith([], { claims: () => answer as never })
      await serverError(custom.claims('access_token', input()))
    }
  })

  it('forTokenSet computes the ID token claims only when an ID token is issued', async () => {
    const tokens: string[] = []
    const { custom } = claimsWith([], { claims: ({ token }) => (tokens.push(token), { t: token }) })
    expect(await custom.forTokenSet(input(), false)).toEqual({ access_token: { t: 'access_token' } })
    expect(await custom.forTokenSet(input(), true)).toEqual({ access_token: { t: 'access_token' }, id_token: { t: 'id_token' } })
    expect(tokens).toEqual(['access_token', 'access_token', 'id_token'])
  })
})
