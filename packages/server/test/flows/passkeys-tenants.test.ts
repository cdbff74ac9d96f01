/**
 * Issue 13: passkeys and tenants. A path tenant (`initech`, `http://auth.main.test:PORT/t/initech`)
 * shares its host, and so its RP ID and origin, with the default tenant: a browser may offer it a
 * passkey made at the default tenant. Latch finds credentials only in the request's tenant, so that
 * assertion, though well signed for the right RP ID and origin, is refused there (and still works
 * at its own tenant). A tenant on its own host has its own RP ID.
 * @see https://www.w3.org/TR/webauthn-3/#relying-party-identifier
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertText, Browser } from '../browser.js'
import { ALICE } from '../helpers.js'
import { webAuthorizeUrl } from '../sign-in.js'
import { registerPasskey, signInWithPasskey } from '../support/passkeys.js'
import { SoftwareAuthenticator } from '../support/software-authenticator.js'
import { hostAgent, hostFetch, startTenantsServer, type TenantsServer } from '../support/tenants.js'

let t: TenantsServer
const failures: unknown[] = []

beforeAll(async () => {
  t = await startTenantsServer({ perTenant: { globex: { passkeys: { enabled: false } } } })
  t.server.ctx.events.on('passkey.failed', (e) => failures.push(e))
})

afterAll(async () => {
  await t?.close()
})

const browserAt = (issuer: string) => new Browser(issuer, { dispatcher: hostAgent })

describe('passkeys across tenants', () => {
  it('WebAuthn L3 §7.2 step 5: a path tenant refuses a passkey of the default tenant on the same host (same RP ID); its own tenant accepts it', async () => {
    const main = t.issuers.main
    const initech = t.issuers.initech
    const signedIn = browserAt(main)
    expect((await signedIn.authorize(webAuthorizeUrl(main), ALICE)).redirect?.searchParams.get('code')).toBeTruthy()
    const device = new SoftwareAuthenticator(new URL(main).hostname, new URL(main).origin)
    expect((await registerPasskey(main, signedIn, device)).headers.get('location')).toBe(`${main}/account/passkeys?notice=registered`)

    // The path tenant's page loads its script under its own path.
    const page = await browserAt(initech).open(webAuthorizeUrl(initech))
    const src = /<script src="([^"]+)" defer>/.exec(page.html)![1]!
    expect(src.startsWith(`${initech}/assets/passkeys.js?v=`)).toBe(true)
    expect((await hostFetch(src.replace(/&amp;/g, '&'))).status).toBe(200)

    const there = await signInWithPasskey(initech, device, {}, browserAt(initech))
    expect(there.options.rpId).toBe('auth.main.test')
    expect(there.res.status).toBe(401)
    expect(alertText(await there.res.text())).toBe('That passkey could not be used to sign in here. Try again, or sign in another way.')
    // Refused as a credential this tenant does not have (the challenge, origin and RP ID were right).
    expect(failures.at(-1)).toMatchObject({ purpose: 'authenticate', reason: 'unknown_credential', tenant: 'initech' })

    const home = await signInWithPasskey(main, device, {}, browserAt(main))
    expect(home.res.status).toBe(303)
  })

  it('WebAuthn L3 §5.1.2: a tenant on its own host asks for its own RP ID', async () => {
    const acme = t.issuers.acme
    const device = new SoftwareAuthenticator('login.acme.test', new URL(acme).origin)
    const { options } = await signInWithPasskey(acme, device, {}, browserAt(acme))
    expect(options.rpId).toBe('login.acme.test')
  })

  it('passkeys.enabled false (per tenant): no script, no webauthn autofill, no passkey element; the passkey routes answer 404', async () => {
    const globex = t.issuers.globex
    const browser = browserAt(globex)
    const page = await browser.open(webAuthorizeUrl(globex))
    expect(page.status).toBe(200)
    expect(page.html).not.toContain('<script')
    expect(page.html).not.toContain('data-passkey-sign-in')
    expect(page.html).toContain('autocomplete="username"')
    expect(page.headers.get('content-security-policy')).not.toContain('script-src')
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!
    const action = /<form method="post" action="([^"]+)\/login"/.exec(page.html)![1]!
    expect((await browser.postForm(`${action}/passkey/options`, { csrf })).status).toBe(404)
    expect((await browser.postForm(`${action}/passkey`, { csrf, response: '{}' })).status).toBe(404)
    const account = await browser.open(`${globex}/account/passkeys`)
    expect(account.status).toBe(404)
    expect(account.html).toContain('Passkeys are turned off here.')
  })
})
