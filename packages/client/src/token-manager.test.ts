import { describe, expect, it } from 'vitest'
import { MIN_REFRESH_DELAY_MS, refreshDelay } from './token-manager.js'

describe('refreshDelay', () => {
  const now = 1_700_000_000

  it('RFC 6749 §6: the proactive refresh is due refreshSkew seconds before expiry', () => {
    expect(refreshDelay(now + 900, 60, now)).toBe(840_000)
  })

  it('RFC 6749 §5.1 / issue: expires_in 0 (or an expiry already past) never schedules a refresh sooner than 5 s: no refresh loop', () => {
    expect(MIN_REFRESH_DELAY_MS).toBe(5_000)
    expect(refreshDelay(now, 0, now)).toBe(5_000)
    expect(refreshDelay(now - 100, 60, now)).toBe(5_000)
    expect(refreshDelay(now + 3, 1, now)).toBe(5_000)
  })

  it('a lifetime beyond what setTimeout can wait is capped (a longer delay would fire at once)', () => {
    expect(refreshDelay(now + 10 * 365 * 86_400, 60, now)).toBe(2_147_483_647)
  })
})
