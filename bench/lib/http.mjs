/**
 * A minimal HTTP/1.1 client for the flow scenarios: node:http over a keep-alive Agent (cheaper per
 * request than fetch, so the load generator on its own core is not the bottleneck), and a cookie
 * jar that honours Path, Max-Age and Expires enough for both servers' cookies.
 */
import http from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import { TENANT_DOMAIN } from './tenants.mjs'

export function createAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' })
}

/**
 * Sends one request; resolves with status, headers and the body as a string. A tenant's host
 * (`*.bench.test`, lib/tenants.mjs) is reached at 127.0.0.1 with its name in the `Host` header,
 * over the same keep-alive connections as every other tenant's.
 */
export function request(agent, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = typeof url === 'string' ? new URL(url) : url
    const local = u.hostname.endsWith(TENANT_DOMAIN)
    const sent = { ...(local && { host: u.host }), ...headers, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }) }
    const req = http.request(
      { agent, method, host: local ? '127.0.0.1' : u.hostname, port: u.port, path: u.pathname + u.search, headers: sent },
      (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (data += chunk))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

export class CookieJar {
  #cookies = new Map() // name -> { value, path, expires }

  store(setCookie) {
    if (!setCookie) return
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let path = '/'
      let expires = Infinity
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=')
        const key = k.trim().toLowerCase()
        if (key === 'path') path = v.trim() || '/'
        else if (key === 'max-age') expires = Date.now() + Number(v) * 1000
        else if (key === 'expires' && expires === Infinity) expires = Date.parse(v.trim())
      }
      const id = `${name};${path}`
      if (value === '' || expires <= Date.now()) this.#cookies.delete(id)
      else this.#cookies.set(id, { name, value, path })
    }
  }

  header(pathname) {
    const parts = []
    for (const c of this.#cookies.values()) {
      if (pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)) parts.push(`${c.name}=${c.value}`)
    }
    return parts.join('; ')
  }

  clone() {
    const jar = new CookieJar()
    for (const [k, v] of this.#cookies) jar.#cookies.set(k, { ...v })
    return jar
  }
}

/** A browser-ish GET/POST: sends the jar's cookies, stores the response's. */
export async function browse(agent, jar, url, init = {}) {
  const u = new URL(url)
  const cookie = jar.header(u.pathname)
  const res = await request(agent, u, { ...init, headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } })
  jar.store(res.headers['set-cookie'])
  return res
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export const FORM = 'application/x-www-form-urlencoded'

export function form(params) {
  return new URLSearchParams(params).toString()
}
