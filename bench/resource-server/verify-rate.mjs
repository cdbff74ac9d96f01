/**
 * The single-core ceiling for verifying one RS256 access token with jose, run pinned to the
 * servers' core (`taskset -c 0`) by resource-server/run.mjs. Same token, same key, same
 * `jwtVerify` options as the verifier (typ at+jwt, iss, aud, algorithms, clock tolerance), for a
 * fixed time after a warm-up, in four ways:
 * - `key`: the public key imported once (a `CryptoKey`), one verification at a time;
 * - `jwks`: through `createLocalJWKSet` (key selection by kid, as a JWKS-based verifier does);
 * - `key x16` / `jwks x16`: 16 verifications in flight, since WebCrypto verifies on the libuv
 *   pool and one-at-a-time leaves the core idle during each hand-off.
 * Input: one JSON argument { jwk, token, issuer, audience, seconds, warmup }. Prints one JSON line.
 */
import { createLocalJWKSet, importJWK, jwtVerify } from 'jose'

const o = JSON.parse(process.argv[2])
const options = { typ: 'at+jwt', issuer: o.issuer, audience: o.audience, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], clockTolerance: 5, requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] }
const key = await importJWK(o.jwk, 'RS256')
const jwks = createLocalJWKSet({ keys: [o.jwk] })

async function rate(keyInput, inFlight) {
  const run = async (ms) => {
    const end = performance.now() + ms
    let n = 0
    const worker = async () => {
      while (performance.now() < end) {
        await jwtVerify(o.token, keyInput, options)
        n++
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    return n
  }
  await run(o.warmup * 1000)
  const t0 = performance.now()
  const n = await run(o.seconds * 1000)
  return n / ((performance.now() - t0) / 1000)
}

const out = { seconds: o.seconds, ops_per_s: {} }
out.ops_per_s['jose jwtVerify RS256 (key)'] = await rate(key, 1)
out.ops_per_s['jose jwtVerify RS256 (jwks)'] = await rate(jwks, 1)
out.ops_per_s['jose jwtVerify RS256 (key x16)'] = await rate(key, 16)
out.ops_per_s['jose jwtVerify RS256 (jwks x16)'] = await rate(jwks, 16)
process.stdout.write(`${JSON.stringify(out)}\n`)
