/**
 * Creates or updates the clients and users the config file lists, at every start (idempotent;
 * others in the database are left alone, docs/architecture.md §2). A configured `password` is re-hashed
 * only when it no longer verifies against the stored hash, so restarts do not churn rows.
 *
 * A user's password that really changed (a `password` the stored hash does not verify, or another
 * `password_hash`) signs that user out everywhere, as `latch users set-password` does: their
 * sessions end and all their grants are revoked, `offline_access` included. The new hash and the
 * sign-out are one transaction (`users.setPasswordHash` with `signOut`), so a crash between them
 * cannot leave the new password with the old sessions (the next start would see no change).
 */
import type { LatchConfig } from './config/schema.js'
import type { Store, UserClaims } from './storage/store.js'
import { hashPassword, verifyPassword } from './users/password-hash.js'

export async function seedFromConfig(store: Store, config: LatchConfig, now: number): Promise<void> {
  for (const client of config.clients) await store.clients.upsert(client, now)
  for (const u of config.users) {
    const { email, password, password_hash, email_verified, ...claims } = u
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
      },
      now,
    )
    if (changed && passwordHash !== null) await store.users.setPasswordHash(user.id, passwordHash, now, { signOut: true })
  }
}
