/**
 * Issue 13: the links and codes Latch mails (`email_tokens`), issued and checked here for every
 * flow that mails one (sign-up verification, password reset; issue 13's passwordless sign-in and
 * email change). A link carries 256 random bits (`randomHandle`) and is stored as its SHA-256; a
 * code is 6 random digits, stored as an HMAC keyed from LATCH_SECRET over the row's random id (a
 * per-row salt: a dump of the table cannot be turned back into codes by trying the million of
 * them), and allows `CODE_MAX_ATTEMPTS` guesses. Each works once, until `expires_at`.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#sec5 (§5.1.3 out-of-band secrets: single use, limited life, rate-limited guessing)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
import { randomInt, randomUUID } from 'node:crypto'
import { constantTimeEqual } from '../lib/constant-time.js'
import { keyedMac } from '../lib/keyed-mac.js'
import { hashHandle, randomHandle } from '../lib/random.js'
import type { EmailTokenPurpose, EmailTokenRecord, Store } from '../storage/store.js'

/** Wrong guesses a code allows before it stops working (NIST SP 800-63B §5.2.2 rate limiting). */
export const CODE_MAX_ATTEMPTS = 5
/** Unused rows kept per address and purpose (the newest): a new mail replaces older links. */
export const TOKENS_KEPT_PER_ADDRESS = 3

const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/
const CODE = /^[0-9]{6}$/
const TOKEN_ID = /^[0-9a-f-]{36}$/

export interface TokenRequest {
  purpose: EmailTokenPurpose
  email: string
  userId: string | null
  /** Seconds from now. */
  ttl: number
  interactionId?: string | null
  browserHash?: string | null
  /** The row's id, when the page that asked already shows it (a code's form); default random. */
  id?: string
}

function row(request: TokenRequest, tokenHash: string, id: string, now: number): EmailTokenRecord {
  return {
    id,
    purpose: request.purpose,
    token_hash: tokenHash,
    user_id: request.userId,
    email: request.email.toLowerCase(),
    browser_hash: request.browserHash ?? null,
    interaction_id: request.interactionId ?? null,
    attempts: 0,
    created_at: now,
    expires_at: now + request.ttl,
    used_at: null,
  }
}

/** A new link token: returns the token to put in the link (the row holds only its hash). */
export async function issueLinkToken(store: Store, now: number, request: TokenRequest): Promise<string> {
  const token = randomHandle()
  await store.emailTokens.insert(row(request, hashHandle(token), request.id ?? randomUUID(), now), TOKENS_KEPT_PER_ADDRESS)
  return token
}

/** The unused, unexpired row a link's token names (read only: a page showing what the link does). */
export async function findLinkToken(store: Store, purpose: EmailTokenPurpose, token: string, now: number): Promise<EmailTokenRecord | null> {
  return LINK_TOKEN.test(token) ? store.emailTokens.find(purpose, hashHandle(token), now) : null
}

/** Uses the link's token once; null when it is malformed, unknown, used or expired. */
export async function consumeLinkToken(store: Store, purpose: EmailTokenPurpose, token: string, now: number): Promise<EmailTokenRecord | null> {
  return LINK_TOKEN.test(token) ? store.emailTokens.consume(purpose, hashHandle(token), now) : null
}

const codeHash = (secret: string, id: string, code: string) => keyedMac(secret, 'latch email code', `${id}\0${code}`)

/** A new 6-digit code, under the row id `request.id` (or a random one); returns both. */
export async function issueCode(store: Store, secret: string, now: number, request: TokenRequest): Promise<{ id: string; code: string }> {
  const id = request.id ?? randomUUID()
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
  await store.emailTokens.insert(row(request, codeHash(secret, id, code), id, now), TOKENS_KEPT_PER_ADDRESS)
  return { id, code }
}

/**
 * A guess at the code of row `id`: the attempt is counted first (at most `CODE_MAX_ATTEMPTS` in
 * all, however many arrive at once), then compared in constant time; a right code uses the row.
 * Null for a wrong, malformed, used or expired code, or a row out of attempts.
 */
export async function consumeCode(
  store: Store,
  secret: string,
  now: number,
  id: string,
  purpose: EmailTokenPurpose,
  code: string,
  /** More the row must satisfy (its browser binding) before a right code uses it. */
  accept: (row: EmailTokenRecord) => boolean = () => true,
): Promise<EmailTokenRecord | null> {
  const guess = code.replace(/\s+/g, '')
  if (!TOKEN_ID.test(id) || !CODE.test(guess)) return null
  const counted = await store.emailTokens.countAttempt(id, purpose, CODE_MAX_ATTEMPTS, now)
  if (counted === null || !constantTimeEqual(counted.token_hash, codeHash(secret, id, guess)) || !accept(counted)) return null
  return (await store.emailTokens.use(id, now)) ? counted : null
}
