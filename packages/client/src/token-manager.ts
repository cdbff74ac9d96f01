/**
 * Keeps a user's tokens usable: hands out the access token, refreshes it proactively (a timer
 * `refreshSkew` seconds before expiry) and reactively (when asked for a token that is about to
 * expire, or after a 401), with one refresh in flight at a time so a rotating refresh token is
 * never presented twice, and stores the rotated refresh token each time. When the grant is gone
 * (`invalid_grant`: revoked, expired, or a replayed rotated token) the session ends: storage is
 * cleared and `onSessionExpired` tells the app to sign the user in again. A refresh that finishes
 * after the tokens were cleared or revoked is discarded (its new refresh token revoked), never
 * stored: a logout stays a logout. The proactive timer never fires sooner than 5 seconds after a
 * save, whatever `expires_in` said, so a server answering `expires_in: 0` cannot cause a loop.
 *
 * Organizations: the manager keeps one token set per organization of the signed-in user (the
 * current one in `storage`, the others in memory, keyed by `TokenSet.organization`, none being a
 * key too). `switchOrganization(id)` makes a kept set current, or gets one by token exchange from
 * the current set (RFC 8693, token-exchange.ts). Switches and refreshes run one at a time, so an
 * exchange never presents a refresh token that a concurrent refresh is rotating, and a set is
 * never kept with a rotated-out refresh token. Kept sets are not refreshed while they wait: they
 * are refreshed, like any current set, when next used. Signing in as another user, `clear` and
 * `revoke` drop them (`revoke` revokes them at the server too).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 (refreshing)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (refresh token rotation)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse (§12.2: same sub)
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2 (revocation)
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2 (token exchange)
 */
import { bearerFetch } from './auth-fetch.js'
import { ClientValidationError, OAuthResponseError } from './errors.js'
import { singleFlight } from './single-flight.js'
import { MemoryTokenStorage, type TokenStorage } from './token-storage.js'
import { organizationFromScope, type TokenSet } from './token-set.js'
import type { TransportOptions } from './transport.js'

