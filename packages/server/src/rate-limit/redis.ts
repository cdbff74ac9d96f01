/**
 * Sliding-window counters in Redis, shared by every node of a deployment: a sorted set per key,
 * one member per hit, scored by its time. Check and count are ONE Lua script, which Redis runs
 * without interleaving any other command, so 40 parallel guesses spread over any number of nodes
 * are still bounded by the limit (ZREMRANGEBYSCORE + ZCARD + ZADD as separate commands would let
 * every request in flight between the count and the add through). Each key expires with the
 * window, so an idle counter costs nothing. Keys are `<prefix><key>`; the throttle hands in keys
 * that hold digests, never an email or IP in clear. Every failure (connection, timeout, script)
 * rejects: `fail-open.ts` decides what an outage means.
 * Reservations (`reserve`, issue 8) keep more keys beside a counter: `<key>:f`, the hits in
 * flight scored by the end of their lease, `<key>:n`, a paced rule's next free turn, and `<key>:c`,
 * the next turn of its newcomers' lane (`fairKey`). One script checks every rule and counts,
 * another releases; both atomic like `HIT`, and the same rules as `memory.ts`.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
import type { Redis } from 'ioredis'
import { randomId } from '../lib/random.js'
import {
  RESERVATION_LEASE_SECONDS,
  type RateLimitBackend,
  type RateLimitHit,
  type RateLimitReservation,
  type RateLimitRule,
  type RateLimitUndo,
  type ReserveRule,
} from './backend.js'

/** KEYS = the rules' keys; ARGV = now, window, hit id, then each rule's max. Returns 0 (counted) or seconds to wait. */
const HIT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[i + 3])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= max then
    local oldest = redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w < 1 then w = 1 end
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('EXPIRE', key, window)
end
return 0
`

/** KEYS = keys to take hit ARGV[1] back from (the first ARGV[2] of them), then keys to clear. */
const UNDO = `
local n = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  if i <= n then redis.call('ZREM', key, ARGV[1]) else redis.call('DEL', key) end
end
return 0
`

/**
 * KEYS = per rule: counter, in-flight set, next turn, next turn of the newcomers' lane. ARGV = now,
 * window, id, lease, then per rule max, pace step (0 = hard rule), pace max wait, and the 1-based
 * index of its fair rule (0 = none). Returns {0, turn} (counted, in flight), {1, seconds to wait}
 * (refused) or {2, 0} (busy: hits in flight fill a rule).
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[4])
local rules = #KEYS / 4
local retry = 0
local busy = false
local at = now
local turns = {}
local lanes = {}
-- Windows and leases first: a fair rule may come after the paced rule that reads it.
for i = 1, rules do
  redis.call('ZREMRANGEBYSCORE', KEYS[4 * i - 3], '-inf', now - window)
  -- A lease ran out (its node died mid-check): the hit stays, settled as a failure.
  redis.call('ZREMRANGEBYSCORE', KEYS[4 * i - 2], '-inf', now)
end
for i = 1, rules do
  local hits, flying, nextKey, cleanKey = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  local max = tonumber(ARGV[1 + 4 * i])
  local step = tonumber(ARGV[2 + 4 * i])
  local maxWait = tonumber(ARGV[3 + 4 * i])
  local fair = tonumber(ARGV[4 + 4 * i])
  local total = redis.call('ZCARD', hits)
  local inFlight = redis.call('ZCARD', flying)
  local settled = total - inFlight
  if settled >= max then
    if step == 0 then
      -- The oldest settled hit that keeps the rule full: when it leaves the window, there is room.
      local members = redis.call('ZRANGE', hits, 0, -1, 'WITHSCORES')
      local seen = 0
      local need = settled - max + 1
      for j = 1, #members, 2 do
        if not redis.call('ZSCORE', flying, members[j]) then
          seen = seen + 1
          if seen == need then
            local w = tonumber(members[j + 1]) + window - now
            if w < 1 then w = 1 end
            if w > retry then retry = w end
            break
          end
        end
      end
    else
      local turn = tonumber(redis.call('GET', nextKey) or '0')
      if turn < now then turn = now end
      local lane = 0
      -- A newcomer (no hit of its network in the window) may take the newcomers' lane when it comes sooner.
      if fair > 0 and redis.call('ZCARD', KEYS[4 * fair - 3]) == 0 then
        local clean = tonumber(redis.call('GET', cleanKey) or '0')
        if clean < now then clean = now end
        if clean <= turn then
          turn = clean
          lane = 1
        end
      end
      if turn - now > maxWait then
        if turn - now - maxWait > retry then retry = turn - now - maxWait end
      else
        turns[i] = turn
        lanes[i] = lane
        if turn > at then at = turn end
      end
    end
  elseif total >= max then
    busy = true
  end
end
if retry > 0 then return {1, retry} end
if busy then return {2, 0} end
for i = 1, rules do
  local hits, flying, nextKey, cleanKey = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  redis.call('ZADD', hits, now, ARGV[3])
  redis.call('EXPIRE', hits, window)
  redis.call('ZADD', flying, now + lease, ARGV[3])
  redis.call('EXPIRE', flying, window)
  if turns[i] then
    local spacing = tonumber(ARGV[2 + 4 * i])
    if tonumber(ARGV[4 + 4 * i]) > 0 then spacing = 2 * spacing end
    local key = nextKey
    if lanes[i] == 1 then key = cleanKey end
    redis.call('SET', key, turns[i] + spacing, 'EX', window)
  end
end
return {0, at}
`

