/**
 * What every resource-server bench server shares: its options from BENCH_SERVER (port, issuer,
 * audience, jwksUri), the READY line the orchestrator waits for, and a clean exit on SIGTERM.
 */
export const opts = JSON.parse(process.env.BENCH_SERVER ?? '{}')

/** The verifier options every adapter server uses: the JWKS comes from the orchestrator. */
export const verifierOptions = { issuer: opts.issuer, audience: opts.audience, jwksUri: opts.jwksUri }

export function ready(url, close) {
  process.stdout.write(`READY ${JSON.stringify({ url, pid: process.pid, path: '/data' })}\n`)
  const shutdown = async () => {
    await close()
    process.exit(0)
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}
