/**
 * Issue 12: which local user a federated sign-in is, in this order:
 * 1. the identity is known: its user;
 * 2. `link_by_email`, the upstream is trusted to verify emails and asserted this one verified, and
 *    a local user has it **verified** too: the identity is linked to that user. Both must hold: an
 *    upstream that lets anyone claim any address must not take over a local account, and a local
 *    account whose address was never verified may not be its owner's;
 * 3. a local user has the email but either side is unverified: refused, nothing linked or created
 *    (the same answer as when just-in-time creation is off: no account enumeration);
 * 4. no local user: `jit` creates one with the mapped claims (`identities.provision`, race-safe).
 *    It claims the address only when the upstream asserts it verified: an upstream that lets anyone type any
 *    address (Microsoft `common` without `xms_edov`, Facebook, most OAuth 2.0 profiles) would
 *    otherwise let an attacker squat `ceo@victim.example`, lock its owner out and be merged into
 *    the account an operator later provisions for it. Such an account, and one without an email,
 *    gets a placeholder address instead (`provisionPlaceholder`); the upstream's unverified
 *    address stays on the identity only.
 * Issue 12: an organization's connection may do 2 and 4 only for an email of that organization's
 * `domains` (federation/organization-rules.ts `mayClaimEmail`).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability (iss + sub identify a user)
 */
import type { ResolvedConnection } from '../config/schema.js'
import type { UpstreamProfile } from '../connections/profile.js'
import type { LatchContext } from '../context.js'
import type { UserRecord } from '../storage/store.js'
import { placeholderEmail } from '../rules/placeholder-email.js'
import { mayClaimEmail } from './organization-rules.js'

export type ResolvedUpstreamUser =
  | { type: 'user'; user: UserRecord; how: 'identity' | 'verified_email' | 'provisioned' }
  | { type: 'refused'; notice: 'account_unusable' }

export async function resolveUpstreamUser(ctx: LatchContext, connection: ResolvedConnection, profile: UpstreamProfile, retry = true): Promise<ResolvedUpstreamUser> {
  const now = ctx.clock.now()
  const seen = { email: profile.email, email_verified: profile.email_verified }
  const known = await ctx.store.identities.find(connection.id, profile.subject)
  if (known !== null) {
    await ctx.store.identities.touch(connection.id, profile.subject, seen, now)
    return { type: 'user', user: known.user, how: 'identity' }
  }
  // Issue 12, enterprise SSO: an organization's IdP links and creates only emails of the organization's domains.
  const organization_id = (await ctx.connections.list()).find((c) => c.id === connection.id)?.organization_id ?? null
  if (profile.email === null) return provisionPlaceholder(ctx, connection, profile, organization_id, retry)
  if (!(await mayClaimEmail(ctx, { organization_id }, profile.email))) return { type: 'refused', notice: 'account_unusable' }
  const local = await ctx.store.users.getByEmail(profile.email)
  if (local !== null) {
    const verifiedBothSides = connection.link_by_email && connection.trust_email_verified && profile.email_verified && local.email_verified
    if (!verifiedBothSides) return { type: 'refused', notice: 'account_unusable' }
    const linked = await ctx.store.identities.link({ connection_id: connection.id, subject: profile.subject, user_id: local.id, ...seen }, now)
    // `taken`: a concurrent sign-in linked this identity first; it is then known.
    if (linked === 'taken') return retry ? resolveUpstreamUser(ctx, connection, profile, false) : { type: 'refused', notice: 'account_unusable' }
    ctx.events.emit('identity.linked', { user_id: local.id, connection_id: connection.id, reason: 'verified_email' })
    return { type: 'user', user: local, how: 'verified_email' }
  }
  if (!connection.jit) return { type: 'refused', notice: 'account_unusable' }
  if (!profile.email_verified) return provisionPlaceholder(ctx, connection, profile, organization_id, retry)
  const result = await ctx.store.identities.provision(
    { email: profile.email, email_verified: profile.email_verified, claims: profile.claims },
    { connection_id: connection.id, subject: profile.subject, ...seen },
    now,
  )
  if (result.outcome === 'email_taken') return retry ? resolveUpstreamUser(ctx, connection, profile, false) : { type: 'refused', notice: 'account_unusable' }
  if (result.outcome === 'created') ctx.events.emit('user.provisioned', { user_id: result.user.id, connection_id: connection.id })
  return { type: 'user', user: result.user, how: result.outcome === 'created' ? 'provisioned' : 'identity' }
}

/**
 * Issue 12: an upstream account without an email (X; GitHub without a verified address), or with
 * one the upstream does not assert verified, becomes a user with a placeholder address under
 * `.invalid` (rules/placeholder-email.ts), never verified, so it links to no one, claims no real
 * address and is found again by its identity only. Not through an organization's connection
 * without an email: its domain rule needs a real address.
 */
async function provisionPlaceholder(
  ctx: LatchContext,
  connection: ResolvedConnection,
  profile: UpstreamProfile,
  organization_id: string | null,
  retry: boolean,
): Promise<ResolvedUpstreamUser> {
  if ((organization_id !== null && profile.email === null) || !connection.jit) return { type: 'refused', notice: 'account_unusable' }
  const result = await ctx.store.identities.provision(
    { email: placeholderEmail(connection.id, profile.subject), email_verified: false, claims: profile.claims },
    { connection_id: connection.id, subject: profile.subject, email: profile.email, email_verified: false },
    ctx.clock.now(),
  )
  // `email_taken`: the placeholder's user exists without this identity (it was unlinked); only the identity finds a user.
  if (result.outcome === 'email_taken') return retry ? resolveUpstreamUser(ctx, connection, profile, false) : { type: 'refused', notice: 'account_unusable' }
  if (result.outcome === 'created') ctx.events.emit('user.provisioned', { user_id: result.user.id, connection_id: connection.id })
  return { type: 'user', user: result.user, how: result.outcome === 'created' ? 'provisioned' : 'identity' }
}
