/**
 * A GitHub stand-in with the quirks the GitHub provider handles: authorize (auto-approves), the
 * token endpoint answering a bad or used code with **200** `{ error: "bad_verification_code" }`
 * and form-encoded unless asked for JSON, `/user` (numeric `id`, a public `email` GitHub does not
 * vouch for) and `/user/emails` (primary/verified flags), and the REST API's refusal (403) of a
 * request without a User-Agent.
 * @see https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 */
import { randomBytes } from 'node:crypto'
import { basicCredentials, bearer, json, listen, readForm, redirect, type Listening } from './listen.js'

export interface GithubEmail {
  email: string
  primary: boolean
  verified: boolean
  visibility?: 'public' | 'private' | null
}

export interface GithubStandInOptions {
  clientId: string
  clientSecret: string
  user: { id: number; login: string; name?: string | null; email?: string | null; avatar_url?: string }
  emails: GithubEmail[]
  /** Answer /user/emails as without the user:email scope (404). */
  emailsForbidden?: boolean
}

export interface GithubStandIn extends Listening {
  /** Every authorization request's query, in order. */
  authorizeRequests: URLSearchParams[]
  /** The headers /user and /user/emails were called with. */
  apiHeaders: Record<string, string | string[] | undefined>[]
  endpoints: { authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string }
}

export async function startGithubStandIn(options: GithubStandInOptions): Promise<GithubStandIn> {
  const codes = new Map<string, { redirectUri: string }>()
  const tokens = new Set<string>()
  const authorizeRequests: URLSearchParams[] = []
  const apiHeaders: GithubStandIn['apiHeaders'] = []
  const server = await listen(async (req, res, url) => {
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      authorizeRequests.push(url.searchParams)
      const back = new URL(url.searchParams.get('redirect_uri')!)
      const code = randomBytes(10).toString('hex')
      codes.set(code, { redirectUri: back.href })
      back.searchParams.set('code', code)
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      return redirect(res, back)
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = await readForm(req)
      const basic = basicCredentials(req)
      const id = basic?.id ?? form.get('client_id')
      const secret = basic?.secret ?? form.get('client_secret')
      const wantsJson = (req.headers.accept ?? '').includes('json')
      const answer = (body: Record<string, string>) => {
        if (wantsJson) return json(res, 200, body)
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' })
        res.end(new URLSearchParams(body).toString())
      }
      if (id !== options.clientId || secret !== options.clientSecret) return answer({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' })
      const code = form.get('code') ?? ''
      const grant = codes.get(code)
      codes.delete(code)
      // GitHub's quirk: a bad, used or expired code is a 200.
      if (grant === undefined || grant.redirectUri !== form.get('redirect_uri')) {
        return answer({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' })
      }
      const token = `gho_${randomBytes(16).toString('hex')}`
      tokens.add(token)
      return answer({ access_token: token, token_type: 'bearer', scope: 'read:user,user:email' })
    }
    if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
      apiHeaders.push({ ...req.headers })
      if (!req.headers['user-agent']) {
        res.writeHead(403, { 'content-type': 'text/plain' })
        return res.end('Request forbidden by administrative rules. Please make sure your request has a User-Agent header.')
      }
      const token = bearer(req)
      if (token === null || !tokens.has(token)) return json(res, 401, { message: 'Bad credentials' })
      if (url.pathname === '/user') return json(res, 200, { ...options.user, type: 'User' })
      if (options.emailsForbidden) return json(res, 404, { message: 'Not Found' })
      return json(res, 200, options.emails)
    }
    json(res, 404, { message: 'Not Found' })
  })
  return {
    ...server,
    authorizeRequests,
    apiHeaders,
    endpoints: {
      authorization_endpoint: `${server.url}/login/oauth/authorize`,
      token_endpoint: `${server.url}/login/oauth/access_token`,
      userinfo_endpoint: `${server.url}/user`,
    },
  }
}
