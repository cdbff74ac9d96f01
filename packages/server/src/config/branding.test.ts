/**
 * Issue 11: the branding and message overrides of the config file, checked at load: every
 * violation is a `ConfigError` naming the key, the stylesheet is read relative to the config file
 * and bounded, and colours below WCAG 2.2 AA give one warning per pair naming the key, the colours
 * and the ratio.
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configError } from '../../test/support/config-error.js'
import type { ConfigError } from '../errors.js'
import { brandingUrlProblem, contrastWarnings, MAX_CSS_BYTES, resolveBranding, resolveMessages } from './branding.js'
import { loadConfig } from './load.js'

/** `fn` throws a ConfigError naming `key`, with a message matching `message`. */
function expectConfigError(fn: () => unknown, key: string, message: RegExp): ConfigError {
  const err = configError(fn)
  expect(err.key).toBe(key)
  expect(err.message).toMatch(message)
  return err
}

const env = { LATCH_SECRET: 'branding-test-secret-0123456789abcdef0123' }

function configDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-branding-'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

describe('branding (issue 11)', () => {
  it('issue 11: every key is optional; the defaults are the built-in look with no overrides', () => {
    const { config } = loadConfig({ env })
    expect(config.branding).toEqual({})
    expect(config.messages).toEqual({})
  })

  it('issue 11: css_file is read relative to the config file and kept as text; colours are lower-cased', () => {
    const dir = configDir({
      'latch.yaml': 'branding:\n  product_name: Acme ID\n  primary_color: "#0F766E"\n  css_file: brand/acme.css\n  logo_url: /brand/logo.svg\n  support_url: https://help.acme.example/\n',
    })
    const brand = join(dir, 'brand')
    mkdirSync(brand)
    writeFileSync(join(brand, 'acme.css'), 'main{border-top:4px solid #0f766e}')
    const { config } = loadConfig({ file: join(dir, 'latch.yaml'), env, cwd: tmpdir() })
    expect(config.branding).toEqual({
      product_name: 'Acme ID',
      primary_color: '#0f766e',
      css: 'main{border-top:4px solid #0f766e}',
      logo_url: '/brand/logo.svg',
      support_url: 'https://help.acme.example/',
    })
    expect(Object.isFrozen(config.branding)).toBe(true)
  })

  it('issue 11: a stylesheet over 64 KiB, missing, or not UTF-8 is a ConfigError naming branding.css_file', () => {
    const dir = configDir({ 'big.css': Buffer.alloc(MAX_CSS_BYTES + 1, 0x61), 'ok.css': Buffer.alloc(MAX_CSS_BYTES, 0x61), 'bin.css': Buffer.from([0xff, 0xfe, 0x00]) })
    expectConfigError(() => resolveBranding({ css_file: 'big.css' }, { key: 'branding', baseDir: dir }), 'branding.css_file', /65537 bytes; a branding stylesheet is at most 65536/)
    expect(resolveBranding({ css_file: 'ok.css' }, { key: 'branding', baseDir: dir }).css).toHaveLength(MAX_CSS_BYTES)
    expectConfigError(() => resolveBranding({ css_file: 'gone.css' }, { key: 'branding', baseDir: dir }), 'branding.css_file', /cannot read .*gone\.css: ENOENT/)
    expectConfigError(() => resolveBranding({ css_file: 'bin.css' }, { key: 'branding', baseDir: dir }), 'branding.css_file', /not UTF-8/)
  })

  it('issue 11: colours must be #rrggbb, and an unknown branding key is refused', () => {
    for (const colour of ['red', '#fff', '#12345g', 'rgb(0,0,0)', '#1234567']) {
      expectConfigError(() => loadConfig({ config: { branding: { primary_color: colour } }, env }), 'branding.primary_color', /must be a colour as #rrggbb/)
    }
    expectConfigError(() => loadConfig({ config: { branding: { background_color: 'navy' } }, env }), 'branding.background_color', /#rrggbb/)
    expectConfigError(() => loadConfig({ config: { branding: { primary_colour: '#000000' } }, env }), 'branding.primary_colour', /not a known key/)
  })

  it('issue 11: URLs are https, root-relative, or http on a loopback host; never javascript:, data:, protocol-relative or with credentials', () => {
    for (const ok of ['https://cdn.example/logo.svg', '/brand/logo.svg', 'http://localhost:8080/x.png', 'http://127.0.0.1/x.png', 'http://[::1]:3000/x']) expect(brandingUrlProblem(ok), ok).toBeNull()
    for (const bad of ['http://cdn.example/logo.svg', 'javascript:alert(1)', 'data:image/png;base64,AAAA', '//cdn.example/x', 'https://user:pw@cdn.example/x', 'logo.svg', '/a b', '/\\evil.example', 'ftp://x.example/a', 'https://a;sandbox/x.png', "https://a'b.example/x", 'https://a,b.example/x']) {
      expect(brandingUrlProblem(bad), bad).not.toBeNull()
    }
    expectConfigError(() => loadConfig({ config: { branding: { terms_url: 'http://example.com/terms' } }, env }), 'branding.terms_url', /must use https/)
    expectConfigError(
      () => loadConfig({ config: { organizations: [{ id: 'acme', name: 'Acme', branding: { logo_url: 'javascript:alert(1)' } }] }, env }),
      'organizations[0].branding.logo_url',
      /https:\/\/ URL or a root-relative path/,
    )
  })

  it('issue 11: organizations[].branding is resolved with its stylesheet, relative to the config file', () => {
    const dir = configDir({ 'latch.yaml': 'organizations:\n  - id: acme\n    name: Acme\n    branding: { product_name: Acme, css_file: acme.css }\n  - id: globex\n    name: Globex\n', 'acme.css': 'h1{color:#123456}' })
    const { config } = loadConfig({ file: join(dir, 'latch.yaml'), env })
    expect(config.organizations.map((o) => o.branding)).toEqual([{ product_name: 'Acme', css: 'h1{color:#123456}' }, {}])
  })
})

describe('message overrides (issue 11)', () => {
  it('issue 11: overrides per shipped language and catalogue key are kept as given', () => {
    const { config } = loadConfig({ config: { messages: { de: { 'login.title': 'Bei Acme anmelden', 'consent.heading': '{app} möchte Zugriff' }, en: { 'signOut.question': 'Leave {product}?' } } }, env })
    expect(config.messages).toEqual({ de: { 'login.title': 'Bei Acme anmelden', 'consent.heading': '{app} möchte Zugriff' }, en: { 'signOut.question': 'Leave {product}?' } })
  })

  it('issue 11: an unshipped language, an unknown key, a foreign or missing placeholder, or an empty text is a ConfigError naming the key', () => {
    expectConfigError(() => resolveMessages({ nl: { 'login.title': 'Inloggen' } }), 'messages.nl', /not a language the pages are shipped in \(en, de, fr, es, ja, ar\)/)
    expectConfigError(() => resolveMessages({ en: { 'login.titel': 'Sign in' } }), 'messages.en.login.titel', /not a message key/)
    expectConfigError(() => resolveMessages({ en: { login: 'Sign in' } }), 'messages.en.login', /not a message key/)
    expectConfigError(() => resolveMessages({ en: { 'login.title': 'Sign in to {app}' } }), 'messages.en.login.title', /writes \{app\}, which is not a placeholder of this message \(it has none besides \{product\}\)/)
    expectConfigError(() => resolveMessages({ fr: { 'consent.heading': 'Une application veut accéder' } }), 'messages.fr.consent.heading', /must write the placeholder \{app\}/)
    expectConfigError(() => resolveMessages({ es: { 'login.throttled': 'Espere {minutes}' } }), 'messages.es.login.throttled', /writes \{minutes\}.*it has \{seconds\}/)
    expectConfigError(() => resolveMessages({ ja: { 'signOut.questionAs': '{email} {email}' } }), 'messages.ja.signOut.questionAs', /exactly once/)
    expectConfigError(() => resolveMessages({ ar: { 'login.submit': '  ' } }), 'messages.ar.login.submit', /must not be empty/)
  })
})

describe('contrast warnings (issue 11, WCAG 2.2 AA)', () => {
  it('WCAG 2.2 §1.4.3, §1.4.11: a configured colour drawn below AA gives one warning per pair, naming the key, the colours and the ratio', () => {
    const yellow = contrastWarnings({ primary_color: '#ffd400' }, 'branding')
    expect(yellow).toEqual([
      expect.stringMatching(/^branding\.primary_color: #ffd400 on #ffffff \(links on the card\) has a contrast of 1\.4\d:1, below the 4\.5:1 of WCAG 2\.2 AA/),
      expect.stringMatching(/^branding\.primary_color: #ffd400 on #f4f5f7 \(the focus ring on the page background\) has a contrast of 1\.3\d:1, below the 3:1/),
    ])
    // Dark text goes on the yellow buttons, so the button text itself passes.
    expect(yellow.join('\n')).not.toContain('button text')
    expect(contrastWarnings({ primary_color: '#0f766e', background_color: '#12263a' }, 'branding')).toEqual([
      expect.stringMatching(/^branding\.primary_color: #0f766e on #12263a \(the focus ring on the page background\) has a contrast of 2\.\d+:1, below the 3:1/),
    ])
    // Mid grey: neither white nor the text colour reaches 4.5:1 on it, and the built-in focus ring is lost on it.
    expect(contrastWarnings({ background_color: '#777777' }, 'tenants[0].branding', 'tenant acme')).toEqual([
      expect.stringMatching(/^tenants\[0\]\.branding\.background_color \(tenant acme\): #2453d4 on #777777 \(the focus ring on the page background\) has a contrast of 1\.43:1, below the 3:1/),
      expect.stringMatching(/^tenants\[0\]\.branding\.background_color \(tenant acme\): #ffffff on #777777 \(header and footer text\) has a contrast of 4\.47:1, below the 4\.5:1/),
    ])
    expect(contrastWarnings({ primary_color: '#2453d4' }, 'branding')).toEqual([])
    expect(contrastWarnings({}, 'branding')).toEqual([])
  })

  it('issue 11: the loader returns the warnings (logged once at start), an organization\'s judged over its tenant\'s colours', () => {
    const { warnings } = loadConfig({
      config: {
        branding: { primary_color: '#ffd400' },
        organizations: [
          { id: 'acme', name: 'Acme', branding: { background_color: '#ffffff' } },
          { id: 'globex', name: 'Globex', branding: { product_name: 'Globex' } },
        ],
      },
      env,
    })
    const contrast = warnings.filter((w) => w.includes('WCAG'))
    expect(contrast.filter((w) => w.startsWith('branding.'))).toHaveLength(2)
    expect(contrast.filter((w) => w.startsWith('organizations[0].branding.primary_color (organization acme): #ffd400 on #ffffff'))).toHaveLength(2)
    expect(contrast.filter((w) => w.includes('globex'))).toEqual([])
  })
})
