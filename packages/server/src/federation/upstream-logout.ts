/**
 * Issue 12, federated logout: Latch's logout also ends the upstream session, through the upstream's
 * RP-initiated logout, for a session signed in through a connection with `federated_logout`.
 * - At sign-in the upstream's ID token is kept (encrypted under LATCH_SECRET, `upstream_sessions`,
 *   one row per Latch session, gone with it): it is the `id_token_hint` the upstream needs to log
 *   out without asking (RP-Initiated Logout §2).
 * - At logout (after Latch's session ended, which no upstream can hold up), when the upstream
 *   advertises `end_session_endpoint`, the browser goes there with `id_token_hint`, `client_id`,
 *   `post_logout_redirect_uri=<issuer>/connections/<id>/logged-out` and a `state` that carries
 *   where Latch's own logout would have gone. That `state` is a sealed record (HMAC-SHA256 under a
 *   key derived from LATCH_SECRET with its own label, bound to the issuer and the connection,
 *   valid `FEDERATED_LOGOUT_STATE_TTL`): the upstream, or anyone, sends it back unchanged or not at
 *   all, so the logged-out endpoint never redirects anywhere Latch's logout had not verified.
 * - No row, the connection gone or no longer federating its logout, an upstream without
 *   `end_session_endpoint`, or unreachable: Latch's logout finishes as it always does.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
import { keyedMac } from '../lib/keyed-mac.js'
import type { ResolvedConnection } from '../config/schema.js'
import { isAllowedUpstreamUrl, upstreamPolicyOf } from '../connections/transport.js'
import { scrubUpstreamError, UpstreamError } from '../connections/upstream-error.js'
import { PATHS, type LatchContext } from '../context.js'
import { decryptJson, encryptJson, UPSTREAM_ID_TOKEN_INFO } from '../keys/encryption-at-rest.js'
import { constantTimeEqual } from '../lib/constant-time.js'
import type { SessionRecord, UpstreamSessionRecord } from '../storage/store.js'

/** Seconds the user may spend at the upstream's logout before coming back (its confirmation page included). */
export const FEDERATED_LOGOUT_STATE_TTL = 600

/** Where Latch's own logout goes once the session has ended: the RP's verified URI (with its state), or the signed-out page. */
export interface LogoutDestination {
  client_id: string | null
  redirect_uri: string | null
  state: string | null
}

/** After a federated sign-in: remember the upstream session of this Latch session (replacing an earlier one). */
export async function rememberUpstreamSession(ctx: LatchContext, connection: ResolvedConnection, session: SessionRecord, idToken: string): Promise<void> {
  if (!connection.federated_logout) return
  await ctx.store.upstreamSessions.put({
    session_id: session.id,
    connection_id: connection.id,
    id_token_encrypted: await encryptJson(idToken, ctx.config.secret, UPSTREAM_ID_TOKEN_INFO),
    created_at: ctx.clock.now(),
    expires_at: session.expires_at,
  })
}

/** The session's upstream session; read before the session ends (the row goes with it). */
export function upstreamSessionOf(ctx: LatchContext, sessionId: string): Promise<UpstreamSessionRecord | null> {
  return ctx.store.upstreamSessions.get(sessionId, ctx.clock.now())
}

const mac = (ctx: LatchContext, connectionId: string, payload: string) =>
  keyedMac(ctx.config.secret, 'latch/v1/federated-logout-state', `${ctx.urls.issuer}\0${connectionId}\0${payload}`)

/** The `state` sent to the upstream: the destination and an expiry, sealed for this issuer and connection. */
export function sealLogoutState(ctx: LatchContext, connectionId: string, destination: LogoutDestination): string {
  const payload = Buffer.from(JSON.stringify({ d: destination, e: ctx.clock.now() + FEDERATED_LOGOUT_STATE_TTL })).toString('base64url')
  return `${payload}.${mac(ctx, connectionId, payload)}`
}

/** The destination of a `state` this issuer sealed for this connection and that has not expired; null otherwise. */
export function openLogoutState(ctx: LatchContext, connectionId: string, state: string | undefined): LogoutDestination | null {
  const match = /^([A-Za-z0-9_-]{1,8192})\.([A-Za-z0-9_-]{43})$/.exec(state ?? '')
  if (!match) return null
  const [, payload = '', signature = ''] = match
  if (!constantTimeEqual(signature, mac(ctx, connectionId, payload))) return null
  let record: { d?: LogoutDestination; e?: number }
  try {
    record = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof record
  } catch {
    return null
  }
  if (typeof record.e !== 'number' || record.e <= ctx.clock.now() || record.d === undefined) return null
  return record.d
}

/**
 * The upstream's logout URL for the ended session's upstream session, or null when Latch's logout
 * should finish by itself. Never throws for an upstream's sake: its failures are logged.
 */
export async function upstreamLogoutUrl(ctx: LatchContext, upstream: UpstreamSessionRecord, destination: LogoutDestination): Promise<URL | null> {
  const target = await endpointOf(ctx, upstream)
  if (target === null) return null
  const { connection, url } = target
  let idToken: unknown
  try {
    idToken = await decryptJson(upstream.id_token_encrypted, ctx.config.secret, UPSTREAM_ID_TOKEN_INFO)
  } catch (error) {
    ctx.log.warn({ connection: connection.id, err: (error as Error).message }, 'upstream logout skipped: the stored ID token cannot be read')
    return null
  }
  if (typeof idToken !== 'string') return null
  url.searchParams.set('id_token_hint', idToken)
  url.searchParams.set('client_id', connection.client_id)
  url.searchParams.set('post_logout_redirect_uri', loggedOutUri(ctx, connection.id))
  url.searchParams.set('state', sealLogoutState(ctx, connection.id, destination))
  return url
}

/** The upstream's `end_session_endpoint` for a session, or null (as `upstreamLogoutUrl`): a CSP source for the confirmation page. */
export async function upstreamLogoutEndpoint(ctx: LatchContext, upstream: UpstreamSessionRecord): Promise<string | null> {
  return (await endpointOf(ctx, upstream))?.url.href ?? null
}

async function endpointOf(ctx: LatchContext, upstream: UpstreamSessionRecord): Promise<{ connection: ResolvedConnection; url: URL } | null> {
  const connection = await ctx.connections.resolve(upstream.connection_id)
  if (connection === null || !connection.federated_logout) return null
  let endpoint: unknown
  try {
    endpoint = (await ctx.connections.metadata(connection)).end_session_endpoint
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error
    ctx.log.warn({ connection: connection.id, err: scrubUpstreamError(error) }, 'upstream logout skipped: the upstream cannot be reached')
    return null
  }
  if (typeof endpoint !== 'string') return null
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return null
  }
  return isAllowedUpstreamUrl(url, upstreamPolicyOf(connection)) ? { connection, url } : null
}

/** Where the upstream sends the browser back: register it at the upstream as a post-logout redirect URI. */
export function loggedOutUri(ctx: LatchContext, connectionId: string): string {
  return `${ctx.urls.issuer}${PATHS.connections}/${connectionId}/logged-out`
}
