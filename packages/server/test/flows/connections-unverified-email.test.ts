/**
 * Issue 12 (security review H1): an email the upstream does not assert verified is not claimed.
 * An upstream that lets anyone type any address (Microsoft `common` without `xms_edov`, Facebook,
 * an OIDC IdP saying `email_verified: false`) must not let an attacker squat `ceo@victim.example`:
 * just-in-time creation gives such an account a placeholder address (RFC 6761 §6.4 `.invalid`),
 * the RP gets no `email` claim, the address stays free for its owner, and seeding it from the
 * config file makes another user instead of handing the attacker's row the owner's password and
 * roles. A user squatting an address from before this rule stops the start instead. A local
 * OpenID Provider stand-in on real HTTP; its user is changed between sign-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import { isPlaceholderEmail } from '../../src/rules/placeholder-email.js'
import { seedFromConfig } from '../../src/seed.js'
import { freePort, startServer, type TestServer } from '../helpers.js'
import { connectionLink, FederatedBrowser, payloadOf, redeem, webRequest } from '../support/federation.js'
import { startOidcStandIn, type OidcStandIn, type StandInOptions } from '../support/upstream/oidc-stand-in.js'

const SECRET = 'stand-in-secret-0123456789abcdef012345'
const CEO = 'ceo@victim.example'
const upstreamUser: StandInOptions['user'] = { sub: 'attacker-1', email: CEO, email_verified: false, name: 'Not The CEO' }
let up: OidcStandIn
let s: TestServer

beforeAll(async () => {
  up = await startOidcStandIn({ clientId: 'latch', clientSecret: SECRET, user: upstreamUser })
  s = await startServer({ connections: [{ id: 'up', type: 'oidc', display_name: 'Upstream', issuer: up.issuer, client_id: 'latch', client_secret: SECRET }] }, { port: await freePort() })
})

afterAll(async () => {
  await s?.close()
  await up?.close()
})

async function signIn() {
  const browser = new FederatedBrowser()
  const request = webRequest(s.url)
  const page = await browser.open(connectionLink(await browser.open(request.url), 'Upstream'))
  expect(page.redirect?.searchParams.get('code')).toBeTruthy()
  const { body } = await redeem(s.url, page.redirect!, request.verifier)
  return payloadOf(body.id_token!)
}

const seedUsers = (users: Record<string, unknown>[]) =>
  seedFromConfig(s.server.ctx.store, { ...s.server.config, clients: [], connections: [], organizations: [], users } as never, s.server.ctx.clock.now())

describe('just-in-time creation and unverified upstream emails (issue 12, review H1)', () => {
  it('OIDC Core §5.1 email_verified false: the user gets a placeholder address, the ID token no email claim, the address stays free', async () => {
    const token = await signIn()
    expect(token).not.toHaveProperty('email')
    expect(token).not.toHaveProperty('email_verified')
    expect(token.name).toBe('Not The CEO')
    const user = (await s.server.ctx.store.users.getById(String(token.sub)))!
    expect(isPlaceholderEmail(user.email)).toBe(true)
    expect(user.email_verified).toBe(false)
    expect(await s.server.ctx.store.users.getByEmail(CEO)).toBeNull()
    // The upstream's address is kept on the identity only (the account page names it).
    expect((await s.server.ctx.store.identities.find('up', 'attacker-1'))?.identity).toMatchObject({ email: CEO, email_verified: false })
    // A second sign-in is the same user, still without the address.
    expect((await signIn()).sub).toBe(token.sub)
  })

  it('the owner provisioned later (config users:) is another user, with the password, roles and verified email; the upstream account stays what it was', async () => {
    const attacker = (await s.server.ctx.store.identities.find('up', 'attacker-1'))!.user
    await seedUsers([{ email: CEO, password: 'real-ceo-password-123', email_verified: true, roles: ['admin'] }])
    const owner = (await s.server.ctx.store.users.getByEmail(CEO))!
    expect(owner.id).not.toBe(attacker.id)
    expect(owner).toMatchObject({ email_verified: true, roles: ['admin'] })
    expect(await s.server.ctx.store.users.getById(attacker.id)).toEqual(attacker)
    const again = await signIn()
    expect(again.sub).toBe(attacker.id)
    expect(again).not.toHaveProperty('email')
  })

  it('a user who squatted an address before this rule (linked identity, unverified email) stops the start: ConfigError naming users[i].email', async () => {
    const now = s.server.ctx.clock.now()
    const squatted = 'cfo@victim.example'
    const made = await s.server.ctx.store.identities.provision(
      { email: squatted, email_verified: false, claims: {} },
      { connection_id: 'up', subject: 'legacy-squatter', email: squatted, email_verified: false },
      now,
    )
    expect(made.outcome).toBe('created')
    const before = await s.server.ctx.store.users.getByEmail(squatted)
    const seeding = seedUsers([{ email: 'someone@victim.example', password: 'someone-password-1' }, { email: 'CFO@victim.example', password: 'real-cfo-password-1', roles: ['admin'] }])
    await expect(seeding).rejects.toThrow(ConfigError)
    await expect(seeding).rejects.toThrow(/users\[1\]\.email .*cfo@victim\.example/)
    expect(await s.server.ctx.store.users.getByEmail(squatted)).toEqual(before)
    // Members of an organization the same.
    await expect(seedFromConfig(s.server.ctx.store, {
      ...s.server.config, clients: [], connections: [], users: [], organizations: [{ id: 'victim', name: 'Victim', members: [{ email: squatted, roles: ['admin'] }] }],
    } as never, now)).rejects.toThrow(/organizations\[0\]\.members\[0\]\.email .*cfo@victim\.example/)
  })

  it('OIDC Core §5.1 email_verified true: just-in-time creation still claims the address', async () => {
    Object.assign(upstreamUser, { sub: 'real-2', email: 'cto@victim.example', email_verified: true, name: 'The CTO' })
    const token = await signIn()
    expect(token).toMatchObject({ email: 'cto@victim.example', email_verified: true })
    expect((await s.server.ctx.store.users.getByEmail('cto@victim.example'))?.id).toBe(token.sub)
  })
})
