import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { EVENT_DESCRIPTIONS, EVENT_NAMES, LatchEvents, type LatchEventName } from './events.js'

describe('event map', () => {
  it('STYLE.md naming rule 8: every event is <artefact>.<past-tense verb>, listed once, and EVENT_NAMES is exactly the map\'s keys', () => {
    expectTypeOf<keyof typeof EVENT_DESCRIPTIONS>().toEqualTypeOf<LatchEventName>()
    expect(new Set(EVENT_NAMES).size).toBe(EVENT_NAMES.length)
    expect(EVENT_NAMES).toEqual(Object.keys(EVENT_DESCRIPTIONS))
    for (const name of EVENT_NAMES) expect(name).toMatch(/^[a-z_]+\.[a-z_]+ed$/)
  })

  it('onAny hears every event of the map', () => {
    const heard: string[] = []
    const events = new LatchEvents().onAny((name) => heard.push(name))
    for (const name of EVENT_NAMES) events.emit(name, {} as never)
    expect(heard).toEqual([...EVENT_NAMES])
  })

  it('docs/architecture.md "Events" lists every event of the map', () => {
    const architecture = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8')
    for (const name of EVENT_NAMES) expect(architecture, name).toContain(`| \`${name}\` |`)
  })
})
