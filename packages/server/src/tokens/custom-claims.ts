/**
 * Custom claims (issue 10): what the operator adds to access tokens, ID tokens and UserInfo
 * responses beyond the protocol, from two sources, applied in this order:
 * 1. the config's declarative `claims` mappings (`{ claim, from, tokens }`), reading the user's
 *    `roles`, `attributes.<name>`, `email`, `email_verified` or a standard claim (OIDC Core §5.1);
 *    a user without the value gets no claim (§5.3.2: omitted, never null);
 * 2. the hooks module's `claims({ token, user, client, scope, organization })`, sync or async,
 *    awaited at most `HOOK_TIMEOUT_MS`; its output wins over a declarative mapping of the same name.
 *
 * What neither may do, whatever they return:
 * - set a protocol claim (`rules/protocol-claims.ts`: `iss sub aud exp … org_id org_roles`): a
 *   token's issuer, subject, audience, lifetime and organization are the provider's alone. Such
 *   output is dropped and logged once per claim name (a warning, never the value);
 * - shadow a standard claim the granted scope releases (OIDC Core §5.4) in an ID token or a
 *   UserInfo response: `email` under scope `email` is the user's verified record, not a hook's;
 * - put anything but JSON data in a token: a claim whose value holds a function, symbol, bigint,
 *   non-finite number or non-plain object is dropped (logged once per name); `undefined` is "no claim";
 * - exceed `MAX_CUSTOM_CLAIMS_BYTES` of serialized custom claims per token (every resource server
 *   parses them on every request, and a header may carry the token): `server_error`, logged.
 * A hook that throws, answers something other than an object or null, or does not answer in time
 * fails the token request with `server_error`; the log names the hook and the module, the client
 * never sees a stack or the hook's message.
 *
 * The hook gets copies of the records (without password or secret hashes), so it can neither leak
 * a hash into a claim by accident nor change the user a token is issued to.
 *
 * `active` is computed once: with neither `claims` nor a hooks `claims` export, callers skip all of
 * this (the client credentials and refresh paths are benchmarked).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AdditionalClaims
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3.1
 */
import type { Logger } from 'pino'
import { CLAIM_TARGETS, OIDC_SCOPE_CLAIMS, type ClaimTarget, type LatchConfig } from '../config/schema.js'
import { ServerError } from '../errors.js'
import { callHook, HookTimeoutError, hookClient, hookUser, type ClaimsHookInput, type HookTenant, type LatchHooks } from '../hooks/hooks.js'
import { isProtocolClaim } from '../rules/protocol-claims.js'
import type { ClientRecord, UserRecord } from '../storage/store.js'
import { claimValue } from './claims.js'

/** How long a token request waits for the claims hook. */
export const HOOK_TIMEOUT_MS = 1000
/** The serialized custom claims of one token, at most (UTF-8 bytes of their JSON object). */
export const MAX_CUSTOM_CLAIMS_BYTES = 8192
/** Nesting deeper than this is not taken as claim data (and stops a cyclic value). */
const MAX_DEPTH = 32
/** Claim names already warned about, at most: the log says each once, and the set stays bounded. */
const MAX_WARNED = 1000

export interface CustomClaimsInput {
  /** Null for client credentials: declarative mappings, which read the user, then add nothing. */
  user: UserRecord | null
  client: ClientRecord
  /** The granted scope values. */
  scope: readonly string[]
  /** The organization the token is for, with the member's roles (client credentials: no roles). */
  organization: { id: string; roles: readonly string[] } | null
}

/** A token set's custom claims; a token without any has no entry. */
export interface TokenSetClaims {
  access_token?: Record<string, unknown>
  id_token?: Record<string, unknown>
}

/** What callers use when custom claims are not configured (`active` false). */
export const NO_CUSTOM_CLAIMS: Readonly<TokenSetClaims> = Object.freeze({})

type ClaimMappingConfig = LatchConfig['claims'][number]

interface Mapping {
  claim: string
  read: (user: UserRecord) => unknown
}

