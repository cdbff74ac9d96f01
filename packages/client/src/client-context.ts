/**
 * What every client factory shares: the issuer's metadata (discovered lazily, on first use, from
 * the per-issuer cache), the oauth4webapi `Client` (client_id, clock tolerance), the client
 * authentication method and the request options of transport.ts. Factories stay synchronous, so a
 * client can be created at module load and the first network call happens when it is used.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
import { clockTolerance as clockToleranceKey, type AuthorizationServer, type Client, type ClientAuth, type HttpRequestOptions } from 'oauth4webapi'
import { clientAuthentication, type ClientAuthenticationMethod } from './client-authentication.js'
import { discover } from './discovery.js'
import { transport, type TransportOptions } from './transport.js'

/** Options every client factory accepts. */
export interface ClientContextOptions extends TransportOptions {
  /** The issuer identifier, e.g. `http://localhost:9000`; its metadata is discovered from it. */
  issuer: string
  clientId: string
  clientSecret?: string
  clientAuthentication?: ClientAuthenticationMethod
  /** Seconds of clock difference tolerated on ID token `exp`/`iat` (oauth4webapi default 30). */
  clockTolerance?: number
  /** Discovery document to use: `oidc` (default) or `oauth2` (RFC 8414). */
  algorithm?: 'oidc' | 'oauth2'
}

export interface ClientContext {
  metadata(): Promise<AuthorizationServer>
  client: Client
  auth: ClientAuth
  http: HttpRequestOptions<string, unknown>
  options: ClientContextOptions
}

export function clientContext(options: ClientContextOptions): ClientContext {
  if (typeof options.issuer !== 'string' || options.issuer === '') throw new TypeError('issuer is required')
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('clientId is required')
  const client: Client = { client_id: options.clientId }
  if (options.clockTolerance !== undefined) client[clockToleranceKey] = options.clockTolerance
  const discovery = { ...(options.fetch && { fetch: options.fetch }), ...(options.algorithm && { algorithm: options.algorithm }), ...(options.allowInsecureRequests && { allowInsecureRequests: true }) }
  return {
    metadata: () => discover(options.issuer, discovery),
    client,
    auth: clientAuthentication(options.clientAuthentication, options.clientSecret),
    http: transport(options),
    options,
  }
}
