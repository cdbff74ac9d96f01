/**
 * The one storage interface of Latch: typed repositories whose operations are the atomic steps
 * the RFCs need (consume a code once, rotate a refresh token once, record a jti once, poll a
 * device code no faster than its interval). Handlers never read, decide and write: the store
 * makes each decision in one conditional statement, so it holds across processes and nodes.
 *
 * All times are integer epoch seconds, and every "now" is passed in by the caller from its injected
 * clock: the store never reads a clock of its own. Secret-bearing values (codes, refresh tokens, device
 * codes, user codes, session cookies, client secrets) are only ever passed in and stored as
 * hashes (`*_hash`, see `lib/random.ts` `hashHandle`).
 *
 * Tenants (issue 11): every row belongs to one tenant. The store `createStore` returns is tenant
 * `default`; `forTenant(id)` is the same interface for another tenant, reading only that tenant's
 * rows (a join by a chosen id, client or organization, matches the tenant too) and stamping its
 * writes. Deployment-wide on purpose, the same through every tenant's store: `tenants`,
 * `interactions.countActive`, `deviceCodes.countActive` (the caps on anonymous work are per
 * deployment), `logoutDeliveries.claim` (one delivery loop per node serves every tenant),
 * `evictAnonymousInteractions`, `sweep`, `ping` and `close`, and (issue 14) `audit.append` and
 * `audit.prune` (each audit record names its tenant; retention is the deployment's).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2 (single-use codes)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (refresh token rotation)
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5 (device polling)
 */
import type {
  ClientRecord,
  ClientSource,
  UserRecord,
  SigningKeyRecord,
  GrantRecord,
  AuthorizationCodeRecord,
  RefreshTokenRecord,
  RotateResult,
  AccessTokenRecord,
  DeviceCodeRecord,
  PollResult,
  SessionRecord,
  ConsentRecord,
  InteractionRecord,
  SweepPolicy,
  SweepResult,
  WriteCondition,
  OrganizationRecord,
  Membership,
  TenantRecord,
  TenantIndexEntry,
  LogoutDeliveryRecord,
  AlertDeliveryRecord,
  ConnectionRecord,
  IdentityRecord,
  NewUser,
  UpstreamLoginRecord,
  UpstreamSessionRecord,
  PasskeyRecord,
  PasskeyChallengeRecord,
  PasskeyUse,
  TotpRecord,
  MfaChallengeRecord,
  EmailTokenRecord,
  EmailTokenPurpose,
  AuditRecord,
  AuditFilter,
  AuditPage,
} from './records.js'
import type { Branding } from '../interaction/views/branding.js'
import type { PoolUsage } from './dialects/dialect.js'
export type { PoolUsage } from './dialects/dialect.js'

/** Issue 14: called after every query with its duration in seconds and whether it failed. */
export type QueryObserver = (seconds: number, failed: boolean) => void

export type * from './records.js'

