/**
 * Where a `TokenManager` keeps its tokens. Pluggable, so a server can keep them in its session
 * store and a browser app in memory, encrypted IndexedDB or a native keychain. There is
 * deliberately no `localStorage` implementation: anything stored there is readable by every
 * script on the origin, so one XSS would exfiltrate long-lived refresh tokens.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.2 (token storage)
 */
import type { TokenSet } from './token-set.js'

/** A place for one token set; sync or async. */
export interface TokenStorage {
  get(): Promise<TokenSet | undefined> | TokenSet | undefined
  /** `undefined` clears. */
  set(tokens: TokenSet | undefined): Promise<void> | void
}

/**
 * Tokens in memory only: gone on reload or exit, which is the safest default for browser apps.
 *
 * @example
 * ```ts
 * import { createTokenManager, MemoryTokenStorage, type AuthorizationCodeClient } from '@latch/client'
 *
 * declare const client: AuthorizationCodeClient // from createAuthorizationCodeClient()
 *
 * const manager = createTokenManager({ client, storage: new MemoryTokenStorage() })
 * ```
 */
export class MemoryTokenStorage implements TokenStorage {
  #tokens: TokenSet | undefined

  get(): TokenSet | undefined {
    return this.#tokens
  }

  set(tokens: TokenSet | undefined): void {
    this.#tokens = tokens
  }
}
