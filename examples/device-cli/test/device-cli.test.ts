/**
 * examples/device-cli end to end against a real Latch configured like latch.config.yaml's
 * demo-device: the user reads the code the CLI prints and approves (or denies) it at Latch's real
 * /device page with the server tests' Browser; the built entry point is spawned as `npm start`
 * runs it, including Ctrl-C.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OAuthResponseError } from '@latch/client'
import { Browser, formOf, isLoginPage } from '../../../packages/server/test/browser.js'
import { ALICE, startServer, type TestServer } from '../../../packages/server/test/helpers.js'
import { runDeviceCli } from '../src/device-cli.js'
import { buildUnderLock, ROOT } from '../../../packages/server/test/support/build.js'

const CODE_LINE = /open (\S+) and enter the code ([A-Z]{4}-[A-Z]{4})/
let latch: TestServer

beforeAll(async () => {
  latch = await startServer({
    tokens: { device_poll_interval: 1 },
    clients: [
      {
        client_id: 'demo-device',
        client_name: 'Demo Device CLI',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        scope: 'openid profile offline_access read:data',
      },
    ],
  })
})

afterAll(async () => {
  await latch?.close()
})

/** The user, on another device: opens the printed URL, types the code, signs in, decides. */
async function approve(verificationUri: string, userCode: string, decision: 'allow' | 'deny' = 'allow'): Promise<void> {
  const browser = new Browser(latch.url)
  let page = await browser.submit(formOf(await browser.open(verificationUri)), { user_code: userCode })
  if (isLoginPage(page)) page = await browser.signIn(page, ALICE.email, ALICE.password)
  await browser.decide(page, decision)
}

/** Starts `node dist/main.js` and resolves with the code line once it is printed. */
function startCli(): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; code: Promise<RegExpExecArray>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'examples/device-cli/dist/main.js')], { env: { ...process.env, LATCH_ISSUER: latch.url } })
  let out = ''
  let err = ''
  const code = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      const m = CODE_LINE.exec(out)
      if (m) resolve(m)
    })
    child.on('close', () => reject(new Error(`the CLI exited before printing a code:\n${out}\n${err}`)))
  })
  code.catch(() => {})
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)))
  return { child, out: () => out, err: () => err, code, exit }
}

describe('examples/device-cli', () => {
  it('RFC 8628 §3.3: the CLI prints the verification URI and user code; after approval it greets the user from UserInfo', async () => {
    const lines: string[] = []
    let approval: Promise<void> | undefined
    const result = await runDeviceCli({
      issuer: latch.url,
      clientId: 'demo-device',
      print: (line) => {
        lines.push(line)
        const m = CODE_LINE.exec(line)
        if (m) approval = approve(m[1] as string, m[2] as string)
      },
    })
    await approval
    expect(lines[0]).toMatch(new RegExp(`^To sign in, open ${latch.url}/device and enter the code [A-Z]{4}-[A-Z]{4}$`))
    expect(lines[1]).toMatch(new RegExp(`^or open ${latch.url}/device\\?user_code=`))
    expect(lines.at(-1)).toBe('Signed in as Alice Example')
    expect(result.name).toBe('Alice Example')
    expect(lines.join('\n')).not.toContain(result.tokens.accessToken)
  })

  it('RFC 8628 §3.5: when the user denies, the sign-in fails with access_denied', async () => {
    let approval: Promise<void> | undefined
    const err = await runDeviceCli({
      issuer: latch.url,
      clientId: 'demo-device',
      print: (line) => {
        const m = CODE_LINE.exec(line)
        if (m) approval = approve(m[1] as string, m[2] as string, 'deny')
      },
    }).catch((e: unknown) => e)
    await approval
    expect(err).toBeInstanceOf(OAuthResponseError)
    expect((err as OAuthResponseError).error).toBe('access_denied')
  })

  it('npm start: the built CLI signs in after approval and exits 0', async () => {
    await buildUnderLock(['examples/device-cli'])
    const cli = startCli()
    const [, uri, userCode] = await cli.code
    await approve(uri as string, userCode as string)
    expect(await cli.exit).toBe(0)
    expect(cli.out()).toContain('Signed in as Alice Example')
  })

  it('npm start: Ctrl-C (SIGINT) while waiting cancels cleanly with exit code 130', async () => {
    await buildUnderLock(['examples/device-cli'])
    const cli = startCli()
    await cli.code
    cli.child.kill('SIGINT')
    expect(await cli.exit).toBe(130)
    expect(cli.err()).toBe('Cancelled.\n')
  })
})