/**
 * KEYS = per reserved rule: counter, in-flight set, next turn, newcomers' next turn. ARGV = hit
 * id, then per rule 0 (keep the hit: a failure), 1 (take it back) or 2 (empty the rule).
 */
const RELEASE = `
for i = 1, #KEYS / 4 do
  local hits, flying, nextKey, cleanKey = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  local mode = ARGV[i + 1]
  redis.call('ZREM', flying, ARGV[1])
  if mode == '1' then redis.call('ZREM', hits, ARGV[1]) end
  if mode == '2' then redis.call('DEL', hits, flying, nextKey, cleanKey) end
end
return 0
`

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL after a Redis restart empties its script cache). */
interface Scripts {
  latchRateLimitHit(numKeys: number, ...args: (string | number)[]): Promise<number>
  latchRateLimitUndo(numKeys: number, ...args: (string | number)[]): Promise<number>
  latchRateLimitReserve(numKeys: number, ...args: (string | number)[]): Promise<[number, number]>
  latchRateLimitRelease(numKeys: number, ...args: (string | number)[]): Promise<number>
}

export class RedisRateLimit implements RateLimitBackend {
  readonly #redis: Redis & Scripts

  /** `prefix` namespaces every key (`latch:` by default; tests use one per run). */
  constructor(redis: Redis, private readonly prefix: string) {
    if (!('latchRateLimitHit' in redis)) {
      redis.defineCommand('latchRateLimitHit', { lua: HIT })
      redis.defineCommand('latchRateLimitUndo', { lua: UNDO })
    }
    if (!('latchRateLimitReserve' in redis)) {
      redis.defineCommand('latchRateLimitReserve', { lua: RESERVE })
      redis.defineCommand('latchRateLimitRelease', { lua: RELEASE })
    }
    this.#redis = redis as Redis & Scripts
  }

  async hit(rules: readonly RateLimitRule[], windowSeconds: number, now: number): Promise<RateLimitHit> {
    const id = randomId()
    const keys = rules.map((r) => this.prefix + r.key)
    const wait = await this.#redis.latchRateLimitHit(keys.length, ...keys, now, windowSeconds, id, ...rules.map((r) => r.max))
    if (wait > 0) return { allowed: false, retryAfter: wait }
    return {
      allowed: true,
      undo: async (change: RateLimitUndo) => {
        const keys = [...change.remove, ...change.clear].map((k) => this.prefix + k)
        if (keys.length > 0) await this.#redis.latchRateLimitUndo(keys.length, ...keys, id, change.remove.length)
      },
    }
  }

  async reserve(rules: readonly ReserveRule[], windowSeconds: number, now: number): Promise<RateLimitReservation> {
    const id = randomId()
    const keys = rules.flatMap((r) => this.#keysOf(r.key))
    const fairIndex = (r: ReserveRule) => (r.pace?.fairKey === undefined ? 0 : rules.findIndex((o) => o.key === r.pace?.fairKey) + 1)
    const args = rules.flatMap((r) => [r.max, r.pace?.step ?? 0, r.pace?.maxWait ?? 0, fairIndex(r)])
    const [status, value] = await this.#redis.latchRateLimitReserve(keys.length, ...keys, now, windowSeconds, id, RESERVATION_LEASE_SECONDS, ...args)
    if (status === 1) return { status: 'refused', retryAfter: value }
    if (status === 2) return { status: 'busy' }
    return {
      status: 'reserved',
      at: value,
      release: async (change: RateLimitUndo) => {
        const modes = rules.map((r) => (change.clear.includes(r.key) ? 2 : change.remove.includes(r.key) ? 1 : 0))
        await this.#redis.latchRateLimitRelease(keys.length, ...keys, id, ...modes)
      },
    }
  }

  /** A rule's counter, its hits in flight, its next turn, and its newcomers' next turn. */
  #keysOf(key: string): [string, string, string, string] {
    const k = this.prefix + key
    return [k, `${k}:f`, `${k}:n`, `${k}:c`]
  }

  /** Whether Redis answers now (the fail-open probe). */
  async ping(): Promise<void> {
    await this.#redis.ping()
  }

  /** The connection belongs to whoever opened it (`connect.ts`). */
  async close(): Promise<void> {}
}
