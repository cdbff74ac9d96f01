import { describe, expect, it } from 'vitest'
import { describeUserAgent, storedUserAgent, USER_AGENT_MAX } from './user-agent.js'

describe('user agent', () => {
  it('issue 13: a User-Agent is stored bounded, without control characters, and null when absent', () => {
    expect(storedUserAgent(undefined)).toBeNull()
    expect(storedUserAgent('  \u0001 ')).toBeNull()
    expect(storedUserAgent('a\nb')).toBe('ab')
    expect(storedUserAgent('x'.repeat(10_000))).toHaveLength(USER_AGENT_MAX)
  })

  it('issue 13: the browser and system are named, most specific first', () => {
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0')).toEqual({ browser: 'Edge', system: 'Windows' })
    expect(describeUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36')).toEqual({ browser: 'Chrome', system: 'Android' })
    expect(describeUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toEqual({ browser: 'Safari', system: 'iOS' })
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0')).toEqual({ browser: 'Firefox', system: 'Linux' })
    expect(describeUserAgent('something else')).toEqual({ browser: null, system: null })
    expect(describeUserAgent(null)).toEqual({ browser: null, system: null })
  })
})
