/**
 * Issue 11: a tenant's own words, through `messagesFor(locale, wording)`: overrides replace single
 * texts of one language, parameterised texts keep their parameters (as `{placeholders}`), the
 * product's name replaces Latch's everywhere, and the shipped catalogues stay untouched.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_LOOK, type Look } from './branding.js'
import { page } from './layout.js'
import { LOCALES, messagesFor } from './locales.js'
import { loginPage } from './login.js'
import { MESSAGE_KEYS, overrideProblem } from './message-overrides.js'
import { MESSAGES, PLACEHOLDERS, PRODUCT } from './messages.js'
import { html } from './layout.js'

function look(product: string | undefined, messages: Look['messages']): Look {
  return { branding: product === undefined ? {} : { product_name: product }, messages }
}

/** Every text of a catalogue as [key, value], with functions and pairs as they are. */
function leaves(node: unknown, prefix = ''): [string, unknown][] {
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) =>
    typeof v === 'string' || typeof v === 'function' || Array.isArray(v) ? [[`${prefix}${k}`, v] as [string, unknown]] : leaves(v, `${prefix}${k}.`))
}

describe('message overrides (issue 11)', () => {
  it('issue 11: every parameterised text declares its placeholders, one per parameter that carries a value', () => {
    const parameterised = leaves(MESSAGES).filter(([, v]) => typeof v === 'function' || Array.isArray(v))
    expect(parameterised.map(([k]) => k).sort()).toEqual(Object.keys(PLACEHOLDERS).sort())
    for (const [key, value] of parameterised) {
      if (typeof value === 'function') expect(PLACEHOLDERS[key]?.length, key).toBeLessThanOrEqual(value.length)
    }
    expect(MESSAGE_KEYS.get('login.title')).toEqual([])
    expect(MESSAGE_KEYS.get('errors.access_denied.sentence')).toEqual([])
    expect(MESSAGE_KEYS.get('consent.heading')).toEqual(['app'])
    expect(overrideProblem('consent.heading', '{app} would like in')).toBeNull()
  })

  it('issue 11: every shipped catalogue names the product only as Latch, and only in the texts about the provider itself (issue 13: and the mails it sends)', () => {
    const mail = ['verifySubject', 'verifyLinkIntro', 'verifyCodeSubject', 'verifyCodeIntro', 'resetSubject', 'resetIntro', 'inviteSubject', 'inviteIntro', 'existsSubject', 'existsIntro', 'lockedSubject', 'lockedIntro'].map((k) => `mail.${k}`)
    // Issue 13, passwordless email: its mails name the product too.
    const passwordlessMail = ['Link', 'Code', 'Change', 'Taken', 'Changed'].flatMap((k) => [`passwordless.mail${k}Subject`, `passwordless.mail${k}Intro`])
    for (const locale of LOCALES) {
      const naming = leaves(messagesFor(locale)).filter(([, v]) => (Array.isArray(v) ? v.join('') : String(v)).includes(PRODUCT)).map(([k]) => k)
      expect(naming, locale).toEqual(['signOut.question', 'signOut.questionAs', 'signOut.doneText', 'home.heading', ...mail, ...passwordlessMail])
    }
  })

  it('issue 11: an override replaces one text of one language; a parameterised one fills its placeholders', () => {
    const wording = look(undefined, { de: { 'login.title': 'Bei Acme anmelden', 'consent.heading': '{app} bittet um Zugriff', 'login.throttled': 'Bitte {seconds} s warten.' } })
    const de = messagesFor('de', wording)
    expect(de.login.title).toBe('Bei Acme anmelden')
    expect(de.consent.heading('Demo')).toBe('Demo bittet um Zugriff')
    expect(de.login.throttled(90)).toBe('Bitte 90 s warten.')
    expect(de.login.email).toBe(messagesFor('de').login.email)
    // Other languages, and the shipped catalogue itself, are untouched.
    expect(messagesFor('en', wording)).toBe(MESSAGES)
    expect(messagesFor('de').login.title).toBe('Anmelden')
    // Derived once per wording and language.
    expect(messagesFor('de', wording)).toBe(de)
  })

  it('issue 11: the product name replaces Latch in every language, in overrides too ({product})', () => {
    const wording = look('Acme ID', { en: { 'signOut.doneText': 'Bye from {product}.', 'signOut.questionAs': 'Leave {product} as {email}?' } })
    expect(messagesFor('en', wording).signOut.question).toBe('Do you want to sign out of Acme ID?')
    expect(messagesFor('en', wording).signOut.doneText).toBe('Bye from Acme ID.')
    expect(messagesFor('en', wording).signOut.questionAs).toEqual(['Leave Acme ID as ', '?'])
    expect(messagesFor('ja', wording).signOut.questionAs).toEqual(['', ' として Acme ID からサインアウトしますか？'])
    expect(messagesFor('fr', wording).home.heading).toBe('Fournisseur OpenID Acme ID')
  })

  it('issue 11: the page is titled and headed by the product, with the overrides in the page', () => {
    const wording: Look = { ...look('Acme ID', { en: { 'login.title': 'Sign in to Acme' } }), branding: { product_name: 'Acme ID', logo_url: 'https://cdn.acme.example/logo.svg' } }
    const login = loginPage({ action: '/a', csrf: 'c', clientName: 'App' }, 'en', wording)
    expect(login).toContain('<title>Sign in to Acme · Acme ID</title>')
    expect(login).toContain('<h1>Sign in to Acme</h1>')
    expect(login).toContain('<header class="brand"><img src="https://cdn.acme.example/logo.svg" alt="Acme ID"></header>')
    expect(loginPage({ action: '/a', csrf: 'c', clientName: 'App' })).toContain('<title>Sign in · Latch</title>')
    expect(page('T', html`x`, 'en', DEFAULT_LOOK)).toContain('<header class="brand"><span>Latch</span></header>')
  })

  it('issue 11: branding values are escaped into the page, and a colour that is not #rrggbb never reaches the CSS', () => {
    const hostile: Look = {
      branding: { product_name: '<script>x</script>', logo_url: '/l.svg" onerror="x', primary_color: 'red;}body{display:none', support_url: '/help?a=1&b="2"' },
      messages: {},
    }
    const out = page('T', html`x`, 'en', hostile)
    expect(out).not.toContain('<script>')
    expect(out).toContain('alt="&lt;script&gt;x&lt;/script&gt;"')
    expect(out).toContain('src="/l.svg&quot; onerror=&quot;x"')
    expect(out).not.toContain('display:none')
    expect(out).toContain('<a href="/help?a=1&amp;b=&quot;2&quot;">Support</a>')
  })
})
