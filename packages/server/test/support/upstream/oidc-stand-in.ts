/**
 * Issue 12 test support: a small OpenID Provider on node:http + jose, to break on purpose. It serves
 * discovery, an authorization endpoint that approves at once (302 with a code), a token endpoint
 * that checks client_secret_basic and PKCE S256, its JWK Set and userinfo. `fault` spoils the ID
 * token in one way: another audience, another issuer, another nonce, a signature by a key it does
 * not publish (same kid), or an expiry in the past. Everything secret it hands out or receives
 * (codes, tokens, verifiers) is recorded, so a test can check that none reached a log.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'

export type StandInFault = 'aud' | 'iss' | 'nonce' | 'signature' | 'expired'

export interface OidcStandIn {
  issuer: string
  /** Every code, access token, ID token and verifier it issued or received. */
  secrets: string[]
  /** Issue 14: every request's path and W3C `traceparent` header (none: undefined), in order. */
  requests: { path: string; traceparent: string | undefined }[]
  fault: StandInFault | undefined
  /** The ID token's `auth_time` (seconds); none when undefined. The stand-in ignores prompt and max_age, as a careless upstream would. */
  authTime: number | undefined
  close(): Promise<void>
}

export interface StandInOptions {
  clientId: string
  clientSecret: string
  user: { sub: string; email: string; email_verified: boolean; name?: string; amr?: string[] }
}

export async function startOidcStandIn(options: StandInOptions): Promise<OidcStandIn> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const other = await generateKeyPair('ES256')
  const kid = 'stand-in-1'
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }
  const codes = new Map<string, { nonce: string; challenge: string; redirect_uri: string }>()
  const tokens = new Set<string>()
  const state: OidcStandIn = { issuer: '', secrets: [], requests: [], fault: undefined, authTime: undefined, close: async () => {} }

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
  const form = async (req: IncomingMessage) => {
    let text = ''
    for await (const chunk of req) text += String(chunk)
    return new URLSearchParams(text)
  }
  const idToken = async (nonce: string) => {
    const now = Math.floor(Date.now() / 1000)
    const f = state.fault
    const key: CryptoKey = f === 'signature' ? other.privateKey : privateKey
    return new SignJWT({ nonce: f === 'nonce' ? 'another-nonce' : nonce, email: options.user.email, email_verified: options.user.email_verified, amr: options.user.amr ?? ['pwd'], ...(state.authTime !== undefined && { auth_time: state.authTime }) })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(f === 'iss' ? 'https://elsewhere.example' : state.issuer)
      .setAudience(f === 'aud' ? 'someone-else' : options.clientId)
      .setSubject(options.user.sub)
      .setIssuedAt(f === 'expired' ? now - 7200 : now)
      .setExpirationTime(f === 'expired' ? now - 3600 : now + 300)
      .sign(key)
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', state.issuer)
      state.requests.push({ path: url.pathname, traceparent: req.headers.traceparent as string | undefined })
      switch (url.pathname) {
        case '/.well-known/openid-configuration':
          return json(res, 200, {
            issuer: state.issuer, authorization_endpoint: `${state.issuer}/authorize`, token_endpoint: `${state.issuer}/token`, jwks_uri: `${state.issuer}/jwks`,
            userinfo_endpoint: `${state.issuer}/userinfo`, response_types_supported: ['code'], subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['ES256'], code_challenge_methods_supported: ['S256'],
          })
        case '/jwks':
          return json(res, 200, { keys: [jwk] })
        case '/authorize': {
          const p = url.searchParams
          const code = randomBytes(16).toString('base64url')
          codes.set(code, { nonce: p.get('nonce') ?? '', challenge: p.get('code_challenge') ?? '', redirect_uri: p.get('redirect_uri') ?? '' })
          state.secrets.push(code)
          const back = new URL(p.get('redirect_uri')!)
          back.searchParams.set('code', code)
          back.searchParams.set('state', p.get('state') ?? '')
          return res.writeHead(302, { location: back.href }).end()
        }
        case '/token': {
          const p = await form(req)
          // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
          const [clientId, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
          if (clientId !== options.clientId || secret !== options.clientSecret) return json(res, 401, { error: 'invalid_client' })
          const code = codes.get(p.get('code') ?? '')
          codes.delete(p.get('code') ?? '')
          const verifier = p.get('code_verifier') ?? ''
          state.secrets.push(verifier)
          if (!code || code.redirect_uri !== p.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
            return json(res, 400, { error: 'invalid_grant' })
          }
          const access = randomBytes(24).toString('base64url')
          tokens.add(access)
          const id = await idToken(code.nonce)
          state.secrets.push(access, id)
          return json(res, 200, { access_token: access, token_type: 'Bearer', expires_in: 300, id_token: id })
        }
        case '/userinfo': {
          const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
          if (!tokens.has(token)) return res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
          return json(res, 200, { sub: options.user.sub, name: options.user.name ?? 'Stand In', email: options.user.email, email_verified: options.user.email_verified })
        }
        default:
          return json(res, 404, { error: 'not_found' })
      }
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return state
}
