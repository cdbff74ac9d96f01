import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: plain ESM script without types
import { defaultsSource, parseDefaults, renderConfigReference } from '../../../../scripts/config-docs.mjs'
import { validateConfigFile } from './load.js'

describe('config reference', () => {
  it('STYLE config: the README configuration reference is generated from defaults.ts and up to date', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
    expect(readme).toContain(renderConfigReference(defaultsSource()))
  })

  it('STYLE config: every defaulted config key is documented in defaults.ts', () => {
    const documented = new Set((parseDefaults(defaultsSource()) as { key: string }[]).map((e) => e.key))
    const resolved = validateConfigFile({}) as unknown as Record<string, unknown>
    const keys: string[] = []
    for (const [k, v] of Object.entries(resolved)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const sub of Object.keys(v)) keys.push(`${k}.${sub}`)
      else if (!Array.isArray(v)) keys.push(k)
    }
    for (const key of keys) expect(documented.has(key), key).toBe(true)
  })

  it('docs/architecture.md names every documented config key (the contract stays in step with defaults.ts)', () => {
    const architecture = readFileSync(new URL('../../../../docs/architecture.md', import.meta.url), 'utf8')
    for (const { key } of parseDefaults(defaultsSource()) as { key: string }[]) expect(architecture, key).toContain(`\`${key}\``)
  })
})
