/**
 * Translation between the store's records (`store.ts`) and table rows (`database.ts`), through the
 * dialect's codecs for booleans and JSON. Kept apart from the queries so that every repository
 * reads and writes a record the same way, and so `kysely-store.ts` holds only decisions.
 */
import type { EmailTokenRecord, ClientRecord, ClientSource, ConnectionRecord, PasskeyRecord, PasskeyChallengeRecord, IdentityRecord, UpstreamLoginRecord, UpstreamSessionRecord, DeviceCodeRecord, DeviceCodeStatus, GrantRecord, InteractionRecord, OrganizationRecord, SessionRecord, SigningKeyRecord, TenantRecord, UserClaims, UserRecord, AuthorizationCodeRecord } from './store.js'
import type {
  AccessTokensTable, AuthorizationCodesTable, PasskeysTable, PasskeyChallengesTable, ClientsTable, ConnectionsTable, ConsentsTable, Database, UpstreamLoginsTable, UpstreamSessionsTable, UserIdentitiesTable, DeviceCodesTable, GrantsTable, InteractionsTable,
  LogoutDeliveriesTable, OrganizationMembersTable, EmailTokensTable, AlertDeliveriesTable,
  OrganizationsTable, RefreshTokensTable, ReplayKeysTable, SessionsTable, SigningKeysTable, TenantsTable, UsersTable,
} from './database.js'
import type { Codecs } from './dialects/dialect.js'
import type { Branding } from '../interaction/views/branding.js'

/**
 * Every column of a table, as a `Record<column, true>` checked against the table type: a column
 * missing here (or one the table does not have) is a compile error, so an insert that copies these
 * from a record can never leave a column out and have it written as NULL.
 */
function columns<T>() {
  return <const R extends { [K in keyof T]-?: true }>(all: R & Record<Exclude<keyof R, keyof T>, never>): readonly (keyof T & string)[] =>
    Object.keys(all) as (keyof T & string)[]
}

/**
 * Each table's columns, in schema order. Inserts copy exactly these from a record, so a caller's
 * object that carries more (a spread of some other shape, say) still writes only the schema's columns.
 */
