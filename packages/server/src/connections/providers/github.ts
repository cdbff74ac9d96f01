/**
 * Issue 12: GitHub (and GitHub Enterprise Server, with the endpoints overridden). OAuth 2.0, not
 * OpenID Connect: no ID token and no `iss` on the authorization response. Its quirks:
 * - the token endpoint answers errors (a used or wrong code, `bad_verification_code`) with **200**
 *   and an `error` body, which would otherwise surface as a missing `access_token`;
 * - the REST API wants `Accept: application/vnd.github+json`, an API version, and a User-Agent;
 * - the subject is the numeric `id` (logins can be renamed and reused);
 * - `/user`'s `email` is the public profile email, which the user types and GitHub does not vouch
 *   for: the email is taken from `/user/emails` only, the primary one if it is verified, else the
 *   first verified one, else none (then the user cannot be linked by email).
 * @see https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow
 * @see https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user
 * @see https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#headers
 */
import { protectedResourceRequest, type HttpRequestOptions } from 'oauth4webapi'
import type { ResolvedConnection } from '../../config/schema.js'
import { mapProfile } from '../profile.js'
import { UpstreamError } from '../upstream-error.js'
import { standardClientAuth } from './generic.js'
import type { Provider } from './provider.js'

export const GITHUB_API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'Latch' } as const

async function getJson(url: URL, accessToken: string, http: HttpRequestOptions<string, unknown>): Promise<{ status: number; body: unknown }> {
  const response = await protectedResourceRequest(accessToken, 'GET', url, new Headers(GITHUB_API_HEADERS), null, http)
  if (response.status >= 500) throw new UpstreamError('unavailable', `GitHub answered ${response.status}`)
  try {
    return { status: response.status, body: await response.json() }
  } catch {
    throw new UpstreamError('invalid_response', 'GitHub did not answer JSON')
  }
}

/** The emails endpoint beside the profile endpoint: `/user/emails` (GitHub Enterprise: `/api/v3/user/emails`). */
export function githubEmailsEndpoint(connection: Pick<ResolvedConnection, 'userinfo_endpoint'>): URL {
  return new URL(`${connection.userinfo_endpoint!.replace(/\/+$/, '')}/emails`)
}

/** The primary verified address, else the first verified one; GitHub's list flags each. */
export function pickGithubEmail(list: unknown): string | null {
  if (!Array.isArray(list)) return null
  const entries = list.filter((e): e is { email: string; primary?: unknown; verified?: unknown } => e !== null && typeof e === 'object' && typeof e.email === 'string')
  const verified = entries.filter((e) => e.verified === true)
  return (verified.find((e) => e.primary === true) ?? verified[0])?.email ?? null
}

export const githubProvider: Provider = {
  clientAuth: standardClientAuth,
  async tokenResponse(_connection, as, response) {
    if (response.status !== 200) return as
    let body: unknown
    try {
      body = await response.clone().json()
    } catch {
      return as
    }
    const error = (body as { error?: unknown } | null)?.error
    if (typeof error === 'string') throw new UpstreamError('invalid_response', 'GitHub refused the code', error.slice(0, 64))
    return as
  },
  async profile({ connection, accessToken, http }) {
    const user = await getJson(new URL(connection.userinfo_endpoint!), accessToken, http)
    if (user.status !== 200 || user.body === null || typeof user.body !== 'object' || Array.isArray(user.body)) {
      throw new UpstreamError('invalid_response', `GitHub's /user answered ${user.status}`)
    }
    // Without the user:email scope the list is refused (403/404): no email, not a failure.
    const emails = await getJson(githubEmailsEndpoint(connection), accessToken, http)
    const email = emails.status === 200 ? pickGithubEmail(emails.body) : null
    const { email: _public, ...rest } = user.body as Record<string, unknown>
    // Only the emails endpoint's verified address; mapped through the same names as any profile.
    return mapProfile(
      { mapping: { ...connection.mapping, email: 'email', email_verified: 'email_verified' }, trust_email_verified: true },
      { ...rest, ...(email !== null && { email, email_verified: true }) },
    )
  },
}
