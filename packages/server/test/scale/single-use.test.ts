/**
 * Single use across nodes: two `latch serve` processes on one PostgreSQL schema, 50 requests fired
 * at once at one authorization code or one refresh token, half to each node. What makes single use
 * hold is the database (a conditional UPDATE is the lock), not any process, so the answers must be
 * those of one server: one redemption or rotation wins, the rest are `invalid_grant`, and the
 * replay revokes what the winner got (RFC 6749 §4.1.2; RFC 9700 §4.14.2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { Browser } from '../browser.js'
import { authorizationRequest, Cluster, clusterSkipReason, clusterConfig, isActive, post, WEB_AUTH, type Answer } from '../cluster.js'
import { ALICE } from '../helpers.js'

const CONCURRENCY = 50
const skipped = await clusterSkipReason()
if (skipped) console.log(skipped)

/** Status and error of each answer, counted: `{ '200': 1, '400 invalid_grant': 49 }`. */
function tally(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const a of answers) {
    const key = a.status === 200 ? '200' : `${a.status} ${String(a.body.error)}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

describe.skipIf(skipped !== undefined)('single use across 2 nodes sharing PostgreSQL', () => {
  let cluster: Cluster
  let browser: Browser

  beforeAll(async () => {
    cluster = await Cluster.start({ name: 'single_use', config: clusterConfig })
    browser = new Browser(cluster.issuer)
  }, 60_000)

  afterAll(async () => {
    await cluster?.stop()
  })

  /** A code from node A's pages (the issuer's origin), signing in on the first call. */
  async function freshCode() {
    const request = authorizationRequest(cluster.issuer)
    const page = await browser.authorize(request.url, ALICE)
    const code = page.redirect?.searchParams.get('code')
    if (!code) throw new Error(`no code: ${page.status} ${page.redirect?.href ?? page.html.slice(0, 300)}`)
    return { code, verifier: request.verifier, redirectUri: request.redirectUri }
  }

  /** `CONCURRENCY` token requests at once, alternating between node A and node B. */
  function race(params: Record<string, string>): Promise<Answer[]> {
    return Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => post(cluster.node(i % 2), PATHS.token, params, WEB_AUTH)))
  }

  /** The winner's tokens are dead on every node: access token inactive, refresh token refused. */
  async function expectRevokedEverywhere(tokens: Record<string, unknown>): Promise<void> {
    const access = tokens.access_token as string
    const refresh = tokens.refresh_token as string
    expect(access).toBeTypeOf('string')
    expect(refresh).toBeTypeOf('string')
    for (const node of cluster.nodes) {
      expect(await isActive(node, access, WEB_AUTH), `access token at ${node.name}`).toBe(false)
      const refreshed = await post(node, PATHS.token, { grant_type: 'refresh_token', refresh_token: refresh }, WEB_AUTH)
      expect([refreshed.status, refreshed.body.error], `refresh token at ${node.name}`).toEqual([400, 'invalid_grant'])
    }
  }

  // The conditional UPDATE lets one request consume the code; every other one is a replay,
  // answered invalid_grant, that revokes the code's grant. When a replay's revocation lands before
  // the winner has opened its grant, the winner is still answered, with tokens that are revoked
  // already (token-set.ts), so the outcome does not depend on the order.
  it('RFC 6749 §4.1.2: 50 concurrent redemptions of one code over 2 nodes: exactly one succeeds, the rest invalid_grant, and the winner\'s tokens are then revoked', async () => {
    const { code, verifier, redirectUri } = await freshCode()
    const answers = await race({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })
    expect(tally(answers), cluster.errorLines().join('\n')).toEqual({ '200': 1, '400 invalid_grant': CONCURRENCY - 1 })
    await expectRevokedEverywhere(answers.find((a) => a.status === 200)!.body)
  })

  it('RFC 6749 §4.1.2: a code redeemed on node A and then replayed 49 times at once over both nodes: every replay invalid_grant, and the tokens A issued are revoked on both nodes', async () => {
    const { code, verifier, redirectUri } = await freshCode()
    const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }
    const first = await post(cluster.node(0), PATHS.token, params, WEB_AUTH)
    expect(first.status).toBe(200)
    for (const node of cluster.nodes) expect(await isActive(node, first.body.access_token as string, WEB_AUTH), `before the replay, at ${node.name}`).toBe(true)
    const replays = await Promise.all(Array.from({ length: CONCURRENCY - 1 }, (_, i) => post(cluster.node(i % 2), PATHS.token, params, WEB_AUTH)))
    expect(tally(replays), cluster.errorLines().join('\n')).toEqual({ '400 invalid_grant': CONCURRENCY - 1 })
    await expectRevokedEverywhere(first.body)
  })

  it('RFC 9700 §4.14.2: 50 concurrent refreshes of one refresh token over 2 nodes: exactly one rotates; the family is then revoked', async () => {
    const { code, verifier, redirectUri } = await freshCode()
    const issued = await post(cluster.node(1), PATHS.token, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, WEB_AUTH)
    expect(issued.status).toBe(200)
    const original = { access: issued.body.access_token as string, refresh: issued.body.refresh_token as string }

    const answers = await race({ grant_type: 'refresh_token', refresh_token: original.refresh })

    // Observed rule: the compare-and-swap lets exactly one request rotate (200). Every other one
    // presents a token that is rotated by then, which is a replay: invalid_grant, and the grant
    // with its whole family is revoked, including the winner's brand-new tokens.
    const counts = tally(answers)
    expect(counts, cluster.errorLines().join('\n')).toEqual({ '200': 1, '400 invalid_grant': CONCURRENCY - 1 })
    const winner = answers.find((a) => a.status === 200) as Answer
    const next = { access: winner.body.access_token as string, refresh: winner.body.refresh_token as string }
    expect(next.refresh).not.toBe(original.refresh)

    for (const node of cluster.nodes) {
      const again = await post(node, PATHS.token, { grant_type: 'refresh_token', refresh_token: next.refresh }, WEB_AUTH)
      expect([again.status, again.body.error], `winner's new refresh token at ${node.name}`).toEqual([400, 'invalid_grant'])
      expect(await isActive(node, next.access, WEB_AUTH), `winner's access token at ${node.name}`).toBe(false)
      expect(await isActive(node, original.access, WEB_AUTH), `original access token at ${node.name}`).toBe(false)
    }
  })
})
