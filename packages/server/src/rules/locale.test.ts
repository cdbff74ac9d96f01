import { describe, expect, it } from 'vitest'
import { matchAcceptLanguage, MAX_LANGUAGE_INPUT_LENGTH, MAX_LANGUAGE_TAGS, negotiateLocale, parseUiLocales } from './locale.js'

const SUPPORTED = ['en', 'de', 'fr', 'es', 'ja', 'ar'] as const

describe('ui_locales', () => {
  it('OIDC Core §3.1.2.1: space-separated BCP 47 tags in preference order, matched by primary language subtag', () => {
    expect(parseUiLocales('fr-CA de en', SUPPORTED)).toEqual(['fr', 'de', 'en'])
    expect(parseUiLocales('DE-at', SUPPORTED)).toEqual(['de'])
    expect(parseUiLocales('de de-CH  de-AT', SUPPORTED)).toEqual(['de'])
  })

  it('OIDC Core §3.1.2.1: unsupported and malformed values are ignored, not an error', () => {
    expect(parseUiLocales('tlh sv-SE', SUPPORTED)).toEqual([])
    expect(parseUiLocales('x_y 123 -de <de> ja', SUPPORTED)).toEqual(['ja'])
    expect(parseUiLocales('', SUPPORTED)).toEqual([])
    expect(parseUiLocales(undefined, SUPPORTED)).toEqual([])
  })

  it('OIDC Core §3.1.2.1: an oversized value is ignored whole, and only the first tags are read', () => {
    expect(parseUiLocales(`de ${'x'.repeat(MAX_LANGUAGE_INPUT_LENGTH)}`, SUPPORTED)).toEqual([])
    expect(parseUiLocales(`${'sv '.repeat(MAX_LANGUAGE_TAGS)}de`, SUPPORTED)).toEqual([])
  })
})

describe('Accept-Language', () => {
  it('RFC 9110 §12.5.4: the highest q wins; header order breaks ties; a region matches its language', () => {
    expect(matchAcceptLanguage('de-AT', SUPPORTED)).toBe('de')
    expect(matchAcceptLanguage('fr;q=0.5, ja;q=0.9, de;q=0.7', SUPPORTED)).toBe('ja')
    expect(matchAcceptLanguage('es, fr', SUPPORTED)).toBe('es')
    expect(matchAcceptLanguage('sv-SE, nl;q=0.9, ar;q=0.1', SUPPORTED)).toBe('ar')
    expect(matchAcceptLanguage('ja ; q = 0.8 , de;q=0.3', SUPPORTED)).toBe('ja')
  })

  it('RFC 9110 §12.5.4: q=0 means "not acceptable", also for what * stands for', () => {
    expect(matchAcceptLanguage('de;q=0, fr;q=0.2', SUPPORTED)).toBe('fr')
    expect(matchAcceptLanguage('de;q=0', SUPPORTED)).toBeUndefined()
    expect(matchAcceptLanguage('en;q=0, *', SUPPORTED)).toBe('de')
    expect(matchAcceptLanguage('*;q=0', SUPPORTED)).toBeUndefined()
    // Refusing one region says nothing about the language.
    expect(matchAcceptLanguage('de-AT;q=0, de-DE', SUPPORTED)).toBe('de')
  })

  it('RFC 9110 §12.5.4: * matches any language, after the ranges weighted higher', () => {
    expect(matchAcceptLanguage('*', SUPPORTED)).toBe('en')
    expect(matchAcceptLanguage('sv, *;q=0.1, ar;q=0.5', SUPPORTED)).toBe('ar')
  })

  it('RFC 9110 §12.5.4: malformed ranges and weights are skipped, never an error', () => {
    expect(matchAcceptLanguage('de;q=2, fr;q=abc, es;q=0.5', SUPPORTED)).toBe('es')
    expect(matchAcceptLanguage('de;q=0.1234, ja', SUPPORTED)).toBe('ja')
    expect(matchAcceptLanguage(',,;;==, <script>, ja_JP', SUPPORTED)).toBeUndefined()
    expect(matchAcceptLanguage('', SUPPORTED)).toBeUndefined()
    expect(matchAcceptLanguage('\u0000de', SUPPORTED)).toBeUndefined()
  })

  it('RFC 9110 §12.5.4: an oversized header is ignored whole, and only the first ranges are read', () => {
    expect(matchAcceptLanguage(`de, ${'x'.repeat(MAX_LANGUAGE_INPUT_LENGTH)}`, SUPPORTED)).toBeUndefined()
    expect(matchAcceptLanguage(`${'sv, '.repeat(MAX_LANGUAGE_TAGS)}de`, SUPPORTED)).toBeUndefined()
    // Linear in the (bounded) input: a worst case returns at once.
    const started = performance.now()
    matchAcceptLanguage(`${'a-'.repeat(MAX_LANGUAGE_INPUT_LENGTH / 2 - 1)}a`, SUPPORTED)
    expect(performance.now() - started).toBeLessThan(50)
  })
})

describe('the page language', () => {
  it('OIDC Core §3.1.2.1 before RFC 9110 §12.5.4: ui_locales first, then Accept-Language, then the default', () => {
    expect(negotiateLocale({ uiLocales: ['ja'], acceptLanguage: 'de' }, SUPPORTED, 'en')).toBe('ja')
    expect(negotiateLocale({ uiLocales: [], acceptLanguage: 'de' }, SUPPORTED, 'en')).toBe('de')
    expect(negotiateLocale({ uiLocales: ['sv'], acceptLanguage: 'sv' }, SUPPORTED, 'en')).toBe('en')
    expect(negotiateLocale({}, SUPPORTED, 'en')).toBe('en')
  })
})
