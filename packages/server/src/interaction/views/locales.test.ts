import { describe, expect, it } from 'vitest'
import { OAUTH_ERRORS, type OAuthErrorCode } from '../../errors.js'
import { consentPage, describeScopes } from './consent.js'
import { deviceCodePage, deviceConnectedPage, deviceDeniedPage } from './device-code.js'
import { oauthErrorPage } from './error.js'
import { homePage } from './home.js'
import { errorPage } from './layout.js'
import { directionOf, LOCALES, messagesFor, type Locale } from './locales.js'
import { loginPage } from './login.js'
import { MESSAGES, type Messages } from './messages.js'
import { notMemberPage, organizationPickerPage } from './organization.js'
import { connectionRedirectPage, identifyPage } from './identify.js'
import { accountPage, notSignedInPage } from './account.js'
import { appsSection } from './account-apps.js'
import { linkedSection } from './account-linked.js'
import { passwordSection } from './account-password.js'
import { profileSection } from './account-profile.js'
import { sessionsSection } from './account-sessions.js'

/** Issue 13: every section of the account page, with (`full`) or without its optional parts. */
function accountSections(locale: Locale, full: boolean) {
  const m = messagesFor(locale)
  const a = m.account
  const alert = full ? { text: a.nameInvalid } : undefined
  return [
    profileSection({ email: 'alice@example.com', name: 'Alice', givenName: '', familyName: 'Liddell', action: '/account/profile', csrf: 'c', alert }, a),
    passwordSection({ hasPassword: full, minLength: 8, email: 'alice@example.com', action: '/account/password', csrf: 'c', alert: full ? { text: m.login.throttled(61) } : undefined }, a),
    linkedSection({
      csrf: 'c', unlinkAction: '/account/unlink',
      identities: full ? [{ connectionId: 'github', name: 'GitHub', email: 'alice@github.example', linkedAt: 1_700_000_000 }] : [],
      linkable: full ? [{ name: 'Google', type: 'google', href: '/connections/google/start?purpose=link&csrf=c' }] : [],
    }, a),
    sessionsSection({
      action: '/account/sessions/end', csrf: 'c',
      sessions: [
        { id: 's1', createdAt: 1_700_000_000, amr: ['pwd', 'otp', 'mfa'], userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', current: true },
        ...(full ? [{ id: 's2', createdAt: 1_700_000_000, amr: ['hwk', 'user', 'mfa'], userAgent: null, current: false }, { id: 's3', createdAt: 1_700_000_000, amr: ['fed'], userAgent: 'Chrome/1', current: false }] : []),
      ],
    }, a),
    appsSection({
      action: '/account/apps/revoke', csrf: 'c',
      apps: full ? [{ clientId: 'demo', name: 'Demo App', since: 1_700_000_000, access: [{ api: null, scopes: ['x'] }, { api: 'Demo API', scopes: ['y'] }] }] : [],
    }, a, m.consent.forApi),
  ]
}

/** Every page of `locale`, with every optional part shown. */
function everyPage(locale: Locale): string[] {
  const m = messagesFor(locale)
  const common = { action: '/interaction/x', csrf: 'c', clientName: 'Demo App', userEmail: 'alice@example.com' }
  const orgs = [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }]
  return [
    loginPage({ ...common, email: 'alice@example.com', error: m.login.throttled(61) }, locale),
    // Issue 12: connection buttons, a notice, the form below them; and no form at all.
    loginPage({ ...common, connections: [{ name: 'Google', type: 'google', href: '/connections/google/start?interaction=x' }], notice: m.login.noticeUnavailable('Google'), position: 'below' }, locale),
    loginPage({ ...common, connections: [{ name: 'Corp', type: 'oidc', href: '/connections/corp/start?interaction=x' }], notice: m.login.accountUnusable, password: false }, locale),
    loginPage({ ...common, notice: m.login.noticeCancelled('Corp') + m.login.noticeFailed('Corp') }, locale),
    consentPage({
      ...common,
      scopes: describeScopes(['openid', 'profile', 'email', 'phone', 'address', 'offline_access'], [], {}, locale),
      resource: { identifier: 'https://api.example', name: 'Demo API' },
      deviceNotice: true,
      userCode: 'BCDF-GHJK',
      organization: orgs[0],
      grantedScope: 'openid',
      notGranted: Array.from({ length: 12 }, (_, i) => `read:organization:o${i}`),
    }, locale),
    organizationPickerPage({ ...common, organizations: orgs, truncated: true, notMember: true, error: m.organization.chooseOne }, locale),
    notMemberPage({ ...common, required: true, error: m.organization.notMemberOfChoice }, locale),
    notMemberPage({ ...common, required: false }, locale),
    deviceCodePage('/device', 'c', 'BCDFGHJK', m.device.tooManyAttempts(120), true, locale),
    deviceCodePage('/device', 'c', '', m.device.invalidCode, false, locale),
    deviceConnectedPage('TV', locale),
    deviceDeniedPage('TV', locale),
    // Issue 12: home-realm discovery, required SSO, the account page.
    identifyPage({ ...common, email: 'alice@acme.example', error: m.homeRealm.invalidEmail, connections: [{ name: 'GitHub', type: 'github', href: '/connections/github/start' }] }, locale),
    connectionRedirectPage({ organizationName: 'Acme', connectionName: 'Acme SSO', location: 'https://id.example/connections/acme/start?interaction=x' }, locale),
    loginPage({ ...common, error: m.homeRealm.connectionRequired, requiredConnection: { name: 'Acme SSO', href: '/connections/acme/start' } }, locale),
    ...(['unlinked', 'last_method', 'linked', 'profile_saved', 'password_changed', 'session_ended', 'app_revoked', 'app_not_found'] as const).map((notice) => accountPage({
      email: 'alice@example.com', csrf: 'c', signOutAction: '/logout', notice, sections: accountSections(locale, true),
    }, locale)),
    accountPage({ email: 'alice@example.com', csrf: 'c', signOutAction: '/logout', sections: accountSections(locale, false) }, locale),
    notSignedInPage({ signInAction: '/account/sign-in', csrf: 'c' }, locale),
    homePage({ issuer: 'https://id.example', discoveryUrl: 'https://id.example/.well-known/openid-configuration' }, locale),
    errorPage(m.device.expiredTitle, m.device.expiredMessage, undefined, locale),
    ...(Object.keys(OAUTH_ERRORS) as OAuthErrorCode[]).map((code) =>
      oauthErrorPage({ code, description: 'the request is malformed', wayBack: { href: '/', label: m.errorPage.goHome('id.example') } }, locale)),
  ]
}

