/**
 * Security review L5: on an https issuer without `mail.smtp_url`, the development mailer would
 * hand reset links and verification codes to the console and `./data/mail`, not to people: the
 * features that mail are off (no links on the sign-in page, their routes a clear 404 page) unless
 * the operator opts in with `mail.development: true`. Real HTTP: the server's issuer is https, and
 * the test's dispatcher speaks plain HTTP to its port (as a TLS-terminating proxy would).
 */
import { connect } from 'node:net'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mailAvailable } from '../../src/mail/availability.js'
import { Browser, formOf, isLoginPage, type Page } from '../browser.js'
import { freePort, startServer, type TestServer } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'

let s: TestServer
let issuer: string
let agent: Agent

beforeAll(async () => {
  const port = await freePort()
  issuer = `https://127.0.0.1:${port}`
  agent = new Agent({
    connect: (_options, callback) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => callback(null, socket))
      socket.once('error', (err) => callback(err, null))
    },
  })
  s = await startServer({ issuer, sign_up: { enabled: true } }, { port })
}, 60_000)

afterAll(async () => {
  await s?.close()
  await agent?.close()
})

async function signInPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser(issuer, { dispatcher: agent })
  const page = await browser.open(webAuthorizeUrl(issuer))
  expect(isLoginPage(page)).toBe(true)
  return { browser, page }
}

describe('mail features need a way to mail people (security review L5)', () => {
  it('https issuer, no mail.smtp_url: no "Create account" nor "Forgot password?" link, and their routes (and Send again) answer a 404 page; nothing is mailed', async () => {
    const { browser, page } = await signInPage()
    expect(page.html).not.toContain('Create account')
    expect(page.html).not.toContain('Forgot password?')
    const interaction = new URL(page.url).pathname
    for (const path of ['signup', 'forgot']) {
      const answer = await browser.open(`${issuer}${interaction}/${path}`)
      expect(answer.status, path).toBe(404)
      expect(answer.html, path).toMatch(/Creating an account is not offered here\.|Resetting a password by email is not offered here\./)
    }
    const csrf = formOf(page).fields.csrf!
    for (const [path, fields] of [['signup', { email: 'nia@example.net', password: 'copper-violet-spoon' }], ['forgot', { email: 'alice@example.com' }], ['signup/resend', { email: 'alice@example.com' }]] as const) {
      const res = await browser.postForm(`${issuer}${interaction}/${path}`, { csrf, ...fields })
      expect(res.status, path).toBe(404)
    }
    await s.server.ctx.background.settled()
    expect(await s.server.ctx.store.users.getByEmail('nia@example.net')).toBeNull()
  })

  it('mail.development: true opts in (a local https setup); SMTP or an http issuer need nothing', () => {
    const mail = { smtp_url: null, development: false }
    expect(mailAvailable({ issuer: 'https://login.example.com', mail: { ...s.server.ctx.config.mail, ...mail } })).toBe(false)
    expect(mailAvailable({ issuer: 'https://login.example.com', mail: { ...s.server.ctx.config.mail, ...mail, development: true } })).toBe(true)
    expect(mailAvailable({ issuer: 'https://login.example.com', mail: { ...s.server.ctx.config.mail, ...mail, smtp_url: 'smtp://mail.example.com' } })).toBe(true)
    expect(mailAvailable({ issuer: 'http://localhost:9000', mail: { ...s.server.ctx.config.mail, ...mail } })).toBe(true)
  })
})
