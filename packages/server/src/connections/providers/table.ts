/**
 * Issue 12: the provider of every connection type (STYLE "registries, not switches"): a type added
 * to `CONNECTION_TYPES` without its entry here does not compile.
 */
import type { ConnectionType } from '../../rules/connection-presets.js'
import { oauth2Provider, oidcProvider } from './generic.js'
import type { Provider } from './provider.js'

export const PROVIDERS = {
  oidc: oidcProvider,
  oauth2: oauth2Provider,
  // TODO(issue 12, presets lane): the quirks of these presets (design §1.4) go in providers/<type>.ts:
  // google (hosted_domain → hd), microsoft (multi-tenant issuer from tid, xms_edov), apple (form_post,
  // the ES256 client-secret JWT, "true" strings), github (emails endpoint, headers), twitter (PKCE,
  // data.*), discord (verified). Until then each runs the generic behaviour of its protocol.
  google: oidcProvider,
  microsoft: oidcProvider,
  apple: oidcProvider,
  github: oauth2Provider,
  gitlab: oidcProvider,
  facebook: oauth2Provider,
  twitter: oauth2Provider,
  discord: oauth2Provider,
  linkedin: oidcProvider,
  slack: oidcProvider,
} as const satisfies Record<ConnectionType, Provider>
