/**
 * Opens the rate-limit store the config asks for: per-process memory when `redis_url` is unset,
 * otherwise Redis behind the fail-open fallback. Redis is optional infrastructure here, so nothing
 * about it may stop or stall Latch: boot waits at most one connect timeout for it (an unreachable
 * Redis is one warning, then Latch serves), commands are never queued while it is away
 * (`enableOfflineQueue: false`) nor retried (`maxRetriesPerRequest: 0`), and each one gives up
 * after `REDIS_COMMAND_TIMEOUT_MS`. ioredis reconnects in the background, at most a second apart.
 * @see https://github.com/redis/ioredis#connect-to-redis
 */
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { RateLimitBackend } from './backend.js'
import { FailOpenRateLimit } from './fail-open.js'
import { MemoryRateLimit } from './memory.js'
import { RedisRateLimit } from './redis.js'
import { redactRedisUrl, redisUrlSecrets } from '../config/redis-url.js'

/**
 * A sign-in waits at most this long on Redis before it is counted in memory instead. The timer
 * runs on this process's event loop, so a busy node's own lag counts against it: at 500 ms, CPU
 * contention alone (a loaded CI box) tripped the fail-open and halved the shared budget. Only
 * requests in flight when Redis hangs pay it; later ones go to memory until the probe sees Redis.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000
/** A TCP connect (and the boot's wait for Redis) gives up after this long. */
export const REDIS_CONNECT_TIMEOUT_MS = 1000

export interface RateLimitStoreOptions {
  /** `redis://` or `rediss://` URL (validated by the config), or null for per-process memory. */
  url: string | null
  /** Prepended to every Redis key (`latch:`). */
  prefix: string
  log: Logger
}

export async function openRateLimitStore(options: RateLimitStoreOptions): Promise<RateLimitBackend> {
  if (!options.url) return new MemoryRateLimit()
  const target = redactRedisUrl(options.url)
  const redis = new Redis(options.url, {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A hit sent before a disconnect was already answered (rejected): replaying it would count it twice.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  })
  const store = new FailOpenRateLimit(new RedisRateLimit(redis, options.prefix), new MemoryRateLimit(), {
    log: options.log,
    target,
    secrets: redisUrlSecrets(options.url),
    onClose: async () => redis.disconnect(),
  })
  // Listeners in the constructor's tick: no event of the first connection is missed. Without an
  // 'error' listener ioredis would print every reconnect failure itself.
  redis.on('error', (err: unknown) => store.reportDown(err))
  redis.on('close', () => store.reportDown(new Error('connection closed')))
  redis.on('ready', () => store.reportUp())

  const ready = await new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      redis.off('ready', onReady)
      redis.off('error', onFail)
      redis.off('close', onFail)
      resolve(ok)
    }
    const onReady = () => done(true)
    const onFail = () => done(false)
    const timer = setTimeout(onFail, REDIS_CONNECT_TIMEOUT_MS + 200)
    redis.once('ready', onReady)
    redis.once('error', onFail)
    redis.once('close', onFail)
  })
  if (ready) options.log.info({ redis: target, prefix: options.prefix }, 'rate limits: shared across nodes through Redis')
  else store.reportDown(new Error(`no answer within ${REDIS_CONNECT_TIMEOUT_MS} ms`))
  return store
}
