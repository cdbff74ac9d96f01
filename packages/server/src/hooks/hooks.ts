/**
 * The hooks module (config `hooks`, issue 10): code an operator deploys beside the provider to add
 * custom claims to tokens and to decide scope template parameters the config does not declare.
 * Loaded once at start (a module that is missing or exports something else stops the server);
 * called with plain records, never the request. What a hook may not do is decided by its callers:
 * custom claims never override protocol claims (tokens/custom-claims.ts), and a parameter is never
 * granted unless `scopeParameter` answers exactly `true` (organizations/dynamic-scopes.ts).
 */
import { pathToFileURL } from 'node:url'
import { ConfigError } from '../errors.js'
import type { ClientRecord, OrganizationRecord, UserRecord } from '../storage/store.js'

export type ClaimTarget = 'access_token' | 'id_token' | 'userinfo'

/** A user as a hook sees it: a copy, without the password hash. */
export type HookUser = Omit<UserRecord, 'password_hash'>
/** A client as a hook sees it: a copy, without the secret hash. */
export type HookClient = Omit<ClientRecord, 'client_secret_hash'>

/** Issue 11: the tenant a hook is called for: one hooks module serves every tenant of the deployment. */
export interface HookTenant {
  readonly id: string
  readonly issuer: string
}

export interface ClaimsHookInput {
  /** Issue 11: whose client and user these are (the same client_id or email may exist in two tenants). */
  tenant: HookTenant
  /** Which token the claims go into. */
  token: ClaimTarget
  /** Null for client credentials (no user). */
  user: HookUser | null
  client: HookClient
  /** The granted scope values. */
  scope: readonly string[]
  /** The organization the token is for and the member's roles (`org_id`, `org_roles`), or null. */
  organization: { id: string; roles: readonly string[] } | null
}

export interface ScopeParameterInput {
  /** Issue 11: whose client and user these are. */
  tenant: HookTenant
  /** The parameter's name in the template, e.g. `project_id`. */
  name: string
  /** The requested value (already `[A-Za-z0-9._-]{1,64}`). */
  value: string
  /** The scope template, e.g. `deploy:project:{project_id}`. */
  template: string
  user: HookUser | null
  client: HookClient
  /** A frozen copy: changing it changes nothing. */
  organization: (Readonly<Omit<OrganizationRecord, 'domains'>> & { readonly domains: readonly string[] }) | null
}

export interface LatchHooks {
  claims?(input: ClaimsHookInput): Record<string, unknown> | null | undefined | Promise<Record<string, unknown> | null | undefined>
  scopeParameter?(input: ScopeParameterInput): boolean | Promise<boolean>
}

export const NO_HOOKS: LatchHooks = Object.freeze({})

/** Imports the module at `path` (absolute) and checks its exports. */
export async function loadHooks(path: string | null): Promise<LatchHooks> {
  if (path === null) return NO_HOOKS
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    throw new ConfigError('hooks', `cannot load ${path}: ${(error as Error).message}`)
  }
  const hooks: LatchHooks = {}
  for (const name of ['claims', 'scopeParameter'] as const) {
    const value = module[name]
    if (value === undefined) continue
    if (typeof value !== 'function') throw new ConfigError('hooks', `${path} exports ${name}, which must be a function`)
    hooks[name] = value as never
  }
  if (hooks.claims === undefined && hooks.scopeParameter === undefined) {
    throw new ConfigError('hooks', `${path} exports neither claims nor scopeParameter`)
  }
  return Object.freeze(hooks)
}

/** How long a hook may take before its caller gives up on it. */
export const HOOK_TIMEOUT_MS = 1000

/** Thrown by `callHook` when the hook did not answer within its bound. */
export class HookTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`the hook did not answer within ${ms} ms`)
  }
}

/**
 * Runs a hook with a time bound: its answer, or `HookTimeoutError`, or what it threw (a
 * synchronous throw becomes a rejection). The hook itself keeps running if it overruns: it is the
 * operator's code, and Latch cannot cancel it, only stop waiting.
 */
export async function callHook<T>(call: () => T | Promise<T>, ms = HOOK_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      Promise.resolve().then(call),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HookTimeoutError(ms)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A hook's copy of each client record: the registry hands out the same record object while it
 * caches it, so a token set (or a burst of client credentials) clones a client once, not per call.
 */
const clientCopies = new WeakMap<ClientRecord, HookClient>()

/** The client as hooks see it: a frozen copy without the secret hash. */
export function hookClient(client: ClientRecord): HookClient {
  let copy = clientCopies.get(client)
  if (copy === undefined) {
    const { client_secret_hash: _secret, ...rest } = client
    copy = deepFreeze(structuredClone(rest))
    clientCopies.set(client, copy)
  }
  return copy
}

/** The user as hooks see it: a frozen copy without the password hash. */
export function hookUser(user: UserRecord | null): HookUser | null {
  if (user === null) return null
  const { password_hash: _hash, ...rest } = user
  return deepFreeze(structuredClone(rest))
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}