/** Reads `from` (validated by the config loader: roles, attributes.<name>, email, email_verified or a standard claim). */
function reader(from: string): (user: UserRecord) => unknown {
  if (from === 'roles') return (u) => [...u.roles]
  if (from.startsWith('attributes.')) {
    const name = from.slice('attributes.'.length)
    return (u) => (Object.hasOwn(u.attributes, name) ? u.attributes[name] : undefined)
  }
  // email, email_verified, sub, updated_at and the user's standard claims: as released by scope.
  return (u) => {
    const value = claimValue(u, from)
    return value === '' ? undefined : value
  }
}

const NOT_JSON = Symbol('not JSON data')

/** `value` as JSON data (undefined members of objects left out, as JSON does), or NOT_JSON. */
function jsonData(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_JSON
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return NOT_JSON
  if (Array.isArray(value)) {
    const items: unknown[] = []
    for (const item of value) {
      const clean = jsonData(item, depth + 1)
      if (clean === NOT_JSON || clean === undefined) return NOT_JSON
      items.push(clean)
    }
    return items
  }
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return NOT_JSON // Date, Map, class instances…
  const members: [string, unknown][] = []
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined) continue
    const clean = jsonData(member, depth + 1)
    if (clean === NOT_JSON) return NOT_JSON
    members.push([name, clean])
  }
  return Object.fromEntries(members)
}

/** The standard claim names the scope releases (OIDC Core §5.4): the user's record answers them, never a custom claim. */
function releasedByScope(scope: readonly string[]): Set<string> {
  const names = new Set<string>()
  for (const s of scope) {
    const released = Object.hasOwn(OIDC_SCOPE_CLAIMS, s) ? OIDC_SCOPE_CLAIMS[s] : undefined
    if (released !== undefined) for (const name of released) names.add(name)
  }
  return names
}


export class CustomClaims {
  /** False when neither `claims` nor a hooks `claims` export is configured: callers skip everything. */
  readonly active: boolean
  private readonly mappings: Readonly<Record<ClaimTarget, readonly Mapping[]>>
  private readonly hook: LatchHooks['claims']
  private readonly warned = new Set<string>()

  constructor(
    private readonly options: {
      mappings: readonly ClaimMappingConfig[]
      hooks: LatchHooks
      /** The hooks module's path, for the log. */
      hooksPath: string | null
      log: Pick<Logger, 'warn' | 'error'>
      /** Issue 11: the tenant the hook is told it runs for. */
      tenant: HookTenant
      timeoutMs?: number
      maxBytes?: number
    },
  ) {
    const byTarget = Object.fromEntries(CLAIM_TARGETS.map((t) => [t, [] as Mapping[]])) as Record<ClaimTarget, Mapping[]>
    for (const m of options.mappings) {
      for (const target of m.tokens ?? CLAIM_TARGETS) byTarget[target].push({ claim: m.claim, read: reader(m.from) })
    }
    this.mappings = byTarget
    this.hook = options.hooks.claims
    this.active = options.mappings.length > 0 || this.hook !== undefined
  }

  /**
   * A token set's custom claims: the access token's and, with `idToken`, the ID token's. Both are
   * computed before anything is signed or stored, so a failing hook costs no grant or code.
   */
  async forTokenSet(input: CustomClaimsInput, idToken: boolean): Promise<TokenSetClaims> {
    const [access, id] = await Promise.all([this.claims('access_token', input), idToken ? this.claims('id_token', input) : undefined])
    return { ...(access && { access_token: access }), ...(id && { id_token: id }) }
  }

  /** The custom claims of one token, or undefined when there are none. Throws `ServerError` (see the header). */
  async claims(token: ClaimTarget, input: CustomClaimsInput): Promise<Record<string, unknown> | undefined> {
    const out: Record<string, unknown> = {}
    let count = 0
    if (input.user !== null) {
      for (const m of this.mappings[token]) {
        const value = m.read(input.user)
        if (value === undefined || value === null) continue
        out[m.claim] = value
        count++
      }
    }
    if (this.hook !== undefined) {
      const produced = await this.callHook(token, input)
      if (produced !== undefined) count += this.takeHookOutput(token, input, produced, out)
    }
    if (count === 0) return undefined
    if (token !== 'access_token') {
      for (const name of releasedByScope(input.scope)) {
        if (!Object.hasOwn(out, name)) continue
        delete out[name]
        this.warnOnce(name, token, 'custom claim dropped: the granted scope releases this standard claim from the user record')
      }
    }
    const names = Object.keys(out)
    if (names.length === 0) return undefined
    const bytes = Buffer.byteLength(JSON.stringify(out))
    const max = this.options.maxBytes ?? MAX_CUSTOM_CLAIMS_BYTES
    if (bytes > max) {
      this.options.log.error({ token, bytes, max, claims: names, client_id: input.client.client_id }, 'custom claims exceed their size bound')
      throw new ServerError('the token could not be issued', { detail: `custom claims for ${token} are ${bytes} bytes (at most ${max})` })
    }
    return out
  }

