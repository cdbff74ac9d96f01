/**
 * A command-line app that signs in with the OAuth 2.0 device authorization grant, the way CLIs,
 * TVs and other devices without a browser do: it shows a short user code and a URL, the user
 * approves on any other device, and the app polls until Latch issues tokens. It then greets the
 * user by name from UserInfo, checked against the ID token's `sub`. Tokens are kept in memory
 * only and never printed.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
import { deviceAuthorization, fetchUserInfo, type TokenSet } from '@latch/client'

export interface DeviceCliOptions {
  /** Latch's issuer, e.g. http://localhost:9000. */
  issuer: string
  /** A public client allowed the device grant (demo-device in latch.config.yaml). */
  clientId: string
  scope?: string
  /** Aborts the sign-in (wired to Ctrl-C by main.ts). */
  signal?: AbortSignal
  /** Where output goes (default: console.log). */
  print?: (line: string) => void
  fetch?: typeof fetch
}

export interface DeviceCliResult {
  tokens: TokenSet
  /** The user's name from UserInfo (or their sub when the name is not shared). */
  name: string
}

/**
 * Signs in with the device flow and prints who signed in.
 *
 * @example
 * ```ts
 * import { runDeviceCli } from './device-cli.js'
 *
 * const controller = new AbortController()
 * process.once('SIGINT', () => controller.abort())
 * const { name } = await runDeviceCli({ issuer: 'http://localhost:9000', clientId: 'demo-device', signal: controller.signal })
 * ```
 */
export async function runDeviceCli(options: DeviceCliOptions): Promise<DeviceCliResult> {
  const print = options.print ?? ((line: string) => console.log(line))
  const common = { issuer: options.issuer, clientId: options.clientId, ...(options.fetch && { fetch: options.fetch }) }
  const tokens = await deviceAuthorization({
    ...common,
    scope: options.scope ?? 'openid profile',
    ...(options.signal && { signal: options.signal }),
    onUserCode: ({ userCode, verificationUri, verificationUriComplete, expiresIn }) => {
      print(`To sign in, open ${verificationUri} and enter the code ${userCode}`)
      if (verificationUriComplete) print(`or open ${verificationUriComplete}`)
      print(`Waiting for approval (the code expires in ${Math.round(expiresIn / 60)} minutes; Ctrl-C to cancel)...`)
    },
  })
  const sub = tokens.claims?.sub
  if (sub === undefined) throw new Error('no ID token: ask for the openid scope to learn who signed in')
  const me = await fetchUserInfo({ ...common, accessToken: tokens.accessToken, expectedSubject: sub })
  const name = typeof me.name === 'string' ? me.name : sub
  print(`Signed in as ${name}`)
  return { tokens, name }
}
