/**
 * Issue 12: Discord. OAuth 2.0; `/users/@me` has `verified` (the email is verified), `global_name`
 * (display name) and `username`, mapped by the preset. `avatar` is a hash, not a URL: the picture
 * is built from it on Discord's CDN.
 * @see https://discord.com/developers/docs/resources/user#user-object
 * @see https://discord.com/developers/docs/reference#image-formatting
 */
import { oauth2Provider } from './generic.js'
import type { Provider } from './provider.js'

const AVATAR = /^(a_)?[0-9a-f]{32}$/

export const discordProvider: Provider = {
  clientAuth: oauth2Provider.clientAuth,
  async profile(input) {
    const profile = await oauth2Provider.profile(input)
    if (profile === null) return null
    const avatar = profile.claims.picture
    // A mapping that points elsewhere (a URL) is kept as it is.
    if (avatar === undefined || !AVATAR.test(avatar)) return profile
    return { ...profile, claims: { ...profile.claims, picture: `https://cdn.discordapp.com/avatars/${encodeURIComponent(profile.subject)}/${avatar}.png` } }
  },
}