  private async callHook(token: ClaimTarget, input: CustomClaimsInput): Promise<Record<string, unknown> | undefined> {
    const hook = this.hook as NonNullable<LatchHooks['claims']>
    const ms = this.options.timeoutMs ?? HOOK_TIMEOUT_MS
    const where = { hook: 'claims', module: this.options.hooksPath, token, client_id: input.client.client_id }
    let result: unknown
    try {
      result = await callHook(() => hook(hookInput(this.options.tenant, token, input)), ms)
    } catch (err) {
      if (err instanceof HookTimeoutError) {
        this.options.log.error({ ...where, timeout_ms: ms }, 'the claims hook did not answer in time')
        throw new ServerError('the token could not be issued', { detail: `claims hook timed out after ${ms} ms` })
      }
      // The stack goes to the log (with the request's error line); the client gets the generic description.
      this.options.log.error({ ...where, reason: err instanceof Error ? err.message : String(err) }, 'the claims hook failed')
      throw new ServerError('the token could not be issued', { detail: 'claims hook threw', cause: err })
    }
    if (result === null || result === undefined) return undefined
    if (typeof result !== 'object' || Array.isArray(result)) {
      this.options.log.error({ ...where, returned: Array.isArray(result) ? 'array' : typeof result }, 'the claims hook returned neither an object nor null')
      throw new ServerError('the token could not be issued', { detail: 'claims hook returned a non-object' })
    }
    return result as Record<string, unknown>
  }

  /**
   * Copies the hook's claims that pass the rules into `out`; returns how many. Reading the answer
   * runs the hook's code too (getters, proxies): a throw there is the hook failing.
   */
  private takeHookOutput(token: ClaimTarget, input: CustomClaimsInput, produced: Record<string, unknown>, out: Record<string, unknown>): number {
    let taken = 0
    try {
      for (const [name, value] of Object.entries(produced)) {
        if (value === undefined) continue
        if (isProtocolClaim(name) || name === '__proto__') {
          this.warnOnce(name, token, 'custom claim dropped: protocol claims are set by the provider only')
          continue
        }
        const clean = jsonData(value)
        if (clean === NOT_JSON) {
          this.warnOnce(name, token, 'custom claim dropped: its value is not JSON data')
          continue
        }
        out[name] = clean
        taken++
      }
    } catch (err) {
      this.options.log.error({ hook: 'claims', module: this.options.hooksPath, token, client_id: input.client.client_id, reason: err instanceof Error ? err.message : String(err) }, 'the claims hook returned a value that cannot be read')
      throw new ServerError('the token could not be issued', { detail: 'claims hook answer unreadable', cause: err })
    }
    return taken
  }

  private warnOnce(name: string, token: ClaimTarget, message: string): void {
    const key = `${message}\u0000${name}`
    if (this.warned.has(key) || this.warned.size >= MAX_WARNED) return
    this.warned.add(key)
    this.options.log.warn({ hook: 'claims', claim: name, token }, message)
  }
}

/** What the hook is called with: copies, frozen, without the password or secret hash. */
function hookInput(tenant: HookTenant, token: ClaimTarget, input: CustomClaimsInput): ClaimsHookInput {
  return Object.freeze({
    tenant,
    token,
    user: hookUser(input.user),
    client: hookClient(input.client),
    scope: Object.freeze([...input.scope]),
    organization: input.organization === null ? null : Object.freeze({ id: input.organization.id, roles: Object.freeze([...input.organization.roles]) }),
  })
}
