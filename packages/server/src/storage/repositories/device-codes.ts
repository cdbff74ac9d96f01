/**
 * Device authorization codes (RFC 8628): the user's decision on the verification page (§3.3) and
 * the device's polling (§3.5). Every step is a conditional UPDATE, so of two polls racing for the
 * same slot one proceeds and the other is told to slow down, the interval is shared by all nodes,
 * and an approved code yields tokens once.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import { sql } from 'kysely'
import type { PollResult, Store } from '../store.js'
import { COLUMNS } from '../rows.js'
import { changed, countUpTo, type ForTenant, type RepositoryContext } from './shared.js'

export function deviceCodeRepository({ db, rows }: RepositoryContext): ForTenant<Store['deviceCodes']> {
  const tooSoon = (now: number) => sql<boolean>`${sql.ref('last_polled_at')} + ${sql.ref('interval')} > ${now}`
  const slotOpen = (now: number) => sql<boolean>`${sql.ref('last_polled_at')} + ${sql.ref('interval')} <= ${now}`

  return (tenant) => ({
    async insert(code) {
      await db.insertInto('device_codes').values({ ...rows.deviceCodeToRow(code), tenant_id: tenant }).execute()
    },
    async getByUserCode(userCodeHash, now) {
      const row = await db
        .selectFrom('device_codes')
        .select(COLUMNS.device_codes)
        .where('user_code_hash', '=', userCodeHash)
        .where('tenant_id', '=', tenant)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row ? rows.deviceCode(row) : null
    },
    async decide(userCodeHash, decision, now) {
      const result = await db
        .updateTable('device_codes')
        .set({
          status: decision.status,
          user_id: decision.user_id,
          auth_time: decision.auth_time,
          session_id: decision.session_id,
          granted_scope: decision.granted_scope,
          amr: decision.amr === undefined || decision.amr === null ? null : rows.json(decision.amr),
        })
        .where('user_code_hash', '=', userCodeHash)
        .where('tenant_id', '=', tenant)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return changed(result)
    },
    async poll(deviceCodeHash, now): Promise<PollResult> {
      const byHash = () => db.updateTable('device_codes').where('device_code_hash', '=', deviceCodeHash).where('tenant_id', '=', tenant)
      let interval = 0
      // A poll that loses its slot to a concurrent one re-reads; three rounds settle any race.
      for (let round = 0; round < 3; round++) {
        const row = await db
          .selectFrom('device_codes')
          .select(['status', 'expires_at', 'interval'])
          .where('device_code_hash', '=', deviceCodeHash)
          .where('tenant_id', '=', tenant)
          .executeTakeFirst()
        if (!row || row.status === 'consumed') return { outcome: 'invalid' }
        if (row.expires_at <= now) return { outcome: 'expired' }
        interval = row.interval

        const slowed = await byHash()
          .set((eb) => ({ interval: eb('interval', '+', 5), last_polled_at: now }))
          .where('last_polled_at', 'is not', null)
          .where(tooSoon(now))
          .returning('interval')
          .executeTakeFirst()
        if (slowed) return { outcome: 'slow_down', interval: slowed.interval }

        const polled = await byHash()
          .set({ last_polled_at: now })
          .where('status', '!=', 'consumed')
          .where('expires_at', '>', now)
          .where((eb) => eb.or([eb('last_polled_at', 'is', null), slotOpen(now)]))
          .returning('status')
          .executeTakeFirst()
        if (!polled) continue

        if (polled.status === 'denied') return { outcome: 'denied' }
        if (polled.status !== 'approved') return { outcome: 'pending' }
        const redeemed = await byHash().set({ status: 'consumed' }).where('status', '=', 'approved').returning(COLUMNS.device_codes).executeTakeFirst()
        return redeemed ? { outcome: 'approved', record: rows.deviceCode(redeemed) } : { outcome: 'invalid' }
      }
      return { outcome: 'slow_down', interval }
    },
    // Deployment-wide on purpose: the cap on pending device codes is one per deployment.
    async countActive(now, limit) {
      return countUpTo(db, 'device_codes', now, limit)
    },
  })
}