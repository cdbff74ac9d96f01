/**
 * Scope templates (issue 10): only exact instances carry values; template-shaped requests with a
 * value outside the parameter syntax are recognised so they can be dropped (RFC 6749 §3.3).
 */
import { describe, expect, it } from 'vitest'
import { instantiate, isTemplate, matchTemplate, parseTemplate, templateProblem } from './scope-template.js'

const org = parseTemplate('read:organization:{org_id}')
const project = parseTemplate('deploy:org:{org_id}:project:{project_id}')

describe('scope templates', () => {
  it('templateProblem accepts {name} parameters and refuses malformed, repeated, adjacent or too many', () => {
    expect(templateProblem('read:organization:{org_id}')).toBeNull()
    expect(templateProblem('a:{x}:b:{y}')).toBeNull()
    expect(templateProblem('read:{')).toMatch(/no \{parameter\}/)
    expect(templateProblem('read:{Org}')).toMatch(/no \{parameter\}/)
    expect(templateProblem('read:{org_id}}')).toMatch(/brace/)
    expect(templateProblem('a:{x}:{x}')).toMatch(/twice/)
    expect(templateProblem('a:{x}{y}')).toMatch(/nothing between/)
    expect(templateProblem('{a}:{b}:{c}:{d}:{e}')).toMatch(/more than 4/)
    expect(isTemplate('read:data')).toBe(false)
  })

  it('an exact instance yields its values', () => {
    expect(matchTemplate('read:organization:acme', [org])).toEqual({ template: org, values: { org_id: 'acme' } })
    expect(matchTemplate('deploy:org:acme:project:p-1.2', [org, project])).toEqual({ template: project, values: { org_id: 'acme', project_id: 'p-1.2' } })
  })

  it('RFC 6749 §3.3: injection attempts have the template shape but no values (never granted)', () => {
    for (const scope of ['read:organization:*', 'read:organization:acme%2Fx', 'read:organization:acme:extra', 'read:organization:a/b', `read:organization:${'a'.repeat(65)}`]) {
      expect(matchTemplate(scope, [org]), scope).toEqual({ template: org, values: null })
    }
  })

  it('values never span a literal part: the parameter syntax excludes the separators', () => {
    expect(matchTemplate('deploy:org:acme:project:x:project:y', [project])).toEqual({ template: project, values: null })
  })

  it('scopes without the template shape do not match at all', () => {
    expect(matchTemplate('read:organization:', [org])).toBeNull()
    expect(matchTemplate('read:organizations:acme', [org])).toBeNull()
    expect(matchTemplate('xread:organization:acme', [org])).toBeNull()
    expect(matchTemplate('read:data', [org, project])).toBeNull()
  })

  it('regex metacharacters in a literal part are literal', () => {
    const dotted = parseTemplate('api.read+{id}')
    expect(matchTemplate('api.read+7', [dotted])?.values).toEqual({ id: '7' })
    expect(matchTemplate('apiXread+7', [dotted])).toBeNull()
  })

  it('matching is linear: a near miss of kilobytes on a four-parameter template answers at once (no backtracking)', () => {
    const four = parseTemplate('deploy:{team}:{project}:{env}:{region}:run')
    const started = performance.now()
    for (const scope of [`deploy:${':'.repeat(16_000)}`, `deploy:${'a:'.repeat(8_000)}`, `deploy:${'a:'.repeat(8_000)}ru`]) expect(matchTemplate(scope, [four])).toBeNull()
    expect(matchTemplate(`deploy:${'a:'.repeat(8_000)}run`, [four])).toEqual({ template: four, values: null })
    expect(performance.now() - started).toBeLessThan(200)
    expect(matchTemplate('deploy:red:p1:prod:eu-1:run', [four])?.values).toEqual({ team: 'red', project: 'p1', env: 'prod', region: 'eu-1' })
  })

  it('instantiate fills known parameters and leaves unknown ones', () => {
    expect(instantiate(org, { org_id: 'globex' })).toBe('read:organization:globex')
    expect(instantiate('Read {org_name} data for {other}', { org_name: 'Acme Corp' })).toBe('Read Acme Corp data for {other}')
  })

  it('a frozen template still matches (the config is deep-frozen)', () => {
    const frozen = Object.freeze(parseTemplate('read:organization:{org_id}'))
    Object.freeze(frozen.literals)
    expect(matchTemplate('read:organization:acme', [frozen])?.values).toEqual({ org_id: 'acme' })
    expect(matchTemplate('read:organization:acme', [frozen])?.values).toEqual({ org_id: 'acme' })
  })
})
