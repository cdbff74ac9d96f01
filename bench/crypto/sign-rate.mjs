/**
 * Scenario 2: the single-core ceiling for signing an access-token-sized JWT. Run pinned to the
 * server's core (`taskset -c 0`). For RS256 (2048-bit) and ES256 (P-256) it measures, for a
 * fixed time each after a short warm-up:
 * - `node:crypto`: the whole compact JWS (base64url header and ~300-byte payload, then the
 *   synchronous `crypto.sign`), i.e. what a server could do if signing were all it did;
 * - `jose`: `new SignJWT(payload).setProtectedHeader(header).sign(key)` (WebCrypto, async), the
 *   path oidc-provider's JWTs take.
 * Prints one JSON line: operations per second per (library, alg), the process's CPU time per
 * operation (`cpu_us_per_op`, utime + stime of all its threads, the measure the harness compares
 * with a server's CPU per request: it holds when another process shares the core), and the
 * payload size.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { SignJWT } from 'jose'

const seconds = Number(process.argv[2] ?? 5)
const warmup = Number(process.argv[3] ?? 1)

function payload() {
  const iat = Math.floor(Date.now() / 1000)
  return {
    iss: 'http://127.0.0.1:9000',
    sub: 'demo-service',
    aud: 'https://api.example.com',
    exp: iat + 900,
    iat,
    jti: 'kM4l4zLXPv84ICeCrQirRA',
    client_id: 'demo-service',
    scope: 'read:data write:data',
    // Padding to a typical RFC 9068 token size with a user (sub as UUID, auth_time).
    auth_time: iat,
    sid: '3f1e1c1a-9b2c-4d5e-8f70-1a2b3c4d5e6f',
    acr: 'urn:latch:pwd',
  }
}
const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(payload()))

const keys = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
}
const OPTIONS = { RS256: (key) => key, ES256: (key) => ({ key, dsaEncoding: 'ieee-p1363' }) }

function nodeCryptoJws(alg) {
  const key = OPTIONS[alg](keys[alg])
  const header = Buffer.from(JSON.stringify({ alg, typ: 'at+jwt', kid: 'bench' })).toString('base64url')
  return () => {
    const input = `${header}.${Buffer.from(JSON.stringify(payload())).toString('base64url')}`
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
  }
}

function joseJws(alg) {
  const key = keys[alg]
  return () => new SignJWT(payload()).setProtectedHeader({ alg, typ: 'at+jwt', kid: 'bench' }).sign(key)
}

async function rate(fn, isAsync) {
  const run = async (ms) => {
    const end = performance.now() + ms
    let n = 0
    while (performance.now() < end) {
      // Batches keep the clock reads out of the measurement.
      for (let i = 0; i < 16; i++) {
        if (isAsync) await fn()
        else fn()
      }
      n += 16
    }
    return n
  }
  await run(warmup * 1000)
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const n = await run(seconds * 1000)
  const c = process.cpuUsage(c0)
  return { ops: n / ((performance.now() - t0) / 1000), cpuUs: (c.user + c.system) / n }
}

const out = { seconds, payload_bytes: PAYLOAD_BYTES, ops_per_s: {}, cpu_us_per_op: {} }
for (const alg of ['RS256', 'ES256']) {
  for (const [name, fn, isAsync] of [[`node:crypto ${alg}`, nodeCryptoJws(alg), false], [`jose ${alg}`, joseJws(alg), true]]) {
    const r = await rate(fn, isAsync)
    out.ops_per_s[name] = r.ops
    out.cpu_us_per_op[name] = Math.round(r.cpuUs * 100) / 100
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`)
