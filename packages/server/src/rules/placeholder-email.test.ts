import { describe, expect, it } from 'vitest'
import { isPlaceholderEmail, placeholderEmail, shownUser } from './placeholder-email.js'

describe('placeholder email (issue 12)', () => {
  it('RFC 6761 §6.4: under .invalid, per connection and subject, without the subject in clear', () => {
    const a = placeholderEmail('twitter', '12345')
    expect(a).toMatch(/^u-[A-Za-z0-9_-]{16}@twitter\.invalid$/)
    expect(a).not.toContain('12345')
    expect(placeholderEmail('twitter', '12345')).toBe(a)
    expect(placeholderEmail('x2', '12345')).not.toBe(a.replace('twitter', 'x2'))
    expect(placeholderEmail('twitter', '12346')).not.toBe(a)
    expect(isPlaceholderEmail(a)).toBe(true)
    expect(isPlaceholderEmail('alice@example.com')).toBe(false)
    expect(isPlaceholderEmail('u-abc@example.invalid')).toBe(false)
  })

  it('pages show the name, else the username, for a placeholder; the email otherwise', () => {
    const email = placeholderEmail('twitter', '1')
    expect(shownUser({ id: 'u1', email, claims: { name: 'Xavier', preferred_username: 'xav' } })).toBe('Xavier')
    expect(shownUser({ id: 'u1', email, claims: { preferred_username: 'xav' } })).toBe('xav')
    expect(shownUser({ id: 'u1', email: 'a@example.com', claims: { name: 'A' } })).toBe('a@example.com')
  })
})