/** Every text of a catalogue, functions called with sample arguments. */
function texts(node: unknown): string[] {
  if (typeof node === 'string') return [node]
  if (typeof node === 'function') return [1, 2, 5, 11, 90, 3600].map((n) => String((node as (a: unknown) => unknown)(n)))
  return Object.values(node as Record<string, unknown>).flatMap(texts)
}

describe('the message catalogues', () => {
  it('every language renders every page, in that language, with lang and dir on <html>', () => {
    for (const locale of LOCALES) {
      for (const page of everyPage(locale)) {
        expect(page, locale).toContain(`<html lang="${locale}" dir="${directionOf(locale)}">`)
        expect(page, locale).not.toMatch(/undefined|\[object |NaN/)
      }
    }
    expect(directionOf('ar')).toBe('rtl')
    expect(LOCALES.filter((l) => directionOf(l) === 'rtl')).toEqual(['ar'])
  })

  it('English stays the default, with the texts docs/architecture.md names as page contracts', () => {
    const login = loginPage({ action: '/a', csrf: 'c', clientName: 'App' })
    expect(login).toContain('<html lang="en" dir="ltr">')
    for (const label of ['>Email</label>', '>Password</label>', '>Sign in</button>']) expect(login).toContain(label)
    expect(messagesFor('en')).toBe(MESSAGES)
  })

  it('every translation has every text, non-empty, and differs from English where a person reads it', () => {
    const english = texts(MESSAGES)
    for (const locale of LOCALES.filter((l) => l !== 'en')) {
      const translated = texts(messagesFor(locale) satisfies Messages)
      expect(translated.length, locale).toBe(english.length)
      // Text around an inserted value may be empty where the language puts the value first
      // (Japanese: "<email> として…"), but never the whole sentence.
      const around = new Set(messagesFor(locale).signOut.questionAs)
      for (const t of translated) if (!around.has(t)) expect(t.trim().length, locale).toBeGreaterThan(0)
      expect(messagesFor(locale).signOut.questionAs.join('').trim().length, locale).toBeGreaterThan(0)
      // Product and protocol words (Latch, API, "Code") may stay; whole sentences may not.
      const same = translated.filter((t, i) => t === english[i] && t.split(' ').length > 3)
      expect(same, locale).toEqual([])
    }
  })

  it('the pages of a right-to-left language keep working: spacing uses logical properties', () => {
    const page = loginPage({ action: '/a', csrf: 'c', clientName: 'App' }, 'ar')
    expect(page).toContain('dir="rtl"')
    expect(page).toContain('تسجيل الدخول')
    expect(page).not.toMatch(/(?:padding|margin)-(?:left|right)|float:|text-align:(?:left|right)/)
  })
})
