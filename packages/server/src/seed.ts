/**
 * Creates or updates the clients, connections (issue 12), users and organizations the config file lists, at every start
 * (idempotent; others in the database are left alone, docs/architecture.md §2). A configured
 * `password` is re-hashed only when it no longer verifies against the stored hash, so restarts do
 * not churn rows.
 *
 * A user's password that really changed (a `password` the stored hash does not verify, or another
 * `password_hash`) signs that user out everywhere, as `latch users set-password` does: their
 * sessions end and all their grants are revoked, `offline_access` included. The new hash and the
 * sign-out are one transaction (`users.setPasswordHash` with `signOut`), so a crash between them
 * cannot leave the new password with the old sessions (the next start would see no change).
 *
 * Organizations and the members the file lists are upserted after the users (a member's roles are
 * set to the file's); members added with the CLI and not in the file stay. A member email that is
 * neither a configured user nor a user in the database stops the start, naming the key.
 *
 * Issue 14 (security review M5a): every such refusal is checked before the first write, so a
 * refused file (at start or on a reload) writes nothing. What can still fail part-way is the
 * database itself (unreachable, a write error): the writes are not one transaction; the next start
 * or reload writes everything again (idempotent).
 *
 * Issue 14 (review M5b): the clients the file lists are stored as config-owned (`source`
 * 'config'); a config-owned client the file no longer lists is deleted, its grants revoked, at
 * every start as on a reload. Clients made with the CLI are never deleted here.
 *
 * Issue 12: a configured email whose user in the database signs in through an upstream and has
 * never had that address verified also stops the start (so does such a member of an organization) (`unverifiedFederatedUser`): that user may
 * be whoever typed the address at an upstream that does not check it, and upserting would hand
 * them the file's password, roles and a verified email.
 */
import { isDeepStrictEqual } from 'node:util'
import type { LatchConfig, TenantDefinition } from './config/schema.js'
import { connectionRecordOf } from './connections/records.js'
import { ConfigError } from './errors.js'
import type { ClientSource, Store, UserClaims, UserRecord } from './storage/store.js'
import { unverifiedFederatedUser } from './users/unverified-federated-user.js'
import { hashPassword, verifyPassword } from './users/password-hash.js'

export interface SeedOptions {
  /**
   * Issue 14 (review M5c): called with a client_id just before and just after it is deleted (the
   * file no longer lists it), so a reload can drop it from the client cache on both sides.
   */
  invalidate?: (clientId: string) => void
  /**
   * Issue 14: who owns the clients written, 'config' (the default: a file that is read again at
   * every start or reload) or 'cli' (a tenant created at runtime, whose definition is read once:
   * nothing re-seeds its clients, so they are the administrators' to change, like any made later).
   */
  clientSource?: ClientSource
}

export interface SeedResult {
  /** Config-owned clients the file no longer lists: deleted, their grants revoked (review M5b). */
  removedClients: string[]
}

export async function seedFromConfig(store: Store, config: LatchConfig, now: number, options: SeedOptions = {}): Promise<SeedResult> {
  // Issue 14 (review M5a): everything below that can refuse the file is checked first, before any
  // write, so a refused start or reload writes nothing.
  await refusals(store, config)
  const listed = new Set(config.clients.map((c) => c.client_id))
  for (const client of config.clients) {
    // Issue 14 (review M5b): the file owns the clients it lists (a CLI-made one it lists too).
    await store.clients.upsert(client, now, options.clientSource ?? 'config')
    // Issue 13: stated in the file, the file's answer wins; unstated, what the CLI set stays.
    if (client.mfa_required !== undefined) await store.mfa.setRequired('client', client.client_id, client.mfa_required, now)
  }
  // Issue 14 (review M5b): a client the file owned and no longer lists is deleted at start as on a
  // reload (its grants revoked, its consents gone), so removing a compromised client and restarting
  // removes it. Clients made with the CLI ('cli') are left alone.
  const removedClients = (await store.clients.configOwned()).filter((id) => !listed.has(id))
  for (const id of removedClients) {
    options.invalidate?.(id)
    await store.clients.delete(id, now)
    options.invalidate?.(id)
  }
  // Issue 12: secrets encrypted under LATCH_SECRET; an entry whose digest is unchanged is not rewritten.
  for (const { organization, required, ...connection } of config.connections) {
    await store.connections.upsert(await connectionRecordOf(connection, config.secret, 'config', { organization_id: organization, required }), now)
  }
  for (const u of config.users) {
    const { email, password, password_hash, email_verified, roles, claims: attributes, ...claims } = u
    const existing = await store.users.getByEmail(email.toLowerCase())
    const stored = existing?.password_hash ?? null
    let passwordHash = password_hash ?? stored
    if (password !== undefined && !(stored && (await verifyPassword(stored, password)))) passwordHash = await hashPassword(password)
    const changed = existing !== null && passwordHash !== stored
    const user = await store.users.upsert(
      {
        email: email.toLowerCase(),
        email_verified: email_verified ?? false,
        // A changed password is written below, together with the sign-out.
        password_hash: changed ? stored : passwordHash,
        claims: claims as UserClaims,
        // The file is the source of truth for what it lists; omitted, the stored values stay.
        ...(roles !== undefined && { roles }),
        ...(attributes !== undefined && { attributes }),
      },
      now,
    )
    if (changed && passwordHash !== null) await store.users.setPasswordHash(user.id, passwordHash, now, { signOut: true })
  }
  for (const [i, o] of config.organizations.entries()) {
    await store.organizations.upsert({ id: o.id, name: o.name, domains: o.domains ?? [], branding: o.branding }, now)
    if (o.mfa_required !== undefined) await store.mfa.setRequired('organization', o.id, o.mfa_required, now)
    for (const [j, m] of (o.members ?? []).entries()) {
      const user = await store.users.getByEmail(m.email.toLowerCase())
      // Checked by `refusals`; only a writer racing this seed can get here.
      if (!user) throw new ConfigError(`organizations[${i}].members[${j}].email`, `names ${m.email}, who is neither under users nor in the database`)
      await store.organizations.addMember(o.id, user.id, m.roles ?? [], now)
    }
  }
  return { removedClients }
}

