/**
 * WCAG 2.2 AA colour contrast of the pages, computed from the page CSS itself (`PAGE_CSS`), so a
 * colour change that breaks it fails here: text ≥ 4.5:1 (§1.4.3), component boundaries and the
 * focus indicator ≥ 3:1 (§1.4.11), and a visible focus ring for keyboard users (§2.4.7).
 * Contrast is the WCAG ratio of relative luminances, (L1 + 0.05) / (L2 + 0.05).
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @see https://www.w3.org/TR/WCAG22/#non-text-contrast
 * @see https://www.w3.org/TR/WCAG22/#dfn-relative-luminance
 */
import { describe, expect, it } from 'vitest'
import { contrast } from '../../lib/contrast.js'
import { PAGE_CSS } from './layout.js'

const HEX = /#[0-9a-f]{6}\b/i

interface Rule {
  selector: string
  decl: Record<string, string>
}

/** Flat rules (those inside @media included); later declarations of a property win, as in CSS. */
function parseRules(css: string): Rule[] {
  const rules: Rule[] = []
  for (const m of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const decl: Record<string, string> = {}
    for (const part of (m[2] ?? '').split(';')) {
      const i = part.indexOf(':')
      if (i > 0) decl[part.slice(0, i).trim()] = part.slice(i + 1).trim()
    }
    rules.push({ selector: (m[1] ?? '').trim(), decl })
  }
  return rules
}

function colourOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : HEX.exec(value)?.[0]?.toLowerCase()
}

const rules = parseRules(PAGE_CSS)
const rule = (selector: string) => rules.find((r) => r.selector === selector)
/** The surfaces everything sits on: the page background and the white card (main). */
const surfaces = [colourOf(rule('body')?.decl.background), colourOf(rule('main')?.decl.background)].filter((c): c is string => c !== undefined)
const ratio = (a: string, b: string) => Math.round(contrast(a, b) * 100) / 100

describe('page colours (WCAG 2.2 AA)', () => {
  it('the contrast formula gives the WCAG reference values', () => {
    expect(ratio('#000000', '#ffffff')).toBe(21)
    expect(ratio('#767676', '#ffffff')).toBe(4.54)
    expect(ratio('#ffffff', '#ffffff')).toBe(1)
  })

  it('the CSS names its colours as #rrggbb (so every one is checked below)', () => {
    expect(surfaces).toHaveLength(2)
    for (const r of rules) {
      for (const prop of ['color', 'background', 'background-color', 'border', 'border-color', 'outline', 'outline-color']) {
        const value = r.decl[prop]
        if (value === undefined || /^(0|none)$/.test(value)) continue
        expect(colourOf(value), `${r.selector} { ${prop}: ${value} }`).toBeDefined()
      }
    }
  })

  /** @see issue 8 */
  it('WCAG 2.2 §1.4.3: every text colour has at least 4.5:1 against the background it is drawn on', () => {
    const checked: string[] = []
    for (const r of rules) {
      const fg = colourOf(r.decl.color)
      if (!fg) continue
      const own = colourOf(r.decl.background ?? r.decl['background-color'])
      for (const bg of own ? [own] : surfaces) {
        expect(contrast(fg, bg), `${r.selector}: ${fg} on ${bg} is ${ratio(fg, bg)}:1`).toBeGreaterThanOrEqual(4.5)
        checked.push(`${fg}/${bg}`)
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(6)
  })

  /** @see issue 8 */
  it('WCAG 2.2 §1.4.11: input borders and button boundaries have at least 3:1 against their surroundings', () => {
    const controls = rules.filter((r) => /\b(input|button)\b|a\.button/.test(r.selector))
    expect(controls.length).toBeGreaterThanOrEqual(3)
    for (const r of controls) {
      const border = colourOf(r.decl.border ?? r.decl['border-color'])
      const fill = colourOf(r.decl.background ?? r.decl['background-color'])
      if (!border && !fill) continue
      for (const surface of surfaces) {
        const best = Math.max(border ? contrast(border, surface) : 1, fill ? contrast(fill, surface) : 1)
        expect(best, `${r.selector}: boundary (${border ?? '-'} / ${fill ?? '-'}) on ${surface}`).toBeGreaterThanOrEqual(3)
      }
    }
    // The text fields in particular: their border is their only boundary on the white card.
    const field = rules.find((r) => r.selector.includes('input[type=password]'))
    for (const surface of surfaces) expect(contrast(colourOf(field?.decl.border) ?? '#ffffff', surface)).toBeGreaterThanOrEqual(3)
  })

  /** @see issue 8 */
  it('WCAG 2.2 §2.4.7 + §1.4.11: keyboard focus shows a ring of at least 2px with 3:1 against the surfaces, never removed', () => {
    const focus = rules.find((r) => r.selector.includes(':focus-visible'))
    const outline = focus?.decl.outline ?? ''
    expect(outline).toMatch(/\bsolid\b/)
    expect(Number(/(\d+(?:\.\d+)?)px/.exec(outline)?.[1] ?? 0)).toBeGreaterThanOrEqual(2)
    const ring = colourOf(outline) ?? '#ffffff'
    for (const surface of surfaces) expect(contrast(ring, surface)).toBeGreaterThanOrEqual(3)
    for (const r of rules) expect(r.decl.outline ?? '', r.selector).not.toMatch(/^(none|0)$/)
  })
})
