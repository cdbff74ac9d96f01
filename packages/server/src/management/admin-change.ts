/**
 * Issue 14: the audit record of an administrative change (README "Audit log", "Administrative
 * changes"): who changed what, the resource's fields before and after,
 * secrets masked. Type `admin.<resource>.<action>`, actor the administrator (`admin` for the CLI:
 * the operating-system user who ran it), subject the thing changed, `data: { before, after, via }`
 * (`before` null when created, `after` null when deleted).
 *
 * Written at once with `store.audit.append`, not through the bus and the batching writer: the CLI
 * is a short process without a bus, and a change whose record waited in a batch could be lost when
 * it exits. Only when `audit.enabled` (the deployment's). Never a secret: every field named like a
 * secret (`*secret*`, `*password*`, `*private_key*`, `*_hash`, `*_encrypted`, TOTP) and the private
 * members of a JWK are replaced by `"[masked]"`, at any depth.
 */
import type { LatchConfig } from '../config/schema.js'
import { sortableId } from '../lib/sortable-id.js'
import type { AuditRecord, AuditSubjectType, Store } from '../storage/store.js'
import type { AdminChangeType } from '../audit/admin-change-types.js'

/** The administrator making a change: `admin` (the CLI's OS user), or the API's client or signed-in user. */
export type AdminActor = { type: 'admin' | 'client' | 'user'; id: string }

export { ADMIN_RESOURCES, ADMIN_ACTIONS, ADMIN_CHANGE_TYPES, type AdminResource, type AdminAction, type AdminChangeType } from '../audit/admin-change-types.js'

/** What the value of a masked field becomes. */
export const MASKED = '[masked]'

/** Field names that hold a secret, or a value derived from one (hashes, ciphertexts). */
const SECRET_NAME = /secret|password|private_key|privatekey|_hash$|^hash$|_encrypted$|totp|recovery_code/i
/** A URL's password (`smtp://user:password@host`, RFC 3986 §3.2.1 userinfo): the password part. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i
/** Private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const JWK_PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])

/**
 * A deep copy of `value` with every secret-like field's value replaced by `"[masked]"` (null and
 * absent stay so: "no secret" is no secret; so do booleans and numbers, such as `has_password` or
 * `min_client_secret_length`, facts about a secret that hold none), and the password of a URL
 * (`mail.smtp_url`). Plain data only (JSON-like); anything else is kept as is.
 */
export function maskSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${MASKED}@`)
  if (Array.isArray(value)) return value.map(maskSecrets)
  if (value === null || typeof value !== 'object') return value
  const isJwk = typeof (value as { kty?: unknown }).kty === 'string'
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    const secret = SECRET_NAME.test(key) || (isJwk && JWK_PRIVATE.has(key))
    out[key] = secret && field !== null && field !== undefined && typeof field !== 'boolean' && typeof field !== 'number' ? MASKED : maskSecrets(field)
  }
  return out
}

/** Who does the changes of one scope, on which tenant, and through what. */
export interface AdminChangeScope {
  store: Store
  /** The tenant the records belong to (`default` for the top-level one). */
  tenant: string
  config: Pick<LatchConfig, 'audit'>
  actor: AdminActor
  via: 'cli' | 'api' | 'console'
  /** The API or console request's source address and User-Agent; null for the CLI. */
  ip?: string | null
  userAgent?: string | null
  /** Issue 14: the client an administrator's API token was issued to (the record's `client_id`); a client actor is its own. */
  clientId?: string | null
}

export interface AdminChange {
  type: AdminChangeType
  subject: { type: AuditSubjectType; id: string }
  before: unknown
  after: unknown
  /** Other fields of the change (never a secret; masked too). */
  data?: Record<string, unknown>
}

/** The audit record (schema version 1) of a change, secrets masked. */
export function adminChangeRecord(scope: Omit<AdminChangeScope, 'store' | 'config'>, change: AdminChange, ms = Date.now()): AuditRecord {
  return {
    id: sortableId(ms),
    type: change.type,
    version: 1,
    time: new Date(ms).toISOString(),
    tenant: scope.tenant,
    actor: { type: scope.actor.type, id: scope.actor.id },
    subject: change.subject,
    client_id: scope.clientId ?? (scope.actor.type === 'client' ? scope.actor.id : null),
    ip: scope.ip ?? null,
    user_agent: scope.userAgent ?? null,
    outcome: 'success',
    data: maskSecrets({ ...change.data, before: change.before ?? null, after: change.after ?? null, via: scope.via }) as Record<string, unknown>,
  }
}

/** Writes the change's record now (awaited: the CLI exits right after), when `audit.enabled`. */
export async function recordAdminChange(scope: AdminChangeScope, change: AdminChange): Promise<void> {
  if (!scope.config.audit.enabled) return
  await scope.store.audit.append([adminChangeRecord(scope, change)])
}
