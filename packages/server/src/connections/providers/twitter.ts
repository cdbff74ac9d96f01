/**
 * Issue 12: X (Twitter) OAuth 2.0. PKCE with S256 is mandatory there (Latch always sends it), a
 * confidential client authenticates with HTTP Basic, and the profile is wrapped in `data`
 * (`data.id`, `data.name`, `data.username`: the preset's mapping). X gives no email address, so
 * such a user is never linked by email; errors may arrive as 200 with `errors` and no `data`,
 * which leaves no subject (an invalid response).
 * @see https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
 * @see https://docs.x.com/x-api/users/user-lookup-me
 */
import { oauth2Provider } from './generic.js'
import type { Provider } from './provider.js'

export const twitterProvider: Provider = {
  clientAuth: oauth2Provider.clientAuth,
  async profile(input) {
    const profile = await oauth2Provider.profile(input)
    // The users.read answer has no email field; one mapped by mistake is still not believed.
    return profile === null ? null : { ...profile, email: null, email_verified: false }
  },
}
