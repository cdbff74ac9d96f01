import { describe, expect, it } from 'vitest'
import { createPkceMode } from './pkce-mode.js'

describe('PKCE mode: which page completes a sign-in', () => {
  const mode = createPkceMode({ issuer: 'https://id.example.com', clientId: 'spa', redirectUri: 'https://app.example.com/callback' })

  /** @see issue 8 */
  it('RFC 6749 §4.1.2: only the redirect URI carrying state or error is an authorization response', () => {
    expect(mode.isCallback('https://app.example.com/callback?code=abc&state=xyz')).toBe(true)
    expect(mode.isCallback('https://app.example.com/callback?error=access_denied&state=xyz')).toBe(true)
    // A fresh visit (the home page that shows sign-in errors) is not a callback: no exchange, no error.
    expect(mode.isCallback('https://app.example.com/pkce')).toBe(false)
    expect(mode.isCallback('https://app.example.com/')).toBe(false)
    expect(mode.isCallback('https://app.example.com/callback')).toBe(false)
    expect(mode.isCallback('https://evil.example/callback?code=abc&state=xyz')).toBe(false)
  })
})
