/**
 * Issue 12: the provider of every connection type (STYLE "registries, not switches"): a type added
 * to `CONNECTION_TYPES` without its entry here does not compile. GitLab, LinkedIn and Slack are
 * plain OpenID Connect and Facebook plain OAuth 2.0 (its email is never trusted as verified: the
 * preset's `trust_email_verified: false`), so they run the generic providers.
 */
import type { ConnectionType } from '../../rules/connection-presets.js'
import { appleProvider } from './apple.js'
import { discordProvider } from './discord.js'
import { oauth2Provider, oidcProvider } from './generic.js'
import { githubProvider } from './github.js'
import { googleProvider } from './google.js'
import { microsoftProvider } from './microsoft.js'
import type { Provider } from './provider.js'
import { twitterProvider } from './twitter.js'

export const PROVIDERS = {
  oidc: oidcProvider,
  oauth2: oauth2Provider,
  google: googleProvider,
  microsoft: microsoftProvider,
  apple: appleProvider,
  github: githubProvider,
  gitlab: oidcProvider,
  facebook: oauth2Provider,
  twitter: twitterProvider,
  discord: discordProvider,
  linkedin: oidcProvider,
  slack: oidcProvider,
} as const satisfies Record<ConnectionType, Provider>