/** What a token manager needs of a client: refresh, and revocation and token exchange if it has them. */
export interface RefreshingClient {
  refresh(refreshToken: string): Promise<TokenSet>
  revoke?(token: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<void>
  /** Tokens for another organization in exchange for `tokens` (RFC 8693); needed by `switchOrganization`. */
  switchOrganization?(tokens: TokenSet, orgId: string): Promise<TokenSet>
}

/** Options of `createTokenManager`. */
export interface TokenManagerOptions extends TransportOptions {
  /** An `AuthorizationCodeClient`, or anything that can refresh (and optionally revoke). */
  client: RefreshingClient
  /** Default: a new `MemoryTokenStorage`. */
  storage?: TokenStorage
  /**
   * Refresh this many seconds before the access token expires (default 60); capped at half the
   * token's lifetime, so short-lived tokens are not refreshed on every use.
   */
  refreshSkew?: number
  /** Called with every new token set (sign-in and each refresh). */
  onTokens?(tokens: TokenSet): void
  /** Called when the refresh token no longer works; storage is already cleared. */
  onSessionExpired?(err: unknown): void
}

/** A token manager. See `createTokenManager`. */
export interface TokenManager {
  /** Stores the tokens of a sign-in and schedules the proactive refresh. */
  setTokens(tokens: TokenSet): Promise<void>
  /** A valid access token, refreshed first when expired or about to. */
  getAccessToken(): Promise<string>
  /** Refreshes now (one refresh for all overlapping callers). */
  refresh(): Promise<TokenSet>
  /** `fetch` with the access token; a 401 gets one refresh and one retry. */
  authFetch(input: string | URL, init?: RequestInit): Promise<Response>
  /** Revokes the refresh and access tokens at the server when the client can, then clears storage. */
  revoke(): Promise<void>
  /** Forgets the tokens locally (no server call). */
  clear(): Promise<void>
  /** Cancels the proactive refresh timer (call on shutdown or unmount). */
  stop(): void
  /** The organization the current tokens speak for (`TokenSet.organization`), or `null`. */
  organization(): Promise<string | null>
  /**
   * Makes organization `orgId` current: its kept token set, or new tokens by token exchange from
   * the current ones (the current set is kept for a switch back). Throws `OAuthResponseError`
   * `invalid_target` when the user is not a member, `ClientValidationError` `no_session` when
   * signed out, and a `TypeError` when the manager's client has no `switchOrganization`.
   */
  switchOrganization(orgId: string): Promise<TokenSet>
}

// setTimeout's delay is a signed 32-bit number of milliseconds; beyond it fires at once.
const MAX_TIMER_MS = 2_147_483_647

/**
 * The proactive refresh never fires sooner than this after tokens were saved. A server that
 * answers `expires_in: 0` (or a lifetime shorter than the skew) would otherwise be asked for a
 * new token in a tight loop, each answer scheduling the next refresh at once.
 */
export const MIN_REFRESH_DELAY_MS = 5_000

const now = () => Date.now() / 1000

/**
 * Token sets kept for organizations other than the current one, at most. A user of many
 * organizations switching through all of them would otherwise grow the map without bound; the
 * longest unused set goes (and is revoked) first.
 */
export const MAX_KEPT_ORGANIZATIONS = 16

/** The key of a token set among the kept ones: its organization, `''` for none. */
const keyOf = (tokens: TokenSet): string => tokens.organization ?? ''

/**
 * The organization of `next`, a refresh of `current`: a new ID token or scope decides; with
 * neither, the organization stays, unless `current`'s scope named it and the new scope does not
 * (Latch drops `organization:<id>` when the user left the organization).
 */
export function organizationAfterRefresh(current: TokenSet, next: TokenSet): string | undefined {
  if (next.claims !== undefined || next.organization !== undefined) return next.organization
  if (current.organization === undefined) return undefined
  const named = current.scope !== undefined && organizationFromScope(current.scope) === current.organization
  return named && next.scope !== undefined ? undefined : current.organization
}

/** The token set after `current` was refreshed into `next`. */
function merge(current: TokenSet, next: TokenSet): TokenSet {
  const merged: TokenSet = {
    ...next,
    // RFC 6749 §6: no new refresh token means the old one stays valid; same for the ID token.
    ...(next.refreshToken === undefined && { refreshToken: current.refreshToken }),
    ...(next.idToken === undefined && current.idToken !== undefined && { idToken: current.idToken }),
    ...(next.claims === undefined && current.claims !== undefined && { claims: current.claims }),
  }
  const organization = organizationAfterRefresh(current, next)
  if (organization === undefined) delete merged.organization
  else merged.organization = organization
  return merged
}

/** Runs operations one at a time, in call order. */
function serial(): <T>(operation: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return (operation) => {
    const run = tail.then(operation, operation)
    tail = run.catch(() => {})
    return run
  }
}

/**
 * Milliseconds until the proactive refresh of tokens expiring at `expiresAt` (epoch seconds):
 * `skew` seconds before that, but at least `MIN_REFRESH_DELAY_MS` and at most what `setTimeout`
 * can wait.
 */
export function refreshDelay(expiresAt: number, skew: number, nowSeconds: number = now()): number {
  return Math.min(Math.max(MIN_REFRESH_DELAY_MS, (expiresAt - skew - nowSeconds) * 1000), MAX_TIMER_MS)
}

/**
 * A token manager over `client` and `storage`.
 *
 * @example
 * ```ts
 * import { createAuthorizationCodeClient, createTokenManager, type AuthorizationTransaction } from '@latch/client'
 *
 * declare function showSignIn(): void // your app's
 * declare const transaction: AuthorizationTransaction // saved in sessionStorage before the redirect
 * const client = createAuthorizationCodeClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'demo-spa',
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid offline_access read:data',
 * })
 * const manager = createTokenManager({ client, onSessionExpired: () => showSignIn() })
 *
 * await manager.setTokens(await client.handleCallback(location.href, transaction))
 * const res = await manager.authFetch('https://api.example.com/api/data')
 * ```
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { client } = options
  const storage = options.storage ?? new MemoryTokenStorage()
  const skew = options.refreshSkew ?? 60
  // The skew in force: `refreshSkew`, capped at half the lifetime of the last tokens saved, so a
  // token that lives shorter than the skew is not refreshed on every call (or by a timer loop).
  let effectiveSkew = skew
  let timer: ReturnType<typeof setTimeout> | undefined
  // Bumped whenever the stored tokens are replaced or forgotten (setTokens, clear, revoke): a
  // refresh that started under an older generation must not write its result back (it would
  // undo a logout, or overwrite a newer sign-in).
  let generation = 0
  // Whether the last of those changes ended the session (clear, revoke) rather than set new tokens.
  let ended = false
  // Token sets of the user's other organizations, by organization (`''`: none), oldest use first.
  const kept = new Map<string, TokenSet>()
  // Refreshes and switches, one at a time (see the module doc).
  const exclusive = serial()

  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  /**
   * The kept set an access-only set is renewed from: a public client switches organizations with
   * its access token (Latch refuses its refresh token as an exchange subject, RFC 9700 §4.14.2),
   * so the new organization's set has no refresh token of its own; the set it was exchanged from,
   * kept for the switch back, has one. Renewing means refreshing that set and exchanging again.
   */
  const sourceFor = (tokens: TokenSet): TokenSet | undefined =>
    tokens.refreshToken !== undefined ? undefined : [...kept.values()].reverse().find((set) => set.refreshToken !== undefined)

