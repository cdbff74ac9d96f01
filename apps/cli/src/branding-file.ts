/**
 * `--branding FILE` of `latch orgs create|update` (issue 11): a YAML or JSON mapping of the keys of
 * config `branding` (product_name, logo_url, favicon_url, primary_color, background_color,
 * css_file, support_url, terms_url, privacy_url), checked by the config loader as an
 * `organizations[].branding` entry of the file is. `css_file` is relative to FILE and is read now:
 * the database keeps the stylesheet's text, so the server never needs the file.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ConfigError, type Branding, type LatchConfig } from '@latch/server/admin'
import { validateWithLoader } from './context.js'
import { CliError, UsageError } from './errors.js'
import { inCwd } from './io.js'

const KEY = 'organizations[0].branding'

function readMapping(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(inCwd(file), 'utf8')
  } catch (err) {
    throw new CliError(`--branding: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (err) {
    throw new UsageError(`--branding ${file} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--branding ${file} must hold a mapping of branding keys (product_name, logo_url, primary_color, css_file, …)`)
  }
  const mapping = parsed as Record<string, unknown>
  if (typeof mapping.css_file === 'string') mapping.css_file = resolve(dirname(inCwd(file)), mapping.css_file)
  return mapping
}

/**
 * The organization `entry` with the branding of `file`, resolved as the server will show it, and
 * the loader's WCAG contrast warnings about it (judged over the tenant's own colours).
 */
export function brandingFromFile(config: LatchConfig, entry: Record<string, unknown>, file: string): { branding: Branding; warnings: string[] } {
  let loaded
  try {
    loaded = validateWithLoader(config, { organizations: [{ ...entry, branding: readMapping(file) }] })
  } catch (err) {
    if (err instanceof ConfigError && err.key.startsWith(KEY)) {
      const prefix = `config: ${err.key} `
      const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message
      const key = err.key === KEY ? '' : ` ${err.key.slice(KEY.length + 1)}`
      throw new UsageError(`--branding ${file}:${key} ${detail}`)
    }
    throw err
  }
  const branding = loaded.config.organizations[0]?.branding ?? {}
  return { branding, warnings: loaded.warnings.filter((w) => w.startsWith(KEY)).map((w) => w.replace(`${KEY}.`, 'branding.')) }
}
