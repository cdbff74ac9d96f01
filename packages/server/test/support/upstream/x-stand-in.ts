/**
 * An X (Twitter) OAuth 2.0 stand-in: the authorization request must carry PKCE with S256 (plain
 * and none are refused), the token request must authenticate with HTTP Basic and prove the
 * verifier (RFC 7636 §4.6), and `/2/users/me` wraps the profile in `data` and has no email.
 * @see https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
 */
import { createHash, randomBytes } from 'node:crypto'
import { basicCredentials, bearer, json, listen, readForm, redirect, type Listening } from './listen.js'

export interface XStandInOptions {
  clientId: string
  clientSecret: string
  user: { id: string; name: string; username: string }
}

export interface XStandIn extends Listening {
  authorizeRequests: URLSearchParams[]
  /** How each token request authenticated. */
  tokenAuth: ('basic' | 'post' | 'none')[]
  endpoints: { authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string }
}

export async function startXStandIn(options: XStandInOptions): Promise<XStandIn> {
  const codes = new Map<string, { challenge: string; redirectUri: string }>()
  const tokens = new Set<string>()
  const authorizeRequests: URLSearchParams[] = []
  const tokenAuth: XStandIn['tokenAuth'] = []
  const server = await listen(async (req, res, url) => {
    if (req.method === 'GET' && url.pathname === '/i/oauth2/authorize') {
      const q = url.searchParams
      authorizeRequests.push(q)
      const back = new URL(q.get('redirect_uri')!)
      back.searchParams.set('state', q.get('state') ?? '')
      const challenge = q.get('code_challenge')
      if (challenge === null || q.get('code_challenge_method') !== 'S256') {
        back.searchParams.set('error', 'invalid_request')
        back.searchParams.set('error_description', 'code_challenge with S256 is required')
        return redirect(res, back)
      }
      const code = randomBytes(12).toString('hex')
      codes.set(code, { challenge, redirectUri: back.origin + back.pathname })
      back.searchParams.set('code', code)
      return redirect(res, back)
    }
    if (req.method === 'POST' && url.pathname === '/2/oauth2/token') {
      const form = await readForm(req)
      const basic = basicCredentials(req)
      tokenAuth.push(basic !== null ? 'basic' : form.has('client_secret') ? 'post' : 'none')
      if (basic === null || basic.id !== options.clientId || basic.secret !== options.clientSecret) {
        return json(res, 401, { error: 'unauthorized_client', error_description: 'Missing valid authorization header' })
      }
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      const verifier = form.get('code_verifier') ?? ''
      if (grant === undefined || grant.redirectUri !== form.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
        return json(res, 400, { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' })
      }
      const token = randomBytes(16).toString('hex')
      tokens.add(token)
      return json(res, 200, { token_type: 'bearer', expires_in: 7200, access_token: token, scope: 'users.read tweet.read' })
    }
    if (req.method === 'GET' && url.pathname === '/2/users/me') {
      const token = bearer(req)
      if (token === null || !tokens.has(token)) return json(res, 401, { title: 'Unauthorized', status: 401 })
      return json(res, 200, { data: options.user })
    }
    json(res, 404, { error: 'not_found' })
  })
  return {
    ...server,
    authorizeRequests,
    tokenAuth,
    endpoints: {
      authorization_endpoint: `${server.url}/i/oauth2/authorize`,
      token_endpoint: `${server.url}/2/oauth2/token`,
      userinfo_endpoint: `${server.url}/2/users/me`,
    },
  }
}
