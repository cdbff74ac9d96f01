/**
 * Issue 12: what differs between upstream providers in code, as one small interface: how Latch
 * authenticates to the token endpoint and how the upstream's profile is read. Types in
 * `providers/table.ts` (`PROVIDERS`), one entry per connection type.
 */
import type { ClientAuth, HttpRequestOptions } from 'oauth4webapi'
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
}

export interface Provider {
  /** The client authentication at the upstream's token endpoint. */
  clientAuth(connection: ResolvedConnection, secrets: ConnectionSecrets): ClientAuth | Promise<ClientAuth>
  /** The upstream's profile, mapped; null when it names no subject. */
  profile(input: ProfileInput): Promise<UpstreamProfile | null>
}