export const COLUMNS = {
  clients: columns<ClientsTable>()({
    client_id: true, client_name: true, client_secret_hash: true, token_endpoint_auth_method: true, grant_types: true, redirect_uris: true,
    post_logout_redirect_uris: true, scope: true, resources: true, skip_consent: true, jwks: true, auth_method_pinned: true,
    id_token_signed_response_alg: true, organization_required: true, organizations: true, backchannel_logout_uri: true,
    backchannel_logout_session_required: true, created_at: true, updated_at: true, sign_up: true, source: true,
  }),
  users: columns<UsersTable>()({
    id: true, email: true, email_verified: true, password_hash: true, claims: true, roles: true, attributes: true, created_at: true, updated_at: true,
    verification_pending: true, disabled_at: true,
  }),
  signing_keys: columns<SigningKeysTable>()({
    kid: true, alg: true, public_jwk: true, private_jwk_encrypted: true, created_at: true, activates_at: true, generation: true, companion_of: true,
    retired_at: true, expires_at: true,
  }),
  grants: columns<GrantsTable>()({
    id: true, client_id: true, user_id: true, scope: true, resource: true, auth_time: true, session_id: true, organization_id: true, family_id: true, amr: true,
    created_at: true, revoked_at: true,
  }),
  authorization_codes: columns<AuthorizationCodesTable>()({
    code_hash: true, grant_id: true, client_id: true, user_id: true, redirect_uri: true, scope: true, resource: true, nonce: true, code_challenge: true,
    code_challenge_method: true, auth_time: true, session_id: true, amr: true, organization_id: true, created_at: true, expires_at: true, consumed_at: true,
  }),
  refresh_tokens: columns<RefreshTokensTable>()({
    token_hash: true, grant_id: true, client_id: true, user_id: true, scope: true, resource: true, auth_time: true, session_id: true, created_at: true,
    expires_at: true, rotated_at: true, revoked_at: true,
  }),
  access_tokens: columns<AccessTokensTable>()({ jti: true, client_id: true, expires_at: true, revoked_at: true }),
  device_codes: columns<DeviceCodesTable>()({
    device_code_hash: true, user_code_hash: true, client_id: true, scope: true, resource: true, interval: true, created_at: true, expires_at: true,
    last_polled_at: true, status: true, user_id: true, auth_time: true, session_id: true, granted_scope: true, amr: true,
  }),
  sessions: columns<SessionsTable>()({ session_hash: true, id: true, user_id: true, auth_time: true, amr: true, created_at: true, expires_at: true, user_agent: true }),
  consents: columns<ConsentsTable>()({ user_id: true, client_id: true, resource: true, scope: true, granted_at: true }),
  interactions: columns<InteractionsTable>()({
    id: true, kind: true, client_id: true, params: true, user_id: true, auth_time: true, session_id: true, created_at: true, expires_at: true,
  }),
  replay_keys: columns<ReplayKeysTable>()({ key: true, expires_at: true }),
  organizations: columns<OrganizationsTable>()({ id: true, name: true, domains: true, branding: true, created_at: true, updated_at: true }),
  organization_members: columns<OrganizationMembersTable>()({ organization_id: true, user_id: true, roles: true, created_at: true, updated_at: true }),
  logout_deliveries: columns<LogoutDeliveriesTable>()({
    client_id: true, sid: true, sub: true, created_at: true, attempts: true, next_attempt_at: true, leased_until: true,
  }),
  tenants: columns<TenantsTable>()({ id: true, issuer: true, settings: true, created_at: true, updated_at: true }),
  /** Issue 14. */
  alert_deliveries: columns<AlertDeliveriesTable>()({
    id: true, webhook_id: true, tenant: true, type: true, body: true, created_at: true, attempts: true, next_attempt_at: true, leased_until: true, last_status: true,
  }),
  connections: columns<ConnectionsTable>()({
    id: true, type: true, display_name: true, organization_id: true, required: true, settings: true, secrets_encrypted: true, source: true, digest: true,
    created_at: true, updated_at: true,
  }),
  user_identities: columns<UserIdentitiesTable>()({ connection_id: true, subject: true, user_id: true, email: true, email_verified: true, created_at: true, last_used_at: true }),
  upstream_logins: columns<UpstreamLoginsTable>()({
    state_hash: true, browser_hash: true, connection_id: true, purpose: true, interaction_id: true, user_id: true, session_id: true, response_params: true,
    created_at: true, expires_at: true,
  }),
  email_tokens: columns<EmailTokensTable>()({
    id: true, purpose: true, token_hash: true, user_id: true, email: true, browser_hash: true, interaction_id: true, attempts: true, created_at: true,
    expires_at: true, used_at: true,
  }),
  upstream_sessions: columns<UpstreamSessionsTable>()({ session_id: true, connection_id: true, id_token_encrypted: true, created_at: true, expires_at: true }),
  passkeys: columns<PasskeysTable>()({
    credential_id: true, user_id: true, public_key: true, sign_count: true, transports: true, backup_eligible: true, backed_up: true, aaguid: true, name: true,
    created_at: true, last_used_at: true,
  }),
  passkey_challenges: columns<PasskeyChallengesTable>()({
    challenge_hash: true, browser_hash: true, purpose: true, interaction_id: true, user_id: true, created_at: true, expires_at: true,
  }),
  // Issue 13 (0015).
  mfa_totp: ['user_id', 'secret_encrypted', 'last_step', 'failures', 'failed_at', 'consecutive_failures', 'confirmed_at', 'created_at'] as const,
  mfa_recovery_codes: ['user_id', 'code_hash', 'used_at', 'created_at'] as const,
  mfa_challenges: ['interaction_id', 'user_id', 'browser_hash', 'amr', 'auth_time', 'password_stamp', 'failures', 'created_at', 'enrol_secret_encrypted'] as const,
  mfa_policies: ['subject', 'subject_id', 'created_at'] as const,
  // Issue 14 (0020), with its tenant: a record names it.
  audit_events: [
    'id', 'tenant_id', 'type', 'version', 'time_ms', 'actor_type', 'actor_id', 'subject_type', 'subject_id', 'client_id', 'ip', 'user_agent', 'outcome', 'data',
  ] as const,
} satisfies { [T in keyof Database]: readonly (keyof Database[T])[] }

/** An organization's columns but its branding (up to a stylesheet): what the membership and picker reads join. */
export const ORGANIZATION_SUMMARY = COLUMNS.organizations.filter((c) => c !== 'branding')

/** The listed keys of `record`, with `undefined` (an omitted optional) stored as NULL. */
export function pick<K extends string>(record: { [P in K]?: unknown }, keys: readonly K[]): Record<K, any> {
  const out = {} as Record<K, unknown>
  for (const key of keys) out[key] = record[key] ?? null
  return out
}

