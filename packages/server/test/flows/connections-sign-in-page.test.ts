/**
 * Issue 12: the sign-in page offers a link per enabled connection ("Continue with <name>") in a
 * labelled list, above or below the password form (`sign_in.connections`); `sign_in.password: false`
 * drops the form and refuses a password posted anyway. The page draws from the registry: no
 * upstream is called to render it.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, parseForms } from '../browser.js'
import { ALICE, basic, postForm, startServer, WEB_SECRET, type TestServer } from '../helpers.js'
import { PATHS } from '../../src/context.js'
import { webRequest } from '../support/federation.js'
import { GENERIC_MARK } from '../../src/interaction/views/connection-icons.js'

// Nothing listens there: rendering the page must not need it.
const upstream = (id: string, name: string, enabled = true) => ({ id, type: 'oidc', display_name: name, enabled, issuer: 'https://idp.invalid', client_id: 'c', client_secret: 's' })

describe('sign-in page with connections', () => {
  let above: TestServer
  let noPassword: TestServer
  beforeAll(async () => {
    above = await startServer({
      connections: [upstream('corp', 'Corp SSO'), upstream('off', 'Disabled One', false), { id: 'gh', type: 'github', display_name: 'GitHub', client_id: 'c', client_secret: 's' }],
    })
    noPassword = await startServer({ connections: [upstream('corp', 'Corp SSO')], sign_in: { password: false, connections: 'below' } })
  })
  afterAll(async () => {
    await above?.close()
    await noPassword?.close()
  })

  it('one labelled link per enabled connection, above the one form; a disabled connection has none', async () => {
    const page = await new Browser(above.url).open(webRequest(above.url).url)
    expect(page.status).toBe(200)
    const list = /<ul class="connections" aria-label="Other ways to sign in">([\s\S]*?)<\/ul>/.exec(page.html)
    expect(list?.[1]).toMatch(new RegExp(`<a class="button connection" href="${above.url}/connections/corp/start\\?interaction=[0-9a-f-]{36}"><svg [^>]*>.*?</svg>Continue with Corp SSO</a>`))
    expect(page.html).not.toContain('Disabled One')
    expect(parseForms(page.html)).toHaveLength(1)
    expect(page.html.indexOf('class="connections"')).toBeLessThan(page.html.indexOf('<form'))
    // Unknown notices are ignored.
    const interaction = /interaction=([0-9a-f-]{36})/.exec(page.html)![1]
    const odd = await new Browser(above.url).open(`${above.url}/interaction/${interaction}?notice=%3Cscript%3E&connection=corp`)
    expect(odd.html).not.toContain('role="alert"')
  })

  it('each link starts with its mark, hidden from assistive technology: the generic key for oidc, the GitHub mark (simple-icons) for the github preset; the name stays "Continue with <name>"', async () => {
    const page = await new Browser(above.url).open(webRequest(above.url).url)
    const links = new Map([...page.html.matchAll(/<a class="button connection" href="[^"]*\/connections\/([a-z]+)\/start[^"]*">([\s\S]*?)<\/a>/g)].map((m) => [m[1]!, m[2]!]))
    expect([...links.keys()]).toEqual(['corp', 'gh'])
    const githubPath = /<path d="([^"]+)"/.exec(readFileSync(createRequire(import.meta.url).resolve('simple-icons/icons/github.svg'), 'utf8'))![1]!
    for (const [id, name, path] of [['corp', 'Corp SSO', GENERIC_MARK], ['gh', 'GitHub', githubPath]] as const) {
      const inner = links.get(id)!
      const svg = /^<svg ([^>]*)><path ([^>]*)\/><\/svg>/.exec(inner)
      expect(svg, id).not.toBeNull()
      expect(svg![1]).toBe('class="connection-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"')
      expect(svg![2]).toBe(`fill="currentColor" d="${path}"`)
      expect(inner.replace(/<svg[\s\S]*?<\/svg>/, '')).toBe(`Continue with ${name}`)
    }
    expect(githubPath).not.toBe(GENERIC_MARK)
    // Inline markup only: nothing for the CSP to allow, no style attribute.
    expect(page.html).not.toMatch(/<img|style="/)
  })

  it('RFC 6749 §5.2 / issue 12: sign_in.password false also turns off the password grant (unsupported_grant_type), even with the right password', async () => {
    const res = await postForm(`${noPassword.url}${PATHS.token}`, { grant_type: 'password', username: ALICE.email, password: ALICE.password, scope: 'openid' }, { authorization: basic('web', WEB_SECRET) })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'password sign-in is turned off here' })
  })

  it('sign_in.password false: no form, the links only; a password posted anyway is refused with 400', async () => {
    const browser = new Browser(noPassword.url)
    const page = await browser.open(webRequest(noPassword.url).url)
    expect(parseForms(page.html)).toHaveLength(0)
    expect(page.html).toContain('Continue with Corp SSO')
    const interaction = /interaction=([0-9a-f-]{36})/.exec(page.html)![1]
    const res = await browser.postForm(`${noPassword.url}/interaction/${interaction}/login`, { email: ALICE.email, password: ALICE.password, csrf: 'x' })
    expect(res.status).toBe(400)
    expect(browser.cookies.has('latch_session')).toBe(false)
  })

  it('a connection that is unknown or disabled cannot be started', async () => {
    const browser = new Browser(above.url)
    const page = await browser.open(webRequest(above.url).url)
    const interaction = /interaction=([0-9a-f-]{36})/.exec(page.html)![1]
    for (const id of ['off', 'nope', '..%2F']) {
      const res = await browser.fetch(`${above.url}/connections/${id}/start?interaction=${interaction}`)
      expect(res.status, id).toBeGreaterThanOrEqual(400)
      expect(res.status, id).toBeLessThan(500)
    }
  })
})
