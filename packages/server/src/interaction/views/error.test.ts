import { describe, expect, it } from 'vitest'
import { OAUTH_ERRORS, type OAuthErrorCode } from '../../errors.js'
import { oauthErrorPage } from './error.js'
import { ERROR_TEXTS } from './messages.js'

describe('the error page', () => {
  /** @see issue 8 */
  it('every OAuth error code has a title and a sentence in words, and the raw code only in small print', () => {
    for (const code of Object.keys(OAUTH_ERRORS) as OAuthErrorCode[]) {
      const text = ERROR_TEXTS[code]
      expect(text.title, code).not.toMatch(/_/)
      expect(text.sentence, code).toMatch(/^[A-Z].{15,}\.$/)
      expect(text.sentence, code).not.toContain(code)
      const html = oauthErrorPage({ code, description: 'a <detail>', wayBack: { href: 'https://app.example/', label: 'Back to App' } })
      expect(html).toContain(`<h1>${text.title}</h1>`)
      expect(html).toContain(`<p class="error" role="alert">${text.sentence}</p>`)
      expect(html).toContain(`<p class="muted">Error code: ${code}.`)
      expect(html).toContain('Details: a &lt;detail&gt;')
      expect(html).toContain('<a class="button" href="https://app.example/">Back to App</a>')
      expect(html.split(code).length - 1, code).toBe(1)
    }
  })
})
