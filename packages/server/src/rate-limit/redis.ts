/**
 * Sliding-window counters in Redis, shared by every node of a deployment: a sorted set per key,
 * one member per hit, scored by its time. Check and count are ONE Lua script, which Redis runs
 * without interleaving any other command, so 40 parallel guesses spread over any number of nodes
 * are still bounded by the limit (ZREMRANGEBYSCORE + ZCARD + ZADD as separate commands would let
 * every request in flight between the count and the add through). Each key expires with the
 * window, so an idle counter costs nothing. Keys are `<prefix><key>`; the throttle hands in keys
 * that hold digests, never an email or IP in clear. Every failure (connection, timeout, script)
 * rejects: `fail-open.ts` decides what an outage means.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
import type { Redis } from 'ioredis'
import { randomId } from '../lib/random.js'
import type { RateLimitBackend, RateLimitHit, RateLimitRule, RateLimitUndo } from './backend.js'

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

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL after a Redis restart empties its script cache). */
interface Scripts {
  latchRateLimitHit(numKeys: number, ...args: (string | number)[]): Promise<number>
  latchRateLimitUndo(numKeys: number, ...args: (string | number)[]): Promise<number>
}

export class RedisRateLimit implements RateLimitBackend {
  readonly #redis: Redis & Scripts

  /** `prefix` namespaces every key (`latch:` by default; tests use one per run). */
  constructor(redis: Redis, private readonly prefix: string) {
    if (!('latchRateLimitHit' in redis)) {
      redis.defineCommand('latchRateLimitHit', { lua: HIT })
      redis.defineCommand('latchRateLimitUndo', { lua: UNDO })
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

  /** Whether Redis answers now (the fail-open probe). */
  async ping(): Promise<void> {
    await this.#redis.ping()
  }

  /** The connection belongs to whoever opened it (`connect.ts`). */
  async close(): Promise<void> {}
}
