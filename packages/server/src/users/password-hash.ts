/**
 * Password hashing with argon2id (RFC 9106), the OWASP-recommended memory-hard function, through
 * @node-rs/argon2. Parameters are the RFC 9106 §4 "second recommended option" scaled to OWASP's
 * minimum (19 MiB, 2 passes), which keeps a sign-in near 20 ms on one core.
 * `DUMMY_HASH` lets a sign-in for an unknown email cost the same as a real one, so timing does
 * not reveal whether the account exists.
 * @see https://www.rfc-editor.org/rfc/rfc9106#section-4
 */
import { hash, verify } from '@node-rs/argon2'

const OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS)
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash ?? (await dummyHash()), password)
      && passwordHash !== null
  } catch {
    return false
  }
}

let dummy: Promise<string> | undefined
function dummyHash(): Promise<string> {
  dummy ??= hash('latch-dummy-password-for-equal-timing', OPTIONS)
  return dummy
}
