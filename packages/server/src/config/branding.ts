/**
 * Issue 11: resolves a tenant's or an organization's branding and a tenant's message overrides,
 * as the config loader, the CLI (`latch orgs … --branding FILE`) and the tenant runtime each do
 * for their own entries: pure functions of the entry and where its files are, throwing a
 * `ConfigError` naming the key (`organizations[2].branding.logo_url`) for anything wrong.
 * - colours are `#rrggbb`;
 * - URLs are https, or root-relative (`/brand/logo.svg`, on the issuer's origin), or http on a
 *   loopback host (development); never `javascript:`, `data:` or with credentials;
 * - `css_file` is read now, relative to `baseDir` (the config file's directory), at most
 *   `MAX_CSS_BYTES` of UTF-8, and kept as text (`css`), served at `{issuer}/branding.css`;
 * - message overrides name a shipped language and a key of the English catalogue, and write the
 *   same placeholders as the original (`interaction/views/message-overrides.ts`).
 * `contrastWarnings` words the WCAG AA shortfalls of the colours, logged once at start.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { isLoopbackHost } from '../lib/loopback-host.js'
import { contrastProblems, type Branding } from '../interaction/views/branding.js'
import { isLocale, LOCALES } from '../interaction/views/locales.js'
import { overrideProblem, type MessageOverrides } from '../interaction/views/message-overrides.js'
import type { BrandingConfig, MessagesConfig } from './schema.js'

/** The largest custom stylesheet, bytes: a page's look, not an application. */
export const MAX_CSS_BYTES = 64 * 1024

const COLOUR = /^#[0-9a-fA-F]{6}$/
const URL_KEYS = ['logo_url', 'favicon_url', 'support_url', 'terms_url', 'privacy_url'] as const

/** Why `value` cannot be a branding URL, or null. */
export function brandingUrlProblem(value: string): string | null {
  // Whitespace, controls and backslashes are read differently by browsers and by URL parsers.
  if (/[\s\\\u0000-\u001f\u007f]/.test(value)) return 'must not contain spaces, control characters or backslashes'
  if (value.startsWith('/')) return value.startsWith('//') ? 'must be https:// or start with a single / (root-relative)' : null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an https:// URL or a root-relative path (/…)'
  }
  if (url.username || url.password) return 'must not carry credentials'
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL or a root-relative path (/…)'
  // The host goes into the pages' CSP: a name like `a;sandbox` (which URL parsers accept) would add a directive.
  if (!/^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) return 'must have a DNS name or an IP address as its host'
  if (url.protocol === 'https:' || isLoopbackHost(url.hostname)) return null
  return 'must use https (http only on a loopback host, for development)'
}

function readStylesheet(file: string, baseDir: string, key: string): string {
  const path = resolve(baseDir, file)
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  if (bytes.byteLength > MAX_CSS_BYTES) throw new ConfigError(key, `${path} is ${bytes.byteLength} bytes; a branding stylesheet is at most ${MAX_CSS_BYTES}`)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ConfigError(key, `${path} is not UTF-8 text`)
  }
}

/**
 * `input` checked and resolved: the stylesheet read into `css`. `key` is where the entry sits in
 * its file (`branding`, `organizations[0].branding`); `baseDir` is what `css_file` is relative to.
 */
export function resolveBranding(input: BrandingConfig | undefined, options: { key: string; baseDir: string }): Branding {
  const { key, baseDir } = options
  const out: Branding = {}
  if (input === undefined) return out
  if (input.product_name !== undefined) {
    if (input.product_name.trim() === '') throw new ConfigError(`${key}.product_name`, 'must not be blank')
    out.product_name = input.product_name
  }
  for (const name of ['primary_color', 'background_color'] as const) {
    const value = input[name]
    if (value === undefined) continue
    if (!COLOUR.test(value)) throw new ConfigError(`${key}.${name}`, `must be a colour as #rrggbb, got ${JSON.stringify(value)}`)
    out[name] = value.toLowerCase()
  }
  for (const name of URL_KEYS) {
    const value = input[name]
    if (value === undefined) continue
    const problem = brandingUrlProblem(value)
    if (problem !== null) throw new ConfigError(`${key}.${name}`, `${problem}, got ${JSON.stringify(value)}`)
    out[name] = value
  }
  if (input.css_file !== undefined) out.css = readStylesheet(input.css_file, baseDir, `${key}.css_file`)
  return out
}

/** `input` checked: each language shipped, each key the catalogue's, each text with the original's placeholders. */
export function resolveMessages(input: MessagesConfig | undefined, key = 'messages'): MessageOverrides {
  const out: Record<string, Record<string, string>> = {}
  for (const [language, texts] of Object.entries(input ?? {})) {
    if (!isLocale(language)) throw new ConfigError(`${key}.${language}`, `is not a language the pages are shipped in (${LOCALES.join(', ')})`)
    for (const [message, text] of Object.entries(texts)) {
      const problem = overrideProblem(message, text)
      if (problem !== null) throw new ConfigError(`${key}.${language}.${message}`, problem)
    }
    out[language] = { ...texts }
  }
  return out
}

/** One warning per colour pair of `branding` below WCAG AA, naming `key` (and `who`, an organization or tenant, when given). */
export function contrastWarnings(branding: Branding, key: string, who?: string): string[] {
  return contrastProblems(branding).map(
    (p) =>
      `${key}.${p.key}${who === undefined ? '' : ` (${who})`}: ${p.foreground} on ${p.background} (${p.use}) has a contrast of ${p.ratio}:1, below the ${p.minimum}:1 of WCAG 2.2 AA; people with low vision may not read it`,
  )
}