/**
 * Issue 14 (review M5a): every reason `seedFromConfig` refuses a file, checked against the database
 * as it is before any write (read-only). Throws the `ConfigError` naming the key, as the writes did.
 */
async function refusals(store: Store, config: LatchConfig): Promise<void> {
  // An organization connection names an organization of the file or of the database (made with the CLI).
  const organizations = new Set(config.organizations.map((o) => o.id))
  for (const [i, { organization }] of config.connections.entries()) {
    if (organization !== null && !organizations.has(organization) && (await store.organizations.get(organization)) === null) {
      throw new ConfigError(`connections[${i}].organization`, `names ${organization}, which is neither under organizations nor in the database`)
    }
  }
  // Each configured user as the seed leaves it: the stored row (if any) with the file's email_verified.
  const configured = new Map<string, UserRecord | null>()
  for (const [i, u] of config.users.entries()) {
    const email = u.email.toLowerCase()
    const existing = await store.users.getByEmail(email)
    if (existing !== null && (await unverifiedFederatedUser(store, existing))) {
      throw new ConfigError(`users[${i}].email`, `${email} belongs to a user who signs in through a connection and never verified it; delete that user first (latch users delete)`)
    }
    configured.set(email, existing === null ? null : { ...existing, email_verified: u.email_verified ?? false })
  }
  for (const [i, o] of config.organizations.entries()) {
    for (const [j, m] of (o.members ?? []).entries()) {
      const email = m.email.toLowerCase()
      // A configured user not yet stored (null) is created by the seed, with no linked identity.
      let user: UserRecord | null
      if (configured.has(email)) user = configured.get(email) ?? null
      else {
        user = await store.users.getByEmail(email)
        if (user === null) throw new ConfigError(`organizations[${i}].members[${j}].email`, `names ${m.email}, who is neither under users nor in the database`)
      }
      if (user !== null && (await unverifiedFederatedUser(store, user))) {
        throw new ConfigError(`organizations[${i}].members[${j}].email`, `${user.email} belongs to a user who signs in through a connection and never verified it; delete that user first (latch users delete)`)
      }
    }
  }
}

/**
 * The tenants config defines (issue 11), in the `tenants` table (their settings, never their
 * clients' secrets or users' passwords) and their clients, users and organizations in their own
 * tables, as `seedFromConfig` does for the default tenant.
 */
export async function seedTenants(store: Store, config: LatchConfig, now: number): Promise<void> {
  for (const tenant of config.tenants) await seedTenant(store, tenant, now)
}

/**
 * One tenant: its row (written only when its issuer or settings differ from the stored ones, so
 * that nodes applying the same definition do not make each other reload it), then its clients,
 * users and organizations. Throws `TenantIssuerTakenError` when another tenant has its issuer.
 */
export async function seedTenant(store: Store, tenant: Pick<TenantDefinition, 'id' | 'issuer' | 'settings' | 'config'>, now: number, options: Pick<SeedOptions, 'clientSource'> = {}): Promise<void> {
  const stored = await store.tenants.get(tenant.id)
  if (stored === null || stored.issuer !== tenant.issuer || !isDeepStrictEqual(stored.settings, tenant.settings)) {
    await store.tenants.upsert({ id: tenant.id, issuer: tenant.issuer, settings: tenant.settings }, now)
  }
  await seedFromConfig(store.forTenant(tenant.id), tenant.config, now, options)
}
