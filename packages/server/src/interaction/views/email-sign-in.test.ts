import { describe, expect, it } from 'vitest'
import { loginPage } from './login.js'

const base = { action: 'https://op.test/interaction/i/login', csrf: 'c'.repeat(43), clientName: 'App' }
const email = { action: 'https://op.test/interaction/i/email', link: true, code: true }

const forms = (html: string) => [...html.matchAll(/<form\b[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({ action: m[1], body: m[2]! }))
const submitButtons = (body: string) => [...body.matchAll(/<button type="submit"([^>]*)>([^<]+)<\/button>/g)].map((m) => m[2])

describe('the sign-in page with passwordless email (issue 13)', () => {
  it('off (the default): the sign-in form has its one button', () => {
    const [form] = forms(loginPage(base))
    expect(submitButtons(form!.body)).toEqual(['Sign in'])
    expect(forms(loginPage({ ...base, emailSignIn: { ...email, link: false, code: false } }))[0]!.body).not.toContain('formaction')
  })

  it('on: both ways are buttons of the same form after Sign in (still the default button), posting elsewhere without the browser\'s validation', () => {
    const [form, ...more] = forms(loginPage({ ...base, emailSignIn: email }))
    expect(more).toEqual([])
    expect(submitButtons(form!.body)).toEqual(['Sign in', 'Email me a sign-in link', 'Email me a code'])
    expect(form!.body).toContain('formaction="https://op.test/interaction/i/email" formnovalidate name="method" value="magic_link"')
    expect(form!.body).toContain('formaction="https://op.test/interaction/i/email" formnovalidate name="method" value="email_code"')
  })

  it('issue 12 `sign_in.password: false`: a form with the email field and the email buttons only', () => {
    const [form, ...more] = forms(loginPage({ ...base, password: false, emailSignIn: { ...email, code: false } }))
    expect(more).toEqual([])
    expect(form!.action).toBe('https://op.test/interaction/i/email')
    expect(form!.body).toContain('autocomplete="username" required autofocus')
    expect(form!.body).not.toContain('type="password"')
    expect(submitButtons(form!.body)).toEqual(['Email me a sign-in link'])
    expect(forms(loginPage({ ...base, password: false }))).toEqual([])
  })
})
