/**
 * The reference floor for the client_credentials scenarios: a bare node:http server that reads
 * the form body and answers every POST with a freshly signed JWT access token (node:crypto,
 * the same claims Latch puts in one), and does nothing else: no routing framework, no client
 * authentication, no validation, no logging. Its rate is the most any Node HTTP server can sign
 * on one core, so it shows how much of the gap to the raw signing loop is HTTP itself.
 */
import { createServer } from 'node:http'
import { generateKeyPairSync, randomFillSync, sign } from 'node:crypto'

const opts = JSON.parse(process.env.BENCH_SERVER ?? '{}')
const port = opts.port ?? 0
const alg = opts.alg ?? 'RS256'
const issuer = `http://127.0.0.1:${port}`
const key = alg === 'ES256'
  ? { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dsaEncoding: 'ieee-p1363' }
  : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
const header = Buffer.from(JSON.stringify({ alg, typ: 'at+jwt', kid: 'bare' })).toString('base64url')
// jti from a pooled CSPRNG buffer, as Latch takes it (lib/random.ts): a floor should not pay a
// randomBytes call per token (about 6% of this server's CPU) that Latch itself does not pay.
const POOL = Buffer.allocUnsafe(4096)
let offset = POOL.length
function jti() {
  if (offset === POOL.length) {
    randomFillSync(POOL)
    offset = 0
  }
  offset += 16
  return POOL.toString('base64url', offset - 16, offset)
}

const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const iat = Math.floor(Date.now() / 1000)
    const payload = { iss: issuer, sub: 'demo-service', aud: 'https://api.example.com', exp: iat + 900, iat, jti: jti(), client_id: 'demo-service', scope: 'read:data write:data' }
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
    const token = `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
    const body = JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 900, scope: payload.scope })
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 72_000
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ url: issuer, pid: process.pid, paths: { token: '/token' } })}\n`)
})
const shutdown = () => {
  server.close()
  server.closeAllConnections()
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
