/**
 * Issue 13, the account page's "Profile": the name claims the user may change themselves
 * (`name`, `given_name`, `family_name`), checked by `rules/profile-name.ts`; an empty field removes
 * its claim. Other claims (set by config, the CLI or a connection) are kept as they are. A user of
 * the config file's `users` gets the file's claims back at the next start (seeding writes them).
 */
import type { LatchContext } from '../context.js'
import { profileName } from '../rules/profile-name.js'
import type { UserClaims, UserRecord } from '../storage/store.js'

export const PROFILE_FIELDS = ['name', 'given_name', 'family_name'] as const
export type ProfileField = (typeof PROFILE_FIELDS)[number]

export type ProfileAnswer = { type: 'saved' } | { type: 'invalid'; values: Record<ProfileField, string> }

export async function updateProfile(ctx: LatchContext, user: UserRecord, input: Partial<Record<ProfileField, string>>): Promise<ProfileAnswer> {
  const claims: UserClaims = { ...user.claims }
  let valid = true
  for (const field of PROFILE_FIELDS) {
    const value = profileName(input[field])
    if (value === null) valid = false
    else if (value === '') delete claims[field]
    else claims[field] = value
  }
  if (!valid) {
    const values = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, (input[f] ?? '').slice(0, 400)])) as Record<ProfileField, string>
    return { type: 'invalid', values }
  }
  await ctx.store.users.update(user.id, { claims }, ctx.clock.now())
  ctx.events.emit('user.profile_updated', { user_id: user.id })
  return { type: 'saved' }
}
