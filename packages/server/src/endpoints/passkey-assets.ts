/**
 * Issue 13: `GET {issuer}/assets/passkeys.js`, the one script of Latch's pages: the UMD bundle of
 * `@simplewebauthn/browser` (exact-pinned; read once from the installed package) followed by
 * Latch's own script (interaction/views/passkeys-script.ts), served from the issuer's origin so the
 * pages that use it allow only this URL in `script-src` (review L8). Pages link it with `?v=<hash of the text>`, so a
 * new version is fetched at once and the file may be cached for a year (`immutable`); its ETag
 * (the same hash) answers a revalidation with 304.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 * @see https://www.rfc-editor.org/rfc/rfc8246
 */
import { PATHS, type LatchContext } from '../context.js'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { LoadedInteraction } from '../interaction/pages.js'
import { PASSKEYS_SCRIPT } from '../interaction/views/passkeys-script.js'
import type { PasskeyButton } from '../interaction/views/passkeys.js'
import { matchesEtag } from './branding-css.js'

export const PASSKEYS_SCRIPT_PATH = PATHS.passkeys_script

/** The library's self-contained UMD build (defines `window.SimpleWebAuthnBrowser`), next to its CommonJS entry. */
function libraryBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser')
  return readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8')
}

let asset: { text: string; version: string } | undefined
function script(): { text: string; version: string } {
  if (asset === undefined) {
    const text = `${libraryBundle()}\n${PASSKEYS_SCRIPT}`
    asset = { text, version: createHash('sha256').update(text).digest('base64url').slice(0, 16) }
  }
  return asset
}

/** The script's URL with its version, for a page's `<script src>`. */
export function passkeysScriptUrl(ctx: LatchContext): string {
  return `${ctx.urls.issuer}${PASSKEYS_SCRIPT_PATH}?v=${script().version}`
}

/** What the sign-in page's passkey button needs: where to get options, where to post, the CSRF token, the script. */
export function passkeyButton(ctx: LatchContext, l: LoadedInteraction, csrf: string): PasskeyButton {
  const base = `${ctx.urls.interaction}/${l.interaction.id}/passkey`
  return { optionsUrl: `${base}/options`, action: base, csrf, script: passkeysScriptUrl(ctx) }
}

export const passkeyAssetsEndpoint: FastifyPluginAsync = async (app) => {
  async function passkeysScript(request: FastifyRequest, reply: FastifyReply) {
    const { text, version } = script()
    const etag = `"${version}"`
    reply.header('x-content-type-options', 'nosniff').header('etag', etag).header('cache-control', 'public, max-age=31536000, immutable')
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send()
    return reply.type('text/javascript; charset=utf-8').send(text)
  }
  app.get(PASSKEYS_SCRIPT_PATH, { config: { channel: 'json' } }, passkeysScript)
}