  const schedule = (tokens: TokenSet): void => {
    stop()
    if (tokens.expiresAt === undefined || (tokens.refreshToken === undefined && sourceFor(tokens) === undefined)) return
    const delay = refreshDelay(tokens.expiresAt, effectiveSkew)
    timer = setTimeout(() => {
      timer = undefined
      // Failures are handled in refresh() (session end) or retried reactively on next use.
      refresh().catch(() => {})
    }, delay)
    // In Node, a pending refresh must not keep the process alive.
    ;(timer as { unref?: () => void }).unref?.()
  }

  const save = async (tokens: TokenSet, at: number): Promise<void> => {
    effectiveSkew = tokens.expiresAt === undefined ? skew : Math.min(skew, Math.max(0, (tokens.expiresAt - now()) / 2))
    await storage.set(tokens)
    if (at !== generation) return
    schedule(tokens)
    options.onTokens?.(tokens)
  }

  const clear = async (): Promise<void> => {
    generation++
    ended = true
    stop()
    kept.clear()
    await storage.set(undefined)
  }

  /** Revokes tokens nobody holds any more (a refresh that finished after a logout), best effort. */
  const discard = async (tokens: TokenSet): Promise<void> => {
    if (!client.revoke) return
    try {
      if (tokens.refreshToken !== undefined) await client.revoke(tokens.refreshToken, 'refresh_token')
      else await client.revoke(tokens.accessToken, 'access_token')
    } catch {
      // best effort: the caller is told no_session either way
    }
  }

  /** Keeps `tokens` for a later switch back, dropping (and revoking) what it replaces or pushes out. */
  const keep = (tokens: TokenSet): void => {
    const key = keyOf(tokens)
    const replaced = kept.get(key)
    kept.delete(key)
    kept.set(key, tokens)
    if (replaced !== undefined && replaced.refreshToken !== tokens.refreshToken) void discard(replaced)
    while (kept.size > MAX_KEPT_ORGANIZATIONS) {
      const [oldest, set] = kept.entries().next().value as [string, TokenSet]
      kept.delete(oldest)
      void discard(set)
    }
  }

  /**
   * A refresh refused with `invalid_grant`: the grant is gone, the user must sign in again. Other
   * failures (network, 5xx) keep the tokens so a later call can retry. Nothing to end when the
   * tokens were replaced meanwhile.
   */
  const endIfGrantGone = async (err: unknown, started: number): Promise<void> => {
    if (err instanceof OAuthResponseError && err.error === 'invalid_grant' && started === generation) {
      await clear()
      options.onSessionExpired?.(err)
    }
  }

  const refresh = singleFlight(() => exclusive(async (): Promise<TokenSet> => {
    const started = generation
    const current = await storage.get()
    if (!current) throw new ClientValidationError('no_session')
    if (current.refreshToken === undefined) {
      const source = sourceFor(current)
      if (source === undefined || current.organization === undefined || !client.switchOrganization) throw new ClientValidationError('no_refresh_token')
      return renewFrom(current, source, started)
    }
    let next: TokenSet
    try {
      next = await client.refresh(current.refreshToken)
    } catch (err) {
      await endIfGrantGone(err, started)
      throw err
    }
    if (started !== generation) {
      // Cleared or revoked while the request was out: the result belongs to nobody, and its new
      // refresh token must not outlive the logout. Replaced by a new sign-in: that one wins; when
      // it kept the refreshed set for a switch back, that set takes the result (its refresh token
      // was just rotated out: kept as it was, it would be a replay when used).
      const stored = ended ? undefined : await storage.get()
      const key = keyOf(current)
      const sameSubject = !next.claims || !current.claims || next.claims.sub === current.claims.sub
      if (!ended && sameSubject && kept.get(key)?.refreshToken === current.refreshToken) kept.set(key, merge(current, next))
      if (stored) return stored
      if (ended) await discard(next)
      throw new ClientValidationError('no_session', 'no_session: the tokens were cleared while they were being refreshed')
    }
    // OIDC Core §12.2: a refreshed ID token is about the same user.
    if (next.claims && current.claims && next.claims.sub !== current.claims.sub) {
      await clear()
      const err = new ClientValidationError('subject_mismatch', 'subject_mismatch: the refreshed ID token names another user')
      options.onSessionExpired?.(err)
      throw err
    }
    const merged = merge(current, next)
    await save(merged, started)
    return merged
  }))