export function rowCodec(codecs: Codecs) {
  const { boolean: bool, json } = codecs
  const strings = (stored: string) => json.decode(stored) as string[]
  const amrToRow = (amr: readonly string[] | null | undefined) => (amr === null || amr === undefined ? null : json.encode(amr))

  return {
    bool: (value: boolean) => bool.encode(value),
    json: (value: unknown) => json.encode(value),

    clientToRow: (c: ClientRecord, now: number, source: ClientSource): ClientsTable => ({
      client_id: c.client_id,
      client_name: c.client_name,
      client_secret_hash: c.client_secret_hash,
      token_endpoint_auth_method: c.token_endpoint_auth_method,
      grant_types: json.encode(c.grant_types),
      redirect_uris: json.encode(c.redirect_uris),
      post_logout_redirect_uris: json.encode(c.post_logout_redirect_uris),
      scope: c.scope,
      resources: c.resources === null ? null : json.encode(c.resources),
      skip_consent: bool.encode(c.skip_consent),
      jwks: c.jwks === null ? null : json.encode(c.jwks),
      auth_method_pinned: bool.encode(c.auth_method_pinned),
      id_token_signed_response_alg: c.id_token_signed_response_alg,
      organization_required: bool.encode(c.organization_required),
      organizations: c.organizations === null ? null : json.encode(c.organizations),
      backchannel_logout_uri: c.backchannel_logout_uri,
      backchannel_logout_session_required: bool.encode(c.backchannel_logout_session_required),
      sign_up: c.sign_up === undefined || c.sign_up === null ? null : bool.encode(c.sign_up),
      created_at: now,
      updated_at: now,
      source,
    }),
    client: (r: ClientsTable): ClientRecord => ({
      client_id: r.client_id,
      client_name: r.client_name,
      client_secret_hash: r.client_secret_hash,
      token_endpoint_auth_method: r.token_endpoint_auth_method as ClientRecord['token_endpoint_auth_method'],
      grant_types: strings(r.grant_types),
      redirect_uris: strings(r.redirect_uris),
      post_logout_redirect_uris: strings(r.post_logout_redirect_uris),
      scope: r.scope,
      resources: r.resources === null ? null : strings(r.resources),
      skip_consent: bool.decode(r.skip_consent),
      jwks: r.jwks === null ? null : (json.decode(r.jwks) as ClientRecord['jwks']),
      auth_method_pinned: bool.decode(r.auth_method_pinned),
      id_token_signed_response_alg: r.id_token_signed_response_alg as ClientRecord['id_token_signed_response_alg'],
      organization_required: bool.decode(r.organization_required),
      organizations: r.organizations === null ? null : strings(r.organizations),
      backchannel_logout_uri: r.backchannel_logout_uri,
      backchannel_logout_session_required: bool.decode(r.backchannel_logout_session_required),
      // Absent, not null, when the client has none: a record written without it reads back the same.
      ...(r.sign_up !== null && { sign_up: bool.decode(r.sign_up) }),
    }),

    userToRow: (u: UserRecord): UsersTable => ({
      ...pick(u, COLUMNS.users),
      email_verified: bool.encode(u.email_verified),
      claims: json.encode(u.claims),
      roles: json.encode(u.roles),
      attributes: json.encode(u.attributes),
      verification_pending: bool.encode(u.verification_pending ?? false),
      disabled_at: u.disabled_at ?? null,
    }),
    user: (r: UsersTable): UserRecord => ({
      id: r.id,
      email: r.email,
      email_verified: bool.decode(r.email_verified),
      password_hash: r.password_hash,
      claims: json.decode(r.claims) as UserClaims,
      roles: strings(r.roles),
      attributes: json.decode(r.attributes) as Record<string, unknown>,
      created_at: r.created_at,
      updated_at: r.updated_at,
      verification_pending: bool.decode(r.verification_pending),
      // Absent, not null, while enabled: a record written without it reads back the same.
      ...(r.disabled_at !== null && { disabled_at: r.disabled_at }),
    }),
    emailToken: (r: EmailTokensTable): EmailTokenRecord => ({ ...r, purpose: r.purpose as EmailTokenRecord['purpose'] }),

    keyToRow: (k: SigningKeyRecord): SigningKeysTable => ({ ...pick(k, COLUMNS.signing_keys), public_jwk: json.encode(k.public_jwk) }),
    key: (r: SigningKeysTable): SigningKeyRecord => ({ ...r, public_jwk: json.decode(r.public_jwk) as Record<string, unknown> }),

    codeToRow: (c: AuthorizationCodeRecord): AuthorizationCodesTable => ({ ...pick(c, COLUMNS.authorization_codes), amr: json.encode(c.amr) }),
    code: (r: AuthorizationCodesTable): AuthorizationCodeRecord => ({ ...r, amr: strings(r.amr) }),

    deviceCodeToRow: (d: DeviceCodeRecord): DeviceCodesTable => ({ ...pick(d, COLUMNS.device_codes), amr: amrToRow(d.amr) }),
    deviceCode: ({ amr, ...r }: DeviceCodesTable): DeviceCodeRecord => ({ ...r, status: r.status as DeviceCodeStatus, ...(amr !== null && { amr: strings(amr) }) }),

    // Issue 13 (0018): a grant's `amr`; null (a row of before 0018, no user) reads as absent: unknown.
    grantToRow: (g: GrantRecord): GrantsTable => ({ ...pick(g, COLUMNS.grants), amr: amrToRow(g.amr) }),
    grant: ({ amr, ...r }: GrantsTable): GrantRecord => ({ ...r, ...(amr !== null && { amr: strings(amr) }) }),

    sessionToRow: (s: SessionRecord): SessionsTable => ({ ...pick(s, COLUMNS.sessions), amr: json.encode(s.amr), user_agent: s.user_agent ?? null }),
    // Issue 13: no User-Agent reads as an absent one (sessions of before 0017 look as they did).
    session: ({ user_agent, ...r }: SessionsTable): SessionRecord => ({ ...r, amr: strings(r.amr), ...(user_agent !== null && { user_agent }) }),

    organization: (r: Omit<OrganizationsTable, 'branding'>): OrganizationRecord => ({ id: r.id, name: r.name, domains: strings(r.domains), created_at: r.created_at, updated_at: r.updated_at }),
    branding: (stored: string) => json.decode(stored) as Branding,
    roles: strings,

    interactionToRow: (i: InteractionRecord): InteractionsTable => ({ ...pick(i, COLUMNS.interactions), params: json.encode(i.params) }),
    interaction: (r: InteractionsTable): InteractionRecord => ({
      ...r,
      kind: r.kind as InteractionRecord['kind'],
      params: json.decode(r.params) as Record<string, unknown>,
    }),

    tenant: (r: TenantsTable): TenantRecord => ({ ...r, settings: json.decode(r.settings) as Record<string, unknown> }),

    connectionToRow: (c: ConnectionRecord): ConnectionsTable => ({ ...pick(c, COLUMNS.connections), required: bool.encode(c.required), settings: json.encode(c.settings) }),
    connection: (r: ConnectionsTable): ConnectionRecord => ({
      ...r,
      required: bool.decode(r.required),
      settings: json.decode(r.settings) as Record<string, unknown>,
      source: r.source as ConnectionRecord['source'],
      created_at: Number(r.created_at),
      updated_at: Number(r.updated_at),
    }),
    identityToRow: (i: IdentityRecord): UserIdentitiesTable => ({ ...pick(i, COLUMNS.user_identities), email_verified: bool.encode(i.email_verified) }),
    identity: (r: UserIdentitiesTable): IdentityRecord => ({
      ...r,
      email_verified: bool.decode(r.email_verified),
      created_at: Number(r.created_at),
      last_used_at: Number(r.last_used_at),
    }),
    upstreamLoginToRow: (u: UpstreamLoginRecord): UpstreamLoginsTable => ({
      ...pick(u, COLUMNS.upstream_logins),
      response_params: u.response_params === null ? null : json.encode(u.response_params),
    }),
    upstreamLogin: (r: UpstreamLoginsTable): UpstreamLoginRecord => ({
      ...r,
      purpose: r.purpose as UpstreamLoginRecord['purpose'],
      response_params: r.response_params === null ? null : (json.decode(r.response_params) as Record<string, string>),
      created_at: Number(r.created_at),
      expires_at: Number(r.expires_at),
    }),
    upstreamSession: (r: UpstreamSessionsTable): UpstreamSessionRecord => ({ ...r, created_at: Number(r.created_at), expires_at: Number(r.expires_at) }),
    passkeyToRow: (p: PasskeyRecord): PasskeysTable => ({
      ...pick(p, COLUMNS.passkeys),
      transports: json.encode(p.transports),
      backup_eligible: bool.encode(p.backup_eligible),
      backed_up: bool.encode(p.backed_up),
    }),
    passkey: (r: PasskeysTable): PasskeyRecord => ({
      ...r,
      sign_count: Number(r.sign_count),
      transports: json.decode(r.transports) as string[],
      backup_eligible: bool.decode(r.backup_eligible),
      backed_up: bool.decode(r.backed_up),
      created_at: Number(r.created_at),
      last_used_at: r.last_used_at === null ? null : Number(r.last_used_at),
    }),
    passkeyChallenge: (r: PasskeyChallengesTable): PasskeyChallengeRecord => ({
      ...r,
      purpose: r.purpose as PasskeyChallengeRecord['purpose'],
      created_at: Number(r.created_at),
      expires_at: Number(r.expires_at),
    }),
  }
}

export type RowCodec = ReturnType<typeof rowCodec>
