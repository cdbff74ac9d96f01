/**
 * RFC 9110 §15.5.6: a method the path does not support is answered 405 with an `Allow` header
 * listing the methods it does support; only a path Latch does not serve at all is a 404. Checked
 * over every endpoint path, with every other method, in the error channel of the path (JSON for
 * the API endpoints, an HTML page for pages).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.1
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PATHS } from '../../src/context.js'
import { OAUTH_AUTHORIZATION_SERVER_PATH, OPENID_CONFIGURATION_PATH } from '../../src/endpoints/discovery.js'
import { startServer, type TestServer } from '../helpers.js'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(() => s.close())

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']
const ID = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

/** Every path Latch serves and the methods it serves there (HEAD comes with every GET). */
const ROUTES: [path: string, allow: string[], page: boolean][] = [
  [PATHS.authorization, ['GET', 'HEAD', 'POST'], true],
  [PATHS.token, ['OPTIONS', 'POST'], false],
  [PATHS.userinfo, ['GET', 'HEAD', 'OPTIONS', 'POST'], false],
  [PATHS.introspection, ['POST'], false],
  [PATHS.revocation, ['OPTIONS', 'POST'], false],
  [PATHS.device_authorization, ['OPTIONS', 'POST'], false],
  [PATHS.device_verification, ['GET', 'HEAD', 'POST'], true],
  [PATHS.end_session, ['GET', 'HEAD', 'POST'], true],
  [`${PATHS.interaction}/${ID}`, ['GET', 'HEAD'], true],
  [`${PATHS.interaction}/${ID}/login`, ['POST'], true],
  [`${PATHS.interaction}/${ID}/consent`, ['POST'], true],
  [`${PATHS.interaction}/${ID}/organization`, ['POST'], true],
  [PATHS.jwks, ['GET', 'HEAD'], false],
  [PATHS.health, ['GET', 'HEAD'], false],
  [OPENID_CONFIGURATION_PATH, ['GET', 'HEAD'], false],
  [OAUTH_AUTHORIZATION_SERVER_PATH, ['GET', 'HEAD'], false],
]

function send(method: string, path: string): Promise<{ status: number; allow: string | undefined; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${s.url}${path}`, { method, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, type: res.headers['content-type'] }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('405 Method Not Allowed', () => {
  /** @see issue 8 */
  it('RFC 9110 §15.5.6: every endpoint path answers an unsupported method with 405 and Allow naming the supported ones', async () => {
    for (const [path, allow, page] of ROUTES) {
      for (const method of METHODS.filter((m) => !allow.includes(m))) {
        const res = await send(method, path)
        expect(res.status, `${method} ${path}`).toBe(405)
        expect(res.allow?.split(', ').sort(), `${method} ${path}`).toEqual(allow)
        if (method !== 'HEAD') expect(res.type, `${method} ${path}`).toMatch(page ? /^text\/html/ : /^application\/json/)
      }
    }
  })

  it('RFC 9110 §15.5.5: a path Latch does not serve stays a 404', async () => {
    for (const method of ['GET', 'POST', 'PUT']) {
      const res = await send(method, '/no-such-endpoint')
      expect(res.status).toBe(404)
      expect(res.allow).toBeUndefined()
    }
  })
})