  /** Renews the access-only `current` (see `sourceFor`): refresh `source`, exchange it again for `current`'s organization. */
  const renewFrom = async (current: TokenSet, source: TokenSet, started: number): Promise<TokenSet> => {
    let refreshed: TokenSet
    try {
      refreshed = merge(source, await client.refresh(source.refreshToken as string))
    } catch (err) {
      await endIfGrantGone(err, started)
      throw err
    }
    if (started !== generation) {
      if (ended) await discard(refreshed)
      throw new ClientValidationError('no_session', 'no_session: the tokens were cleared while they were being refreshed')
    }
    kept.delete(keyOf(source))
    kept.set(keyOf(refreshed), refreshed)
    let next: TokenSet
    try {
      next = await (client.switchOrganization as NonNullable<RefreshingClient['switchOrganization']>)(refreshed, current.organization as string)
    } catch (err) {
      // No longer a member (or no longer allowed): the set it came from becomes current again.
      if (err instanceof OAuthResponseError && (err.error === 'invalid_target' || err.error === 'invalid_scope')) {
        kept.delete(keyOf(refreshed))
        await save(refreshed, generation)
        return refreshed
      }
      throw err
    }
    await save(next, generation)
    return next
  }

  const switchOrganization = (orgId: string): Promise<TokenSet> =>
    exclusive(async () => {
      if (typeof orgId !== 'string' || orgId === '') throw new TypeError('switchOrganization: orgId must be a non-empty string')
      const started = generation
      const current = await storage.get()
      if (!current) throw new ClientValidationError('no_session')
      if (current.organization === orgId) return current
      let next = kept.get(orgId)
      if (next === undefined) {
        if (!client.switchOrganization) throw new TypeError('switchOrganization: the token manager\'s client has no switchOrganization (use an AuthorizationCodeClient)')
        next = await client.switchOrganization(current, orgId)
        if (started !== generation) {
          // Signed out (or in again) while the exchange was out: its tokens belong to nobody.
          await discard(next)
          throw new ClientValidationError('no_session', 'no_session: the tokens were replaced or cleared during the organization switch')
        }
      } else {
        kept.delete(orgId)
      }
      keep(current)
      await save(next, generation)
      return next
    })

  const getAccessToken = async (): Promise<string> => {
    const tokens = await storage.get()
    if (!tokens) throw new ClientValidationError('no_session')
    const expiring = tokens.expiresAt !== undefined && now() >= tokens.expiresAt - effectiveSkew
    if (!expiring) return tokens.accessToken
    if (tokens.refreshToken === undefined && sourceFor(tokens) === undefined) {
      // Still usable until it actually expires; after that the session is over.
      if (now() < (tokens.expiresAt as number)) return tokens.accessToken
      await clear()
      const err = new ClientValidationError('no_refresh_token', 'no_refresh_token: the access token expired and there is no refresh token')
      options.onSessionExpired?.(err)
      throw err
    }
    return (await refresh()).accessToken
  }

  const authFetch = bearerFetch(
    {
      getToken: getAccessToken,
      async renew(refused) {
        // Refresh once for every request that failed with the same token; the later ones find
        // the new token already stored and skip straight to the retry.
        const current = await storage.get()
        if (current?.accessToken === refused) await refresh()
      },
    },
    options,
  )

  return {
    async setTokens(tokens) {
      const previous = ended ? undefined : await storage.get()
      ended = false
      const at = ++generation
      // A new sign-in of the same user (for another organization, say) keeps the previous set for
      // a switch back; anyone else's tokens must not be reachable from this session.
      const sameUser = previous?.claims?.sub !== undefined && previous.claims.sub === tokens.claims?.sub
      if (!sameUser) {
        for (const set of kept.values()) void discard(set)
        kept.clear()
      } else if (keyOf(previous) !== keyOf(tokens)) {
        keep(previous)
      }
      kept.delete(keyOf(tokens))
      await save(tokens, at)
    },
    getAccessToken,
    refresh,
    authFetch,
    async revoke() {
      // First, so a refresh in flight cannot store its (new) tokens after this: it revokes them instead.
      generation++
      ended = true
      const tokens = await storage.get()
      const others = [...kept.values()]
      kept.clear()
      stop()
      try {
        // The other organizations' tokens best effort: the current ones decide the outcome.
        await Promise.all(others.map(discard))
        if (tokens && client.revoke) {
          // The refresh token first: revoking it ends the grant, and on servers that revoke the
          // grant's access tokens with it the second call is a no-op (RFC 7009 §2.1).
          if (tokens.refreshToken !== undefined) await client.revoke(tokens.refreshToken, 'refresh_token')
          await client.revoke(tokens.accessToken, 'access_token')
        }
      } finally {
        await storage.set(undefined)
      }
    },
    clear,
    stop,
    async organization() {
      return (await storage.get())?.organization ?? null
    },
    switchOrganization,
  }
}
