/**
 * Issue 12: what differs between upstream providers in code, as one small interface: how Latch
 * authenticates to the token endpoint and how the upstream's profile is read, plus four optional
 * hooks for the presets that need them (Google's `hd`, Apple's fixed endpoints and form_post `user`,
 * Microsoft's multi-tenant issuer, GitHub's 200-with-error token answers). Types in
 * `providers/table.ts` (`PROVIDERS`), one entry per connection type.
 */
import type { AuthorizationServer, ClientAuth, HttpRequestOptions } from 'oauth4webapi'
import type { ConnectionSecrets, ResolvedConnection } from '../../config/schema.js'
import type { UpstreamProfile } from '../profile.js'

export interface ProfileInput {
  connection: ResolvedConnection
  /** The validated ID token's claims (OIDC), else empty. */
  idToken: Record<string, unknown>
  /** The access token, for profile endpoints; never kept beyond the call. */
  accessToken: string
  http: HttpRequestOptions<string, unknown>
  /** oidc: the userinfo claims, read and checked against the ID token's `sub` already (empty without a userinfo endpoint). */
  userinfo: Record<string, unknown>
  /** The authorization response's parameters (query or form_post): Apple sends the user's name there, once. */
  callbackParams?: URLSearchParams
}

export interface Provider {
  /** The client authentication at the upstream's token endpoint. */
  clientAuth(connection: ResolvedConnection, secrets: ConnectionSecrets): ClientAuth | Promise<ClientAuth>
  /** The upstream's profile, mapped; null when it names no subject. */
  profile(input: ProfileInput): Promise<UpstreamProfile | null>
  /** Metadata known without discovery (Apple; Microsoft's multi-tenant endpoints, whose discovered `issuer` is a template); null: discover. */
  metadata?(connection: ResolvedConnection): AuthorizationServer | null
  /** Parameters of the authorization request beyond the standard ones (Google's `hd`). */
  authorizationParams?(connection: ResolvedConnection): Record<string, string>
  /**
   * Called with the token endpoint's response before oauth4webapi processes it (read a `clone()`):
   * the metadata to check the response against (Microsoft: the issuer of the signed-in user's
   * tenant), or an `UpstreamError` for an answer oauth4webapi would misread (GitHub's 200 `{error}`).
   */
  tokenResponse?(connection: ResolvedConnection, as: AuthorizationServer, response: Response): Promise<AuthorizationServer>
}