export interface Store {
  clients: {
    get(clientId: string): Promise<ClientRecord | null>
    list(): Promise<ClientRecord[]>
    /**
     * Inserts or updates the client. Issue 14 (review M5b): `source` says who owns it, 'config' (the
     * config file, `seedFromConfig`) or 'cli' (the default: `latch clients create`, tests); an update
     * sets it too, so a file that lists a client takes it over.
     */
    upsert(client: ClientRecord, now: number, source?: ClientSource): Promise<void>
    /** Issue 14 (review M5b): the client_ids the config file owns (`source` 'config'), sorted. */
    configOwned(): Promise<string[]>
    /** Deletes the client and, in the same transaction, its consents, and revokes its grants at `now`. */
    delete(clientId: string, now: number): Promise<boolean>
  }
  users: {
    getById(id: string): Promise<UserRecord | null>
    getByEmail(email: string): Promise<UserRecord | null>
    list(): Promise<UserRecord[]>
    /**
     * Inserts, or updates the user with the same email (keeping its id). Returns the stored row.
     * `roles` and `attributes` default to none for a new user and are left as stored when omitted.
     */
    upsert(user: Omit<UserRecord, 'id' | 'created_at' | 'updated_at' | 'roles' | 'attributes'> & Partial<Pick<UserRecord, 'roles' | 'attributes'>> & { id?: string }, now: number): Promise<UserRecord>
    /**
     * Replaces the password hash. With `signOut`, in the same transaction, every session of the user
     * ends and every grant of theirs is revoked, `offline_access` included, with their unredeemed
     * codes and device approvals: a password change is the user's "sign everyone out".
     */
    setPasswordHash(id: string, passwordHash: string, now: number, options?: { signOut?: boolean }): Promise<boolean>
    /**
     * Issue 14: disables (`disabled_at` = now) or re-enables the user. Disabling also signs them out
     * in the same transaction (as `signOut`); re-enabling restores sign-in, not what was ended.
     * Returns the user as stored; null when there is no such user.
     */
    setDisabled(id: string, disabled: boolean, now: number): Promise<UserRecord | null>
    /**
     * Issue 14, "sign out everywhere": in one transaction every session of the user ends (back-channel
     * logout queued) and every grant of theirs is revoked, `offline_access` included, with their codes
     * and approved device codes. Returns how many live sessions ended; null when there is no such user.
     */
    signOut(id: string, now: number): Promise<{ sessions: number } | null>
    /**
     * Issue 14: a page of users by email: those after `after` (an email, exclusive), or only `email`, or those whose email starts with `emailPrefix`;
     * at most `limit`, and whether there are more.
     */
    page(filter: { email?: string; emailPrefix?: string; after?: string }, limit: number): Promise<{ users: UserRecord[]; more: boolean }>
    /** Replaces the user's roles and/or custom attributes; false when there is no such user. */
    update(id: string, patch: Partial<Pick<UserRecord, 'roles' | 'attributes' | 'claims'>>, now: number): Promise<boolean>
    /**
     * Issue 13, "Change password" on the account page: replaces the hash only while `expectedHash`
     * is still the stored one (a concurrent change or reset wins, and this one writes nothing), and
     * in the same transaction ends every other session of the user (back-channel logout queued for
     * each), revokes every grant of the user, `offline_access` included, with their codes and device
     * approvals (as `setPasswordHash` with `signOut`), and gives the kept session the new cookie hash
     * `rotatedSessionHash` (its id, `sid`, stays). Returns the ids of the sessions it ended; null, and
     * nothing written, when the hash changed meanwhile.
     */
    changePassword(id: string, expectedHash: string, newHash: string, keep: { sessionId: string; rotatedSessionHash: string }, now: number): Promise<{ endedSessionIds: string[] } | null>
    /** Deletes the user (sessions and consents go with them) and revokes their grants at `now`. */
    delete(id: string, now: number): Promise<boolean>
  }
  organizations: {
    get(id: string): Promise<OrganizationRecord | null>
    /** Every organization, by id. */
    list(): Promise<OrganizationRecord[]>
    /** Inserts, or updates the name and domains (and the branding, when given) of the organization with that id. */
    upsert(organization: Pick<OrganizationRecord, 'id' | 'name' | 'domains'> & { branding?: Branding }, now: number): Promise<OrganizationRecord>
    /** Issue 11: the organization's branding (`{}`: none), in one primary-key read; null: no such organization. */
    branding(id: string): Promise<Branding | null>
    /**
     * Deletes the organization with its memberships and, in the same transaction, revokes every
     * grant for it (their refresh and access tokens with them) and consumes its unredeemed codes.
     */
    delete(id: string, now: number): Promise<boolean>
    /** Organizations whose `domains` include `domain` (lower-case), for email-domain joins at sign-in. */
    withDomain(domain: string): Promise<OrganizationRecord[]>
    /** The user's membership of the organization, in one primary-key read (every org token issuance). */
    membership(organizationId: string, userId: string): Promise<Membership | null>
    /** The user's memberships, ordered by organization name then id, at most `limit`. */
    membershipsOf(userId: string, limit: number): Promise<Membership[]>
    /** The organization's members with their roles, ordered by email. */
    members(organizationId: string): Promise<{ user: UserRecord; roles: string[] }[]>
    /** Makes the user a member with exactly `roles` (an existing member's roles are replaced). False: no such organization or user. */
    addMember(organizationId: string, userId: string, roles: string[], now: number): Promise<boolean>
    /** Adds the user with `roles` unless already a member (whose roles stay): email-domain joins. True when added. */
    joinIfAbsent(organizationId: string, userId: string, roles: string[], now: number): Promise<boolean>
    /** Ends the membership; false when there was none. Tokens already issued say `org_id` until they expire; refresh re-checks. */
    removeMember(organizationId: string, userId: string, now: number): Promise<boolean>
  }
  /** Issue 12: the tenant's upstream identity providers. */
  connections: {
    /** Every connection, by id. */
    list(): Promise<ConnectionRecord[]>
    get(id: string): Promise<ConnectionRecord | null>
    /** Inserts or replaces; writes nothing (and returns the stored row) when `digest` equals the stored one: seeding on every start. */
    upsert(connection: Omit<ConnectionRecord, 'created_at' | 'updated_at'>, now: number): Promise<ConnectionRecord>
    /** Deletes it; its identities and pending upstream logins go with it (one transaction). Users stay. */
    delete(id: string, now: number): Promise<boolean>
  }
  /** Issue 12: users' accounts at connections. */
  identities: {
    /** The identity and its user, one read (every federated sign-in). */
    find(connectionId: string, subject: string): Promise<{ identity: IdentityRecord; user: UserRecord } | null>
    /** The user's identities, oldest first. */
    listForUser(userId: string): Promise<IdentityRecord[]>
    /** `linked`: new, or already this user's; `taken`: another user's (nothing changes). */
    link(identity: Omit<IdentityRecord, 'created_at' | 'last_used_at'>, now: number): Promise<'linked' | 'taken'>
    /**
     * Just-in-time provisioning, one transaction: the user is inserted unless a user with that
     * email exists (`email_taken`: that user is never touched, unlike `users.upsert`, which would
     * overwrite its password hash), then the identity. `identity_exists`: a concurrent sign-in
     * provisioned it first (its user returned).
     */
    provision(
      user: NewUser,
      identity: Pick<IdentityRecord, 'connection_id' | 'subject' | 'email' | 'email_verified'>,
      now: number,
    ): Promise<{ outcome: 'created'; user: UserRecord } | { outcome: 'identity_exists'; user: UserRecord } | { outcome: 'email_taken' }>
    /** Records a sign-in through the identity, with what the upstream said of the email this time. */
    touch(connectionId: string, subject: string, seen: { email: string | null; email_verified: boolean }, now: number): Promise<void>
    /**
     * One conditional statement: refused (`last_method`) when the user would keep no way to sign in.
     * `usable` says which count (default: a password, and every other identity): a password only
     * where password sign-in is allowed to this user, identities only of connections they may use.
     */
    unlink(userId: string, connectionId: string, now: number, usable?: { password: boolean; connections: readonly string[] }): Promise<'unlinked' | 'last_method' | 'not_linked'>
  }
  /** Issue 12: sign-ins under way at upstreams, by the hash of their `state`. */
  upstreamLogins: {
    /** Inserts, and evicts the oldest beyond `cap` of the same interaction (sign-in) or user (link). */
    insert(login: UpstreamLoginRecord, cap: number): Promise<void>
    /** form_post: records the response once (row of that connection, unexpired, nothing stashed yet); false otherwise. */
    stash(stateHash: string, connectionId: string, params: Record<string, string>, now: number): Promise<boolean>
    /** Single use across nodes, bound to the browser: the row once, only with its browser's hash, only unexpired. */
    take(stateHash: string, browserHash: string, now: number): Promise<UpstreamLoginRecord | null>
  }
  /**
   * Issue 12, federated logout: the upstream session behind a Latch session. A row goes with its
   * session (cascade), however that ends, and is swept at `expires_at`.
   */
  upstreamSessions: {
    /** One per session: a later federated sign-in renewing the same session replaces it. */
    put(session: UpstreamSessionRecord): Promise<void>
    /** The unexpired row of the session (`sessions.id`), or null. */
    get(sessionId: string, now: number): Promise<UpstreamSessionRecord | null>
  }
  /**
   * Issue 13: users' passkeys (WebAuthn credentials) and the challenges of their ceremonies.
   * Anonymous requests create challenges (a sign-in page asking for options), so they are bounded:
   * at most `cap` per interaction (sign-in) or user (registration), the oldest going first, each
   * expiring (five minutes) and swept.
   */
  passkeys: {
    /** The user's passkeys, oldest first. */
    listForUser(userId: string): Promise<PasskeyRecord[]>
    /** The passkey with this credential id in this tenant, with its user; null when there is none (or the user is gone). */
    find(credentialId: string): Promise<{ passkey: PasskeyRecord; user: UserRecord } | null>
    /** Stores a new passkey; `taken` (nothing written) when this tenant has the credential id already (WebAuthn L3 §7.1 step 26). */
    insert(passkey: PasskeyRecord): Promise<'inserted' | 'taken'>
    /** Renames one of the user's passkeys; false when it is not theirs. */
    rename(userId: string, credentialId: string, name: string): Promise<boolean>
    /** Deletes one of the user's passkeys; false when it is not theirs. */
    remove(userId: string, credentialId: string): Promise<boolean>
    /**
     * A verified assertion's counter and flags, in one conditional UPDATE (WebAuthn L3 §6.1.1):
     * `used` when the counter went up, or when it is 0 and the stored one is 0 too (an authenticator
     * without a counter); otherwise `counter_regressed` and nothing written (a possible clone, or a
     * concurrent replay of the same assertion); `unknown` when the passkey is gone.
     */
    recordUse(credentialId: string, signCount: number, backedUp: boolean, now: number): Promise<PasskeyUse>
    /** Stores a ceremony's challenge and evicts the oldest beyond `cap` of its interaction (authenticate) or user (register). */
    insertChallenge(challenge: PasskeyChallengeRecord, cap: number): Promise<void>
    /** Single use across nodes, bound to the browser: the row once, only with its browser's hash and purpose, only unexpired. */
    takeChallenge(challengeHash: string, browserHash: string, purpose: PasskeyChallengeRecord['purpose'], now: number): Promise<PasskeyChallengeRecord | null>
  }
  /**
   * Issue 13, MFA: TOTP authenticators, recovery codes, the second-factor step of an interaction and
   * the clients and organizations that require MFA. Every decision that must hold once (a TOTP time
   * step, a recovery code, a challenge, a wrong-code budget) is one conditional statement.
   */
  mfa: {
    /** The user's authenticator, confirmed or still waiting for its first code; null: none. */
    totp(userId: string): Promise<TotpRecord | null>
    /** Starts (or restarts) an enrolment: false, with nothing written, when a confirmed one exists. */
    beginTotp(userId: string, secretEncrypted: string, now: number): Promise<boolean>
    /** Confirms the waiting enrolment with the step of its first code; false when there is none waiting. */
    confirmTotp(userId: string, step: number, now: number): Promise<boolean>
    /** RFC 6238 §5.2: accepts `step` only when later than the last accepted one (never the same code twice). */
    acceptStep(userId: string, step: number): Promise<boolean>
    /**
     * Reserves one attempt of the user's wrong-code budget (`limit` per `window` seconds, and
     * `lockAfter` in a row whatever the time) before a code is checked: the consecutive count
     * with this attempt, or null, and nothing counted, when either is spent (at `lockAfter` the
     * second factor is locked). `forgive` takes both counts back after a right answer.
     */
    reserveAttempt(userId: string, now: number, window: number, limit: number, lockAfter: number): Promise<number | null>
    forgive(userId: string): Promise<void>
    /** Unlocks a locked second factor (a password reset): both counts back to zero. */
    unlock(userId: string): Promise<void>
    /** Confirms a forced enrolment with its challenge's secret, in one statement: false when a confirmed authenticator exists. */
    confirmTotpWith(userId: string, secretEncrypted: string, step: number, now: number): Promise<boolean>
    /** Gives the challenge its enrolment secret, once and only for its browser: false when it has one (or is gone). */
    setEnrolSecret(interactionId: string, browserHash: string, secretEncrypted: string): Promise<boolean>
    /** Removes the authenticator and the recovery codes (MFA off); false when there was none. */
    removeTotp(userId: string): Promise<boolean>
    /** Replaces every recovery code of the user with these hashes, in one transaction. */
    replaceRecoveryCodes(userId: string, codeHashes: readonly string[], now: number): Promise<void>
    /** Single use across nodes: true once for an unused code of the user. */
    useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean>
    recoveryCodesLeft(userId: string): Promise<number>
    /** The challenge of this interaction (one per interaction: a new first factor replaces it). */
    putChallenge(challenge: MfaChallengeRecord): Promise<void>
    getChallenge(interactionId: string): Promise<MfaChallengeRecord | null>
    /** Counts a wrong code; the count after it, or null when the challenge is gone. At `limit`, the challenge is deleted. */
    failChallenge(interactionId: string, limit: number): Promise<number | null>
    /** Single use: the challenge once, only with its browser's hash. */
    takeChallenge(interactionId: string, browserHash: string): Promise<MfaChallengeRecord | null>
    /** Whether this client (or organization) requires MFA; `setRequired` records or clears it. */
    required(subject: 'client' | 'organization', id: string): Promise<boolean>
    /** Whether any of these (at most a few hundred) requires MFA, in one read. */
    anyRequired(subject: 'client' | 'organization', ids: readonly string[]): Promise<boolean>
    setRequired(subject: 'client' | 'organization', id: string, required: boolean, now: number): Promise<void>
  }
  keys: {
    /** Every key not yet expired at `now`, newest generation first. */
    list(now: number): Promise<SigningKeyRecord[]>
    /** The highest generation ever stored (expired keys included), 0 when there is none. */
    latestGeneration(): Promise<number>
    /**
     * Adds `key` and, in the same transaction, retires every other key not retired by
     * `key.activates_at` at that time (they stay published until `retiredExpiresAt`). Returns false and writes
     * nothing when `key.generation` is taken: another node added a key first (a cold start or a
     * rotation racing this one), whose key the caller should adopt instead.
     */
    add(key: SigningKeyRecord, retiredExpiresAt: number, companion?: SigningKeyRecord): Promise<boolean>
    /** Adds a companion (its `companion_of` set) to an existing main key; false when that key has one already. */
    addCompanion(companion: SigningKeyRecord): Promise<boolean>
  }
  grants: {
    /**
     * Stores a new grant and its first refresh token (or none) in one transaction: the one write
     * that commits a code, device or password redemption. Returns false and writes nothing when a
     * grant with that id exists already: revoked before it was opened (a replayed code, see
     * `revoke`) or opened twice, or when `condition` no longer holds (then no grant row with that id
     * exists). `refreshToken.grant_id` must be `grant.id`.
     */
    open(grant: GrantRecord, refreshToken: RefreshTokenRecord | null, condition?: WriteCondition): Promise<boolean>
    get(id: string): Promise<GrantRecord | null>
    /**
     * Revokes the grant and with it every refresh token, access token and code under it; the first
     * revocation time stands. Also before the grant is opened: a grant id that so far only a code
     * names is written as a revoked grant (from the code's fields), so a redemption racing the
     * revocation either is revoked with it or cannot `open` the grant (RFC 6749 §4.1.2).
     */
    revoke(id: string, now: number): Promise<void>
    /**
     * Revokes, in one transaction, what was issued within the IdP session `sessionId` (`sid`): its
     * grants with their refresh and access tokens, its unredeemed codes (a redemption racing this
     * cannot open its grant) and its approved device codes not yet redeemed (then denied). With
     * `keepOfflineAccess`, what carries `offline_access` survives (OIDC Core §11) and its unredeemed
     * codes and device approvals are detached from the session (`session_id` cleared).
     */
    revokeBySession(sessionId: string, now: number, options: { keepOfflineAccess: boolean }): Promise<void>
  }
  authorizationCodes: {
    insert(code: AuthorizationCodeRecord): Promise<void>
    /**
     * The code as stored (consumed or expired ones too, so the caller can tell a replay) with its
     * user (null when deleted), in one read that decides nothing: `redeem` or `consume` does.
     */
    find(codeHash: string): Promise<{ code: AuthorizationCodeRecord; user: UserRecord | null } | null>
    /**
     * The redemption, in one transaction: consumes the code, exactly once across all nodes, and opens
     * its grant (every field from the code as stored, `created_at` = `now`) with its first refresh
     * token, whose `session_id` is then the code's. A code of an IdP session opens its grant only
     * while that session exists; a logout since the code was read may have detached an
     * `offline_access` code from its session, and the grant then names none. Outcomes: `opened`;
     * `refused`, the code consumed but nothing opened (a revocation's tombstone took the grant id,
     * or the session ended); `replayed`, the code had been consumed already (RFC 6749 §4.1.2: the
     * caller revokes its grant), nothing written; `invalid`, expired or unknown, nothing written.
     * `code` is the code as consumed (or as found consumed).
     */
    redeem(
      codeHash: string,
      now: number,
      refreshToken: RefreshTokenRecord | null,
    ): Promise<{ outcome: 'opened' | 'refused' | 'replayed'; code: AuthorizationCodeRecord } | { outcome: 'invalid' }>
    /**
     * Marks the code consumed and returns it, exactly once across all nodes. A second call (or an
     * expired code) returns `null` for `record`, and `replayed` with the stored row when the code
     * was known but already consumed, so the caller can revoke its grant (RFC 6749 §4.1.2).
     */
    consume(codeHash: string, now: number): Promise<{ record: AuthorizationCodeRecord | null; replayed: AuthorizationCodeRecord | null }>
  }
  refreshTokens: {
    insert(token: RefreshTokenRecord): Promise<void>
    get(tokenHash: string): Promise<RefreshTokenRecord | null>
    /**
     * What a refresh reads, in one statement: the token (`revoked_at` set when its grant is revoked,
     * as `get`), its grant, its user (null when deleted or none) and whether its IdP session is
     * still alive at `now`.
     */
    getForRefresh(tokenHash: string, now: number): Promise<{ token: RefreshTokenRecord; grant: GrantRecord | null; user: UserRecord | null; sessionAlive: boolean } | null>
    /** Compare-and-swap: marks `oldHash` rotated and inserts `next` in one transaction. */
    rotate(oldHash: string, next: RefreshTokenRecord, now: number): Promise<RotateResult>
    revoke(tokenHash: string, now: number): Promise<boolean>
  }
  accessTokens: {
    /** Upserts a revoked row for `jti`, kept until the token expires; the first revocation time stands. */
    revoke(token: Omit<AccessTokenRecord, 'revoked_at'>, now: number): Promise<void>
    /**
     * True when `jti` was revoked, or when it names a grant (the text before its first '.', as
     * `tokens/access-token.ts` writes it) and that grant is revoked. One statement.
     */
    isRevoked(jti: string): Promise<boolean>
  }
  deviceCodes: {
    insert(code: DeviceCodeRecord): Promise<void>
    getByUserCode(userCodeHash: string, now: number): Promise<DeviceCodeRecord | null>
    /** Approves or denies a pending, unexpired code; false when it was not pending any more. */
    decide(
      userCodeHash: string,
      decision: { status: 'approved' | 'denied'; user_id: string; auth_time: number; session_id: string | null; granted_scope: string | null; amr?: string[] | null },
      now: number,
    ): Promise<boolean>
    /** One poll, enforcing `interval` (RFC 8628 §3.5) and single redemption. */
    poll(deviceCodeHash: string, now: number): Promise<PollResult>
    /** Unexpired device codes at `now` of every tenant (deployment-wide), counted up to `limit`. */
    countActive(now: number, limit: number): Promise<number>
  }
  sessions: {
    /** False, and nothing written, when `condition` no longer holds (the password changed since it was checked). */
    insert(session: SessionRecord, condition?: WriteCondition): Promise<boolean>
    /** Only unexpired sessions. */
    get(sessionHash: string, now: number): Promise<SessionRecord | null>
    /** An unexpired session with its user, in one read; null also when the user is gone. */
    getWithUser(sessionHash: string, now: number): Promise<{ session: SessionRecord; user: UserRecord } | null>
    getById(id: string, now: number): Promise<SessionRecord | null>
    /**
     * Ends a session: deletes it and, in the same transaction, revokes what was issued within it
     * except `offline_access` (`grants.revokeBySession`). Returns the ended session, or null when
     * there was no live one: an expired row is only deleted (expiry revokes nothing).
     */
    end(sessionHash: string, now: number): Promise<SessionRecord | null>
    /**
     * Re-authentication of a live session's own user: the session takes a new cookie hash, auth_time,
     * amr and expiry and keeps its id (`sid`), so what was issued within it stays in it. Null (and
     * nothing written) when `sessionHash` names no unexpired session of `next.user_id`.
     */
    renew(sessionHash: string, next: Pick<SessionRecord, 'session_hash' | 'user_id' | 'auth_time' | 'amr' | 'expires_at'>, now: number): Promise<SessionRecord | null>
    /** Issue 13: the user's unexpired sessions, newest first, at most `limit` (the account page). */
    listForUser(userId: string, now: number, limit: number): Promise<SessionRecord[]>
    /**
     * Issue 13: ends the session `id` only if it is `userId`'s, with `end`'s effects (what was issued
     * within it revoked, `offline_access` kept; back-channel logout queued). Null: no live session
     * of that user has this id (another user's id names nothing).
     */
    endById(id: string, userId: string, now: number): Promise<SessionRecord | null>
  }
  consents: {
    /** What the user granted the client for `resource` (null: no resource); other resources' consents do not count. */
    get(userId: string, clientId: string, resource: string | null): Promise<ConsentRecord | null>
    /** Adds `scopes` to what the user already granted the client for `resource`. */
    grant(userId: string, clientId: string, resource: string | null, scopes: string[], now: number): Promise<void>
    /** Issue 13: everything the user consented to, one entry per (client, resource), with when it was first granted; by client. */
    listForUser(userId: string): Promise<(ConsentRecord & { granted_at: number })[]>
    /**
     * Issue 13, "Revoke" on the account page: deletes the user's consents to the client (every
     * resource) and, in the same transaction, revokes every grant of the user for that client
     * (`offline_access` included) with its refresh tokens, access tokens and unredeemed codes, and
     * denies its approved device codes not yet picked up. False: there was neither consent nor grant.
     */
    revoke(userId: string, clientId: string, now: number): Promise<boolean>
    /**
     * Issue 13 (review L7): what the user's live grants hold, per (client, resource, scope string),
     * with when the first was made: grants not revoked that have a refresh token unrevoked and
     * unexpired at `now`, or were made after `accessSince` (an access token of theirs may still be
     * valid). Clients that skip consent have grants but no consent. At most 500 entries.
     */
    liveGrantsOf(userId: string, accessSince: number, now: number): Promise<{ client_id: string; resource: string | null; scope: string; created_at: number }[]>
  }
  /**
   * Issue 13: the links and codes Latch mails, stored hashed (`token_hash`). Every consumption is
   * one conditional UPDATE on `used_at IS NULL AND expires_at > now`, so a token is used once
   * across nodes. Swept at `expires_at`.
   */
  emailTokens: {
    /**
     * Inserts the row; the unused rows of the same purpose and email beyond the newest `keep`
     * (the new one included) are deleted in the same transaction, so a fresh link replaces older
     * ones and anonymous requests cannot pile rows up on one address.
     */
    insert(token: EmailTokenRecord, keep: number): Promise<void>
    /** The unused, unexpired row of `purpose` whose `token_hash` this is (a link's page, before anything is done). */
    find(purpose: EmailTokenPurpose, tokenHash: string, now: number): Promise<EmailTokenRecord | null>
    /** Single use: marks that row used and returns it; null when it is unknown, used or expired. */
    consume(purpose: EmailTokenPurpose, tokenHash: string, now: number): Promise<EmailTokenRecord | null>
    /**
     * A code's guess: one conditional UPDATE counts the attempt (only while `attempts < maxAttempts`)
     * and returns the row, whose `token_hash` the caller compares; null when the row is unknown,
     * used, expired or out of attempts. The count comes first, so parallel guesses get at most
     * `maxAttempts` comparisons between them.
     */
    countAttempt(id: string, purpose: EmailTokenPurpose, maxAttempts: number, now: number): Promise<EmailTokenRecord | null>
    /** Marks the row used (after a right code); false when another request used it first. */
    use(id: string, now: number): Promise<boolean>
    /** Marks every unused row of `purpose` for `email` used (e.g. once the password was reset). */
    useAll(purpose: EmailTokenPurpose, email: string, now: number): Promise<void>
    /**
     * Security review M2: the newest row of `purpose` for `email`, used or not, until swept (the
     * browser and interaction a resend stays bound to); null when there is none.
     */
    newest(purpose: EmailTokenPurpose, email: string): Promise<EmailTokenRecord | null>
  }
  /** Issue 13: accounts people create themselves. */
  signUps: {
    /**
     * Inserts the user (`verification_pending` as given) unless a user with that email exists:
     * null then, and that user is never touched (unlike `users.upsert`).
     */
    create(user: NewUser & { password_hash: string; verification_pending: boolean }, now: number): Promise<UserRecord | null>
    /** Users still `verification_pending`, counted up to `limit` (a cap check reads no further). */
    countPending(limit: number): Promise<number>
    /** The email is verified: `email_verified` true, `verification_pending` false. False: no such user. */
    verify(userId: string, now: number): Promise<boolean>
    /**
     * Issue 13 (review M3): the first proof of the mailbox of an account never verified (a reset
     * link, a verification): in one transaction, marks the email verified (only while it is not:
     * one conditional UPDATE) and removes what was enrolled before the proof: its passkeys, TOTP
     * authenticator, recovery codes and linked identities (someone else may have made the account
     * and enrolled them). Null, and nothing removed, when the email was verified already (or there is no such user).
     */
    proveMailbox(userId: string, now: number): Promise<{ passkeys: number; totp: boolean; identities: number } | null>
  }
  /** Issue 13: a user's email address proven by mail (passwordless sign-in, change of email). */
  emailAddresses: {
    /** Marks the email verified, only while the user's address is still `email`; false otherwise. */
    verify(userId: string, email: string, now: number): Promise<boolean>
    /**
     * Replaces the user's address `from` by `to` (verified): `taken` when another
     * user holds `to` (nothing changes), `unchanged` when it is already theirs, `missing` when the
     * user is gone or no longer has `from`.
     */
    change(userId: string, from: string, to: string, now: number): Promise<'changed' | 'unchanged' | 'taken' | 'missing'>
  }
  interactions: {
    insert(interaction: InteractionRecord): Promise<void>
    get(id: string, now: number): Promise<InteractionRecord | null>
    /** `expires_at`: an interaction gets its full lifetime once someone has signed in to it. */
    update(id: string, patch: Partial<Pick<InteractionRecord, 'user_id' | 'auth_time' | 'session_id' | 'params' | 'expires_at'>>): Promise<void>
    /** Returns the interaction once and deletes it; `null` if already taken. */
    take(id: string, now: number): Promise<InteractionRecord | null>
    /** Unexpired interactions at `now` of every tenant (deployment-wide), counted up to `limit` (a cap check reads no further). */
    countActive(now: number, limit: number): Promise<number>
  }
  /**
   * Issue 12, OIDC Back-Channel Logout 1.0: logout tokens still to send. Rows are written by
   * `sessions.end`, `users.setPasswordHash(…, { signOut: true })` and `users.delete`, in their own
   * transaction, for each client with a `backchannel_logout_uri` that took part in the session (a
   * grant or a code of it).
   */
  logoutDeliveries: {
    /**
     * Deployment-wide (every tenant's rows, the same through every tenant's store): up to `limit`
     * rows due at `now` whose lease is free, oldest first, each leased until `now + leaseSeconds` in
     * the same statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so two nodes never claim the same row.
     */
    claim(now: number, limit: number, leaseSeconds: number): Promise<(LogoutDeliveryRecord & { tenant_id: string })[]>
    /** Removes the row: delivered, or abandoned. */
    complete(clientId: string, sid: string): Promise<void>
    /** Counts an attempt, frees the lease and schedules the next attempt at `nextAttemptAt`. */
    retry(clientId: string, sid: string, nextAttemptAt: number): Promise<void>
    /** This tenant's rows, oldest first (tests, diagnostics). */
    list(): Promise<LogoutDeliveryRecord[]>
  }
  replay: {
    /**
     * Records a one-time value (e.g. a client assertion `jti`); false when it was seen before and
     * has not expired by `now` (the injected clock's time: the store never reads a clock).
     */
    record(key: string, expiresAt: number, now: number): Promise<boolean>
  }
  /**
   * Deletes the `limit` oldest unexpired interactions nobody has signed in to, of every tenant
   * (deployment-wide), in one statement (`repositories/interaction-eviction.ts`); returns how many went.
   */
  evictAnonymousInteractions(now: number, limit: number): Promise<number>
  /**
   * Deletes rows nobody can use any more, in batches that each hold their locks briefly; safe to
   * run on several nodes at once. Grants outlive every access token under them, and expired
   * device codes are kept a while (see `repositories/sweep.ts`). Returns the rows deleted per table.
   * Deployment-wide: every tenant's rows.
   */
  sweep(now: number, policy?: Partial<SweepPolicy>): Promise<SweepResult>
  /** Cheap round trip for /healthz. */
  ping(): Promise<void>
  /** Closes the database: of every tenant's store, since they share it. */
  close(): Promise<void>
  /** Issue 14: the connection pool's use now (PostgreSQL), null without a pool (SQLite). Deployment-wide. */
  poolUsage(): PoolUsage | null
  /**
   * Issue 14: sets the function called after every query with its duration in seconds and whether
   * it failed (the `latch_db_query_duration_seconds` histogram), replacing any set before; null
   * stops it. Deployment-wide (every tenant's store shares it). Returns a detach function that
   * clears the observer only if it is still this one. For a store opened outside `createServer`
   * (`latch serve` opens its own): `createServer` attaches its metrics to the store it is given.
   */
  observeQueries(onQuery: QueryObserver | null): () => void
  /**
   * This interface for tenant `id`: every read filtered by it, every write stamped with it. Cheap:
   * the statements are the store's, shared by all tenants; it checks the id's form
   * (`[a-z0-9-]{1,64}`, else `InvalidTenantError`), not that the tenant exists. `default` gives
   * the root store itself.
   */
  forTenant(id: string): Store
  /** The tenants other than `default`. Deployment-level: the same through every tenant's store. */
  tenants: {
    get(id: string): Promise<TenantRecord | null>
    /** Every stored tenant, by id. */
    list(): Promise<TenantRecord[]>
    /** Id, issuer and last change of every stored tenant, by id: the cheap read of each reload of the tenant index. */
    listIndex(): Promise<TenantIndexEntry[]>
    /**
     * The tenants, `default` included, whose newest main signing key was created `tokens.rotation_interval`
     * seconds or more before `now`, with that key's generation: one query over every tenant's keys,
     * reading each stored tenant's interval from its settings (`unset` when they have none; 0 is off).
     * Tenants without keys (never used) are not listed.
     */
    keysDue(now: number, intervals: { default: number; unset: number }): Promise<{ id: string; generation: number }[]>
    /**
     * Inserts the tenant, or replaces the issuer and settings of the one with that id. Throws
     * `TenantIssuerTakenError` when another tenant has `issuer`, `InvalidTenantError` for an id that
     * is malformed or `default`.
     */
    upsert(tenant: Pick<TenantRecord, 'id' | 'issuer' | 'settings'>, now: number): Promise<TenantRecord>
    /**
     * Deletes every row of every table that belongs to the tenant, and the tenant, in one
     * transaction; true when the tenant was stored. `default` is refused (`InvalidTenantError`).
     * `now` is taken as by every write, though nothing is left to stamp with it.
     */
    delete(id: string, now: number): Promise<boolean>
  }
  /**
   * Issue 14: signed alert webhooks still to send (`alert_deliveries`). Deployment-wide like the
   * `alerts` config: the same through every tenant's store; each row names the tenant it is about.
   */
  alertDeliveries: {
    /**
     * Queues `rows` (attempts 0, due at `now`) unless the queue already holds `limit` rows or more,
     * counted no further than `limit`; returns how many were queued (0: the queue is full). A row
     * whose (id, webhook_id) is queued already stays as it is. Concurrent callers on several nodes
     * may each pass the count: the bound then overshoots by at most their batches.
     * With `share` (security review M3), the rows are also refused once the queue holds
     * `share.limit` rows of the types `share.types` (counted no further either): the alerts that
     * anonymous traffic can cause (throttles, thresholds) then never take the whole queue, and the
     * rest of it stays for the alerts they cannot (theft).
     */
    enqueue(
      rows: readonly Pick<AlertDeliveryRecord, 'id' | 'webhook_id' | 'tenant' | 'type' | 'body'>[],
      now: number,
      limit: number,
      share?: { types: readonly string[]; limit: number },
    ): Promise<number>
    /**
     * Up to `limit` rows due at `now` whose lease is free, oldest first, each leased until
     * `now + leaseSeconds` in the same statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), as
     * `logoutDeliveries.claim` does: two nodes never claim the same row.
     */
    claim(now: number, limit: number, leaseSeconds: number): Promise<AlertDeliveryRecord[]>
    /** Removes the row: delivered, or given up. */
    complete(id: string, webhookId: string): Promise<void>
    /** Counts an attempt, keeps its status, frees the lease and schedules the next attempt at `nextAttemptAt`. */
    retry(id: string, webhookId: string, nextAttemptAt: number, status: number | null): Promise<void>
    /** Every row, oldest first (tests, diagnostics). */
    list(): Promise<AlertDeliveryRecord[]>
  }
  /**
   * Issue 14: the audit log (README "Audit log"). `append` and `prune` are deployment-wide, the
   * same through every tenant's store; `list` reads this store's tenant only.
   */
  audit: {
    /** Inserts the records (of any tenants: each names its own), a few multi-row statements per call (no transaction). Idempotent: a record whose id is stored already is skipped (a retry after a partial write). */
    append(records: readonly AuditRecord[]): Promise<void>
    /**
     * This tenant's records, newest first, filtered (every filter optional, AND-ed), at most
     * `filter.limit` (default 100, capped at 1000); `next` is the cursor of the following page
     * (records older than the last one returned), null when there are no more.
     */
    list(filter?: AuditFilter): Promise<AuditPage>
    /** Deletes every record (of every tenant) older than `before` (epoch milliseconds), in batches; returns how many. */
    prune(before: number): Promise<number>
  }
}
