/**
 * The organization step's decision without HTTP (issue 10): what a request's selector, the
 * client's `organization_required`, `prompt=select_account` and the user's memberships lead to.
 * The pages and redirects are covered over real HTTP in test/flows/organizations.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, type TestContext } from '../../test/support/context.js'
import { organizationStep, type OrganizationStep } from './organization-step.js'

let t: TestContext
let alice: string
beforeEach(async () => {
  t = await createTestContext({
    config: {
      organizations: [
        { id: 'acme', name: 'Acme Corp', members: [{ email: 'alice@example.com', roles: ['admin'] }] },
        { id: 'globex', name: 'Globex Corporation' },
      ],
    },
  })
  alice = (await t.user()).id
})
afterEach(async () => {
  await t.close()
})

const optional = { organization_required: false }
const required = { organization_required: true }
const summary = (step: OrganizationStep) =>
  step.type === 'use' ? `use ${step.membership.organization.id}` : step.type === 'picker' ? `picker ${step.memberships.map((m) => m.organization.id).join(',')}${step.notMember ? ' notice' : ''}` : step.type === 'not_member' ? `not_member${step.required ? ' required' : ''}` : 'none'

describe('organization step', () => {
  it('Issue 10: a member of the organization asked for uses it; a non-member (or an organization that does not exist) gets the same answer', async () => {
    expect(summary(await organizationStep(t.ctx, { organization: 'acme', prompt: [] }, optional, alice))).toBe('use acme')
    expect(summary(await organizationStep(t.ctx, { organization: 'globex', prompt: [] }, optional, alice))).toBe('picker acme notice')
    expect(summary(await organizationStep(t.ctx, { organization: 'nope', prompt: [] }, optional, alice))).toBe('picker acme notice')
    await t.store.organizations.removeMember('acme', alice, t.clock.now())
    expect(summary(await organizationStep(t.ctx, { organization: 'globex', prompt: [] }, optional, alice))).toBe('not_member')
    expect(summary(await organizationStep(t.ctx, { organization: 'nope', prompt: [] }, optional, alice))).toBe('not_member')
  })

  it('Issue 10: without a selector nothing is decided, unless the client requires an organization', async () => {
    expect(summary(await organizationStep(t.ctx, { prompt: [] }, optional, alice))).toBe('none')
    expect(summary(await organizationStep(t.ctx, { prompt: [] }, required, alice))).toBe('use acme')
    await t.store.organizations.addMember('globex', alice, ['member'], t.clock.now())
    expect(summary(await organizationStep(t.ctx, { prompt: [] }, required, alice))).toBe('picker acme,globex')
    await t.store.organizations.removeMember('acme', alice, t.clock.now())
    await t.store.organizations.removeMember('globex', alice, t.clock.now())
    expect(summary(await organizationStep(t.ctx, { prompt: [] }, required, alice))).toBe('not_member required')
  })

  it('Issue 10, OIDC Core §3.1.2.1: select_account (and a picker being answered) lists a single membership; a choice made in the interaction settles it', async () => {
    expect(summary(await organizationStep(t.ctx, { prompt: ['select_account'] }, required, alice))).toBe('picker acme')
    expect(summary(await organizationStep(t.ctx, { prompt: [] }, required, alice, { choosing: true }))).toBe('picker acme')
    expect(summary(await organizationStep(t.ctx, { prompt: ['select_account'], organization_chosen: 'acme' }, required, alice))).toBe('use acme')
    // A choice overrides the selector it answered (the picker was shown because the user is not a member of it).
    expect(summary(await organizationStep(t.ctx, { organization: 'globex', organization_chosen: 'acme', prompt: [] }, optional, alice))).toBe('use acme')
  })
})
