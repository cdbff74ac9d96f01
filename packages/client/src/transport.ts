/**
 * How every request of this package reaches the network: the caller's `fetch` (or the global
 * one), with HTTPS required except on loopback. oauth4webapi refuses every `http:` URL unless
 * `allowInsecureRequests` is set, which would either break local development against
 * `http://localhost:9000` or, set globally, allow cleartext to any host. So oauth4webapi's switch
 * is on and this module's fetch decides per request URL: `https:` always, `http:` only to a
 * loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]) or when the caller opted in
 * explicitly. Network failures become `ClientValidationError('request_failed')`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1 (TLS required at the endpoints)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3 (bearer tokens only over TLS)
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.3 (loopback is not on the network)
 */
import { allowInsecureRequests, customFetch, type HttpRequestOptions } from 'oauth4webapi'
import { ClientValidationError } from './errors.js'

/** Network options shared by every client factory. */
export interface TransportOptions {
  /** A `fetch` to use instead of the global one (proxies, tracing, tests that count requests). */
  fetch?: typeof fetch
  /**
   * Allow `http://` to hosts that are not loopback. **Never in production**: tokens, codes and
   * client secrets would cross the network in clear text. Loopback hosts never need it.
   */
  allowInsecureRequests?: boolean
}

/** Whether `hostname` (as `URL#hostname` spells it) is this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]'
}

/** Throws `insecure_request` unless `url` may be sent to under `options`. */
export function assertSecureUrl(url: URL, options: TransportOptions): void {
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && (isLoopbackHost(url.hostname) || options.allowInsecureRequests === true)) return
  // The URL's origin only: a path or query could carry a token.
  throw new ClientValidationError('insecure_request', `refusing a cleartext request to ${url.origin}: use https, or a loopback host in development`)
}

/** `fetch` with the HTTPS rule applied and network failures typed. */
export function secureFetch(options: TransportOptions): (input: string | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const url = new URL(input)
    assertSecureUrl(url, options)
    const fetchImpl = options.fetch ?? globalThis.fetch
    try {
      return await fetchImpl(url, init)
    } catch (err) {
      // An abort is the caller's decision, not a failure: keep it recognisable.
      if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) throw err
      if (err instanceof ClientValidationError) throw err
      throw new ClientValidationError('request_failed', `request to ${url.origin} failed`, { cause: err })
    }
  }
}

/** The oauth4webapi request options that route its requests through `secureFetch`. */
export function transport(options: TransportOptions): HttpRequestOptions<string, unknown> {
  const send = secureFetch(options)
  return {
    [allowInsecureRequests]: true,
    [customFetch]: (url, init) => send(url, init as RequestInit),
  }
}
