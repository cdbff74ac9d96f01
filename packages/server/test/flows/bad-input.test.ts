import { it } from 'vitest'
import { request } from 'node:http'
import { startServer } from '../helpers.js'

function raw(url: string, method: string, path: string, headers: Record<string, string | number> = {}, body?: Buffer | string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const req = request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    if (body !== undefined) req.end(body)
    else req.end()
  })
}
it('probe', async () => {
  const s = await startServer()
  try {
    const show = async (label: string, p: Promise<unknown>) => { try { console.log(label, JSON.stringify(await p).slice(0, 600)) } catch (e) { console.log(label, 'ERR', (e as Error).message) } }
    await show('bad url', raw(s.url, 'GET', '/interaction/%E0%A4%A'))
    await show('bad url2', raw(s.url, 'GET', '/authorize/%ZZ'))
    await show('authz dup', raw(s.url, 'GET', '/authorize?client_id=web&client_id=web'))
    await show('authz arr', raw(s.url, 'GET', '/authorize?client_id[]=web'))
    await show('get token', raw(s.url, 'GET', '/token'))
    await show('put token', raw(s.url, 'PUT', '/token'))
    await show('options token', raw(s.url, 'OPTIONS', '/token'))
    await show('trace token', raw(s.url, 'TRACE', '/token'))
    await show('post disco', raw(s.url, 'POST', '/.well-known/openid-configuration'))
    await show('head disco', raw(s.url, 'HEAD', '/.well-known/openid-configuration'))
    await show('big body', raw(s.url, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials&x=' + 'a'.repeat(70000)))
    await show('big body chunked', raw(s.url, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, 'grant_type=client_credentials&x=' + 'a'.repeat(70000)))
    await show('big authz get', raw(s.url, 'GET', '/authorize?client_id=web&state=' + 'a'.repeat(20000)))
    await show('big authz post', raw(s.url, 'POST', '/authorize', { 'content-type': 'application/x-www-form-urlencoded' }, 'client_id=web&state=' + 'a'.repeat(20000)))
    await show('multipart token', raw(s.url, 'POST', '/token', { 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n'))
    await show('nocontenttype token', raw(s.url, 'POST', '/token', {}, 'grant_type=client_credentials'))
    await show('bad json token', raw(s.url, 'POST', '/token', { 'content-type': 'application/json' }, '{bad'))
    await show('empty json token', raw(s.url, 'POST', '/token', { 'content-type': 'application/json' }, ''))
    await show('upper ct token', raw(s.url, 'POST', '/token', { 'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED' }, 'grant_type=client_credentials'))
    await show('long interaction', raw(s.url, 'GET', '/interaction/' + 'a'.repeat(300)))
    await show('bad pct authz', raw(s.url, 'GET', '/authorize?client_id=%E0%A4%A&x=%ZZ'))
    await show('basic only', raw(s.url, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic' }, 'grant_type=client_credentials'))
    await show('basic latin1', raw(s.url, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic \u00e9\u00e9' }, 'grant_type=client_credentials'))
    await show('big header', raw(s.url, 'GET', '/userinfo', { authorization: 'Bearer ' + 'a'.repeat(20000) }))
    await show('bad content-length', raw(s.url, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': 'abc' }, 'grant_type=x'))
  } finally { await s.close() }
})
