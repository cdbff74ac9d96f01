/**
 * A Sign in with Apple stand-in: no discovery document (the endpoints are fixed under the issuer:
 * `/auth/authorize`, `/auth/token`, `/auth/keys`), `response_mode=form_post` answered with an
 * auto-submitting HTML form (the browser POSTs it cross-site to the redirect URI), the client
 * secret verified as Apple does (an ES256 JWT with `iss` = team id, `sub` = client id, `aud` = the
 * issuer, `kid` = the key id, signed by the registered key), the `user` JSON with the name only on
 * a user's first authorization, and `email_verified` / `is_private_email` as `"true"` strings.
 * @see https://developer.apple.com/documentation/sign_in_with_apple/sign_in_with_apple_rest_api/authenticating_users_with_sign_in_with_apple
 */
import { createHash, randomBytes } from 'node:crypto'
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import { json, listen, readForm, type Listening } from './listen.js'

export interface AppleStandInOptions {
  clientId: string
  teamId: string
  keyId: string
  /** The public half of the registered client-secret key (ES256). */
  clientSecretKey: CryptoKey
  user: { sub: string; email: string; is_private_email?: boolean; firstName?: string; lastName?: string }
}

export interface AppleStandIn extends Listening {
  /** The client-secret JWTs the token endpoint accepted (payload and header). */
  clientSecrets: { header: Record<string, unknown>; payload: JWTPayload }[]
  /** The token endpoint's refusals (`invalid_client` with the reason). */
  refusals: string[]
  authorizeRequests: URLSearchParams[]
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

export async function startAppleStandIn(options: AppleStandInOptions): Promise<AppleStandIn> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'apple-1', alg: 'RS256', use: 'sig' }
  const codes = new Map<string, { nonce: string | null; redirectUri: string; challenge: string | null }>()
  const authorized = new Set<string>()
  const clientSecrets: AppleStandIn['clientSecrets'] = []
  const refusals: string[] = []
  const authorizeRequests: URLSearchParams[] = []
  let issuer = ''
  const server = await listen(async (req, res, url) => {
    if (req.method === 'GET' && url.pathname === '/auth/keys') return json(res, 200, { keys: [jwk] })
    if (req.method === 'GET' && url.pathname === '/auth/authorize') {
      const q = url.searchParams
      authorizeRequests.push(q)
      // Apple refuses name/email scopes without form_post.
      if (q.get('response_mode') !== 'form_post') return json(res, 400, { error: 'invalid_request', error_description: 'response_mode must be form_post' })
      const code = randomBytes(12).toString('hex')
      codes.set(code, { nonce: q.get('nonce'), redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge') })
      const fields: Record<string, string> = { state: q.get('state') ?? '', code }
      if (!authorized.has(options.user.sub)) {
        authorized.add(options.user.sub)
        fields.user = JSON.stringify({ name: { firstName: options.user.firstName, lastName: options.user.lastName }, email: options.user.email })
      }
      const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${escape(v)}">`).join('')
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      return res.end(`<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escape(q.get('redirect_uri')!)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`)
    }
    if (req.method === 'POST' && url.pathname === '/auth/token') {
      const form = await readForm(req)
      try {
        const { payload, protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', options.clientSecretKey, {
          algorithms: ['ES256'], issuer: options.teamId, subject: options.clientId, audience: issuer,
        })
        if (protectedHeader.kid !== options.keyId) throw new Error('kid')
        if (form.get('client_id') !== options.clientId) throw new Error('client_id')
        clientSecrets.push({ header: { ...protectedHeader }, payload })
      } catch (error) {
        refusals.push((error as { code?: string }).code ?? (error as Error).message)
        return json(res, 400, { error: 'invalid_client' })
      }
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      if (grant === undefined || grant.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' })
      if (grant.challenge !== null && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== grant.challenge) {
        return json(res, 400, { error: 'invalid_grant' })
      }
      const now = Math.floor(Date.now() / 1000)
      const idToken = await new SignJWT({
        email: options.user.email,
        email_verified: 'true',
        is_private_email: options.user.is_private_email ? 'true' : 'false',
        auth_time: now,
        ...(grant.nonce !== null && { nonce: grant.nonce }),
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'apple-1' })
        .setIssuer(issuer).setAudience(options.clientId).setSubject(options.user.sub).setIssuedAt(now).setExpirationTime(now + 600)
        .sign(privateKey)
      return json(res, 200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 3600, id_token: idToken })
    }
    json(res, 404, { error: 'not_found' })
  })
  issuer = server.url
  return { ...server, clientSecrets, refusals, authorizeRequests }
}
