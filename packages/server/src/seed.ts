/**
 * Creates or updates the clients and users the config file lists, at every start (idempotent;
 * others in the database are left alone, ARCHITECTURE.md §2). A configured password is re-hashed
 * only when it no longer verifies against the stored hash, so restarts do not churn rows.
 */
import type { LatchConfig } from './config/schema.js'
import type { Store, UserClaims } from './storage/store.js'
import { hashPassword, verifyPassword } from './users/password-hash.js'

export async function seedFromConfig(store: Store, config: LatchConfig, now: number): Promise<void> {
  for (const client of config.clients) await store.clients.upsert(client, now)
  for (const u of config.users) {
    const { email, password, password_hash, email_verified, ...claims } = u
    const existing = await store.users.getByEmail(email.toLowerCase())
    let passwordHash = password_hash ?? existing?.password_hash ?? null
    if (password !== undefined && !(existing?.password_hash && (await verifyPassword(existing.password_hash, password)))) {
      passwordHash = await hashPassword(password)
    }
    await store.users.upsert(
      {
        email: email.toLowerCase(),
        email_verified: email_verified ?? false,
        password_hash: passwordHash,
        claims: claims as UserClaims,
      },
      now,
    )
  }
}
