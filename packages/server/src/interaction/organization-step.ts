/**
 * The organization step of an authorization request (issue 10, docs/architecture.md "Pages"):
 * once the user is known, which organization the grant acts for, or which page must ask first.
 * - The request selected one (`organization:<id>` or `organization=<id>`) or the user chose one on
 *   the picker (`organization_chosen`): a member uses it. A non-member, and equally a request for
 *   an organization that does not exist (the answer must not tell them apart), gets the picker with
 *   a notice when they belong to others, else the not-a-member page (its one button ends the
 *   request with `access_denied`).
 * - A client with `organization_required` and no selection: one membership is used silently,
 *   several give the picker, none the not-a-member page. `prompt=select_account` shows the picker
 *   even for one membership, until the user has chosen in this interaction; so does a picker
 *   answered after memberships ended, so the user sees what is left rather than being moved on.
 * - Otherwise the request has no organization.
 * The picker lists at most `PICKER_LIMIT` organizations (ordered by name) and says when it cut.
 * Each decision costs one primary-key read when the organization is known, one bounded list read otherwise.
 */
import type { LatchContext } from '../context.js'
import { membershipOf } from '../organizations/membership.js'
import type { ClientRecord, Membership } from '../storage/store.js'

/** The most organizations the picker lists (one bounded read; the page says when more exist). */
export const PICKER_LIMIT = 200

export type OrganizationStep =
  /** Nothing to decide: the request has no organization. */
  | { type: 'none' }
  /** The grant acts for this membership's organization. */
  | { type: 'use'; membership: Membership }
  /** The user chooses; `notMember`: the organization asked for is not one of theirs. */
  | { type: 'picker'; memberships: Membership[]; truncated: boolean; notMember: boolean }
  /** No organization this user may act for: the request can only end (`required`: the client needs one). */
  | { type: 'not_member'; required: boolean }

/** The pages the step may need before consent. */
export type OrganizationPage = Extract<OrganizationStep, { type: 'picker' | 'not_member' }>

export async function organizationStep(
  ctx: LatchContext,
  /** The stored request's parts (structural: authorization-request.ts imports this module's types). */
  request: { readonly organization?: string | undefined; readonly organization_chosen?: string | undefined; readonly prompt: readonly string[] },
  client: Pick<ClientRecord, 'organization_required'>,
  userId: string,
  /** Answering the picker: a single membership is listed rather than used (the user is mid-choice). */
  options: { choosing?: boolean } = {},
): Promise<OrganizationStep> {
  const wanted = request.organization_chosen ?? request.organization
  if (wanted !== undefined) {
    const membership = await membershipOf(ctx.store, wanted, userId)
    if (membership !== null) return { type: 'use', membership }
    const { memberships, truncated } = await membershipsOf(ctx, userId)
    return memberships.length > 0 ? { type: 'picker', memberships, truncated, notMember: true } : { type: 'not_member', required: false }
  }
  if (!client.organization_required) return { type: 'none' }
  const { memberships, truncated } = await membershipsOf(ctx, userId)
  const [only] = memberships
  if (only === undefined) return { type: 'not_member', required: true }
  // OIDC Core §3.1.2.1 select_account, read for these clients as "choose the organization again".
  if (memberships.length === 1 && !request.prompt.includes('select_account') && options.choosing !== true) return { type: 'use', membership: only }
  return { type: 'picker', memberships, truncated, notMember: false }
}

async function membershipsOf(ctx: LatchContext, userId: string): Promise<{ memberships: Membership[]; truncated: boolean }> {
  // One more than shown: whether the list was cut, without counting them all.
  const found = await ctx.store.organizations.membershipsOf(userId, PICKER_LIMIT + 1)
  return { memberships: found.slice(0, PICKER_LIMIT), truncated: found.length > PICKER_LIMIT }
}
