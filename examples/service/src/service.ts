/**
 * A backend service that calls the example API with its own identity: the OAuth 2.0 client
 * credentials grant through @latch/client. Least privilege: the reader and the writer are two
 * clients of the same registration, each asking only for the scope its call needs (`read:data`
 * for GET, `write:data` for POST), so a leaked read token cannot write. Tokens are cached and
 * shared by concurrent calls; a 401 from the API gets one fresh token and one retry.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
import { createClientCredentialsClient } from '@latch/client'

export interface ServiceOptions {
  /** Latch's issuer, e.g. http://localhost:9000. */
  issuer: string
  /** Base URL of the example API, e.g. http://localhost:4000. */
  apiUrl: string
  clientId: string
  clientSecret: string
  /** RFC 8707 resource (audience) to ask for; default: the server's default resource. */
  resource?: string
  /** Where output goes (default: console.log). Tokens are never printed. */
  print?: (line: string) => void
  fetch?: typeof fetch
}

export interface ApiCall {
  method: string
  path: string
  status: number
  body: unknown
  /** The API's `WWW-Authenticate` challenge on 401/403 (RFC 6750 §3). */
  challenge?: string
}

export interface ServiceResult {
  read: ApiCall
  write: ApiCall
  /** Both calls succeeded. */
  ok: boolean
}

async function call(client: { fetch(input: string | URL, init?: RequestInit): Promise<Response> }, apiUrl: string, method: string, path: string, body?: unknown): Promise<ApiCall> {
  const res = await client.fetch(new URL(path, apiUrl), {
    method,
    headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? null : JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  const result: ApiCall = { method, path, status: res.status, body: parsed }
  const challenge = res.headers.get('www-authenticate')
  if (challenge) result.challenge = challenge
  return result
}

function describe(c: ApiCall): string {
  const head = `${c.method} ${c.path} -> ${c.status}`
  const detail = c.challenge ? ` (${c.challenge})` : ''
  return `${head}${detail}\n${JSON.stringify(c.body, null, 2)}`
}

/**
 * Reads and writes `/api/data` on the example API with client credentials tokens.
 *
 * @example
 * ```ts
 * import { runService } from './service.js'
 *
 * const result = await runService({ issuer: 'http://localhost:9000', apiUrl: 'http://localhost:4000', clientId: 'demo-service', clientSecret: 'demo-service-secret-change-me-0123456789' })
 * process.exitCode = result.ok ? 0 : 1
 * ```
 */
export async function runService(options: ServiceOptions): Promise<ServiceResult> {
  const print = options.print ?? ((line: string) => console.log(line))
  const common = {
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(options.resource !== undefined && { resource: options.resource }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  }
  const reader = createClientCredentialsClient({ ...common, scope: 'read:data' })
  const writer = createClientCredentialsClient({ ...common, scope: 'write:data' })

  const read = await call(reader, options.apiUrl, 'GET', '/api/data')
  print(describe(read))
  const write = await call(writer, options.apiUrl, 'POST', '/api/data', { text: `written by ${options.clientId} at ${new Date().toISOString()}` })
  print(describe(write))
  const ok = read.status >= 200 && read.status < 300 && write.status >= 200 && write.status < 300
  return { read, write, ok }
}
