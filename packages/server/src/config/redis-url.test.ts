import { describe, expect, it } from 'vitest'
import { loadConfig } from './load.js'
import { configError } from '../../test/support/config-error.js'
import { redactRedisUrl, redisUrlProblem, redisUrlSecrets } from './redis-url.js'

const env = { LATCH_SECRET: 's'.repeat(40) }
// No file is read or written: the secret comes from env, and a sqlite path is only resolved.
const load = (config: Record<string, unknown>, e: Record<string, string | undefined> = env) => loadConfig({ config, env: e, cwd: '/nonexistent' }).config

describe('redis_url / LATCH_REDIS_URL', () => {
  it('architecture.md §2: unset by default, and an empty value (`${REDIS_URL:-}`) means unset; the key prefix defaults to latch:', () => {
    expect(load({})).toMatchObject({ redis_url: null, redis_key_prefix: 'latch:' })
    expect(load({ redis_url: '${REDIS_URL:-}' }).redis_url).toBeNull()
    expect(load({ redis_url: null }).redis_url).toBeNull()
  })

  it('issue 4: redis:// and rediss:// URLs are accepted, with a password, user and database', () => {
    expect(load({ redis_url: 'redis://127.0.0.1:6379' }).redis_url).toBe('redis://127.0.0.1:6379')
    expect(load({ redis_url: 'rediss://user:p%40ss@redis.internal:6380/2' }).redis_url).toBe('rediss://user:p%40ss@redis.internal:6380/2')
  })

  it('issue 4: anything but a redis:// or rediss:// URL is a ConfigError naming the key, which never quotes the password', () => {
    for (const bad of ['http://:hunter2@cache:6379', 'cache:6379', 'hunter2 not a url', 'redis://', 'redis://:hunter2@cache/abc']) {
      const err = configError(() => load({ redis_url: bad }))
      expect(err.key).toBe('redis_url')
      expect(err.message).toMatch(/^config: redis_url must/)
      expect(err.message).not.toContain('hunter2')
    }
    expect(configError(() => load({ redis_key_prefix: '' })).key).toBe('redis_key_prefix')
  })

  it('architecture.md §2 Environment: LATCH_REDIS_URL overrides the file, and a bad one names the key and the variable', () => {
    expect(load({ redis_url: 'redis://file-host:6379' }, { ...env, LATCH_REDIS_URL: 'redis://env-host:6380/1' }).redis_url).toBe('redis://env-host:6380/1')
    expect(load({}, { ...env, LATCH_REDIS_URL: 'redis://env-host:6380' }).redis_url).toBe('redis://env-host:6380')
    const err = configError(() => load({ redis_url: 'redis://file-host:6379' }, { ...env, LATCH_REDIS_URL: 'memcached://:hunter2@x' }))
    expect(err.key).toBe('redis_url')
    expect(err.message).toMatch(/^config: redis_url \(from LATCH_REDIS_URL\) must be a redis:\/\/ or rediss:\/\/ URL/)
    expect(err.message).not.toContain('hunter2')
  })

  it('issue 4: log lines show the URL without its password or query', () => {
    expect(redactRedisUrl('redis://:hunter2@cache:6379/0')).toBe('redis://:***@cache:6379/0')
    expect(redactRedisUrl('rediss://app:hunter2@cache:6380')).toBe('rediss://app:***@cache:6380')
    expect(redactRedisUrl('redis://cache:6379?password=hunter2')).toBe('redis://cache:6379')
    expect(redactRedisUrl('redis://cache')).toBe('redis://cache')
    expect(redisUrlSecrets('redis://:p%40ss@cache?password=q')).toEqual(['p%40ss', 'p@ss', 'q'])
    expect(redisUrlProblem('redis://cache:6379/3')).toBeNull()
  })
})
