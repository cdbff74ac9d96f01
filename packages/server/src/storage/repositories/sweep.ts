/**
 * Deleting rows nobody can use any more, on every node, in small batches, of every tenant at once
 * (the sweep is deployment-wide, as expiry does not depend on the tenant): each batch is one
 * `DELETE ... WHERE key IN (SELECT key ... LIMIT n)` statement (its own short transaction, so a
 * sweep never holds locks for long), and on PostgreSQL the inner SELECT takes its rows `FOR UPDATE
 * SKIP LOCKED`, so two nodes sweeping at once each take rows the other does not hold: neither
 * waits on the other, neither deadlocks, and a row is deleted once.
 *
 * What may go, and when (the retention rules are the security argument, keep them together):
 * - codes, interactions, sessions, pending upstream logins and upstream sessions (issue 12), replay keys, individually revoked access-token rows, retired
 *   signing keys: at their expiry; nothing reads them later.
 * - device codes: `deviceCodeRetention` after expiry, so a device polling late still hears
 *   `expired_token` rather than `invalid_grant` (RFC 8628 §3.5).
 * - refresh tokens: `grantRetention` after their (absolute, family-wide) expiry, because they are
 *   how the grant sweep knows the latest time an access token could have been issued under a
 *   grant: a refresh issues one only while its token is unexpired.
 * - grants: access tokens are JWTs whose `jti` names their grant, and a revoked grant row is what
 *   makes them read as revoked (`accessTokens.isRevoked`). Deleting that row early would make a
 *   revoked token active again, so a grant goes only when nothing under it can still be valid:
 *   created, and revoked if it was, more than `grantRetention` (≥ the access token lifetime) ago;
 *   no refresh token expiring later than that; and no code that names it (an unredeemed code
 *   could otherwise `open` it again, `grants.open`). Its last refresh tokens go with it (cascade).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @see https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
 */
import type { Kysely } from 'kysely'
import { ACCESS_TOKEN_TTL } from '../../config/defaults.js'
import type { LatchConfig } from '../../config/schema.js'
import type { Database } from '../database.js'
import type { DialectCapabilities } from '../dialects/dialect.js'
import type { Store, SweepPolicy, SweepResult } from '../store.js'

/** Allowance for clocks of several nodes that disagree, seconds. */
export const SWEEP_CLOCK_SKEW = 300
/**
 * Issue 12: how long a queued logout token is kept at most, seconds: past the longest
 * `sessions.backchannel_logout_retry_window` (7 days), so only rows no loop will finish go (those of
 * a tenant deleted while its loop was away, of a node that died holding a lease forever).
 */
export const LOGOUT_DELIVERY_RETENTION = 604_800 + SWEEP_CLOCK_SKEW
/**
 * Issue 13: how long an account created by sign-up may stay unverified, seconds (8 days: past the
 * longest `sign_up.verification_ttl`, 7 days). Anonymous requests create these rows; the mail
 * throttle bounds how fast, this how long they stay.
 */
export const UNVERIFIED_USER_RETENTION = 8 * 86_400

/** How long an expired device code still answers `expired_token`, seconds (not configurable). */
export const EXPIRED_DEVICE_CODE_RETENTION = 3600

export const DEFAULT_SWEEP_POLICY: SweepPolicy = {
  grantRetention: ACCESS_TOKEN_TTL + SWEEP_CLOCK_SKEW,
  deviceCodeRetention: EXPIRED_DEVICE_CODE_RETENTION,
  batchSize: 500,
  maxBatches: 200,
}

/** The policy for a deployment: grants outlive the longest access token its config issues. */
export function sweepPolicy(config: { tokens: Pick<LatchConfig['tokens'], 'access_token_ttl'> }): SweepPolicy {
  return { ...DEFAULT_SWEEP_POLICY, grantRetention: config.tokens.access_token_ttl + SWEEP_CLOCK_SKEW }
}

type Filter = (qb: any) => any

interface Target {
  table: keyof SweepResult
  /** The table to delete from, when it is not `table` (the result's name). */
  from?: string
  /** The primary key; several columns for replay keys and logout deliveries, whose other columns alone two tenants may share. */
  key: string | readonly string[]
  where: (now: number, policy: SweepPolicy) => Filter
}

/** In this order: children before the grants they would keep alive. */
const TARGETS: readonly Target[] = [
  { table: 'authorization_codes', key: 'code_hash', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'interactions', key: 'id', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'device_codes', key: 'device_code_hash', where: (now, p) => (qb) => qb.where('expires_at', '<=', now - p.deviceCodeRetention) },
  { table: 'upstream_sessions', key: 'session_id', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'sessions', key: 'session_hash', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'upstream_logins', key: 'state_hash', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'email_tokens', key: 'id', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'replay_keys', key: ['tenant_id', 'key'], where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'access_tokens', key: 'jti', where: (now) => (qb) => qb.where('expires_at', '<=', now) },
  { table: 'refresh_tokens', key: 'token_hash', where: (now, p) => (qb) => qb.where('expires_at', '<=', now - p.grantRetention) },
  {
    table: 'grants',
    key: 'id',
    where: (now, p) => {
      const cut = now - p.grantRetention
      return (qb) =>
        qb
          .where('created_at', '<=', cut)
          .where((eb: any) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '<=', cut)]))
          .where((eb: any) =>
            eb.not(eb.exists(eb.selectFrom('refresh_tokens as r').select('r.token_hash').whereRef('r.grant_id', '=', 'grants.id').where('r.expires_at', '>', cut))),
          )
          .where((eb: any) => eb.not(eb.exists(eb.selectFrom('authorization_codes as c').select('c.code_hash').whereRef('c.grant_id', '=', 'grants.id'))))
    },
  },
  { table: 'signing_keys', key: 'kid', where: (now) => (qb) => qb.where('retired_at', 'is not', null).where('expires_at', '<=', now) },
  { table: 'logout_deliveries', key: ['tenant_id', 'client_id', 'sid'], where: (now) => (qb) => qb.where('created_at', '<=', now - LOGOUT_DELIVERY_RETENTION) },
  // Issue 13: sign-ups nobody verified go after UNVERIFIED_USER_RETENTION (their links expired long before).
  {
    table: 'unverified_users',
    from: 'users',
    key: 'id',
    where: (now) => (qb) => qb.where('verification_pending', '=', 1).where('created_at', '<=', now - UNVERIFIED_USER_RETENTION),
  },
]

export function sweepRepository(db: Kysely<Database>, capabilities: DialectCapabilities): Store['sweep'] {
  const any = db as unknown as Kysely<any>
  return async (now, overrides = {}) => {
    const policy = { ...DEFAULT_SWEEP_POLICY, ...overrides }
    const result = {} as SweepResult
    for (const target of TARGETS) {
      const filter = target.where(now, policy)
      let deleted = 0
      for (let batch = 0; batch < policy.maxBatches; batch++) {
        const key = target.key
        let pick = filter(any.selectFrom(target.from ?? target.table).select(typeof key === 'string' ? [key] : key)).limit(policy.batchSize)
        if (capabilities.skipLocked) pick = pick.forUpdate().skipLocked()
        const done = await any
          .deleteFrom(target.from ?? target.table)
          .where((eb) => (typeof key === 'string' ? eb(key, 'in', pick) : eb((eb.refTuple as (...refs: string[]) => any)(...key), 'in', pick)))
          .executeTakeFirst()
        const n = Number(done.numDeletedRows)
        deleted += n
        // Fewer than a batch: done for now (on PostgreSQL, the rest is being swept by another node).
        if (n < policy.batchSize) break
      }
      result[target.table] = deleted
    }
    return result
  }
}
