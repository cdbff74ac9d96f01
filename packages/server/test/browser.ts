/**
 * A tiny browser for the flow tests: a cookie jar and fetch with manual redirects, so the tests
 * drive Latch's real HTML pages (login, consent, device code) the way a user agent without
 * JavaScript would. Redirects inside the issuer's origin are followed; a redirect anywhere else is
 * the authorization response for the client and is handed back untouched (the relying party never
 * runs here). Forms are read with regexes on Latch's known markup (interaction/views/*.ts); that
 * is enough because the pages are small, server-rendered and escaped by one `html` helper.
 * No dependencies beyond Node's fetch.
 */

export interface Form {
  action: string
  method: string
  /** Hidden and text inputs with their values (buttons are not included). */
  fields: Record<string, string>
  /** `name=value` pairs of the submit buttons, in document order. */
  buttons: { name: string; value: string; label: string }[]
}

export interface Page {
  /** The URL that answered (after in-origin redirects). */
  url: string
  status: number
  headers: Headers
  html: string
  /** Set when the last answer redirected out of the issuer's origin: the client's redirect_uri. */
  redirect?: URL
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }

export function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m] ?? m)
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const name = (m[1] as string).toLowerCase()
    if (!(name in out)) out[name] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '')
  }
  return out
}

/** Every `<form>` of a page with its inputs and submit buttons. */
export function parseForms(html: string): Form[] {
  const forms: Form[] = []
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1] as string)
    const body = m[2] as string
    const fields: Record<string, string> = {}
    for (const input of body.matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1] as string)
      if (a.name !== undefined) fields[a.name] = a.value ?? ''
    }
    const buttons: Form['buttons'] = []
    for (const button of body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = attributes(button[1] as string)
      buttons.push({ name: a.name ?? '', value: a.value ?? '', label: unescapeHtml((button[2] as string).replace(/<[^>]+>/g, '').trim()) })
    }
    forms.push({ action: attrs.action ?? '', method: (attrs.method ?? 'get').toLowerCase(), fields, buttons })
  }
  return forms
}

/** The text of the page's `role="alert"` message, if any. */
export function alertText(html: string): string | undefined {
  const m = /<p class="error" role="alert">([\s\S]*?)<\/p>/.exec(html)
  return m ? unescapeHtml(m[1] as string) : undefined
}

export function isLoginPage(page: Page): boolean {
  return /<label for="email">Email<\/label>/.test(page.html) && /<label for="password">Password<\/label>/.test(page.html)
}

export function isConsentPage(page: Page): boolean {
  return /name="decision" value="allow"/.test(page.html) && /name="decision" value="deny"/.test(page.html)
}

export class Browser {
  /** name → value; Latch sets host-only cookies on one origin, so one flat jar is enough. */
  readonly cookies = new Map<string, string>()
  readonly #origin: string
  readonly #dispatcher: unknown

  /** `dispatcher`: an undici dispatcher for every request (test/support/tenants.ts resolves `*.test` names with one). */
  constructor(issuer: string, options: { dispatcher?: unknown } = {}) {
    this.#origin = new URL(issuer).origin
    this.#dispatcher = options.dispatcher
  }

  /** One request, no redirect following; stores cookies. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const target = new URL(url)
    if (target.origin === this.#origin && this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual', ...(this.#dispatcher !== undefined && { dispatcher: this.#dispatcher }) } as RequestInit)
    if (target.origin === this.#origin) this.#store(response.headers.getSetCookie())
    return response
  }

  /** GET, following redirects inside the issuer's origin. */
  async open(url: string | URL): Promise<Page> {
    return this.#follow(await this.fetch(url), new URL(url).href)
  }

  /** One form-urlencoded POST of exactly `params`, no redirect following; stores cookies. */
  async postForm(url: string | URL, params: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    })
  }

  /** POSTs a form (its own fields merged with `values`), following in-origin redirects. */
  async submit(form: Form, values: Record<string, string> = {}): Promise<Page> {
    return this.#follow(await this.postForm(form.action, { ...form.fields, ...values }), form.action)
  }

  /** Fills and submits the sign-in form. */
  async signIn(page: Page, email: string, password: string): Promise<Page> {
    if (!isLoginPage(page)) throw new Error(`expected the sign-in page at ${page.url}, got status ${page.status}:\n${page.html.slice(0, 500)}`)
    return this.submit(formOf(page), { email, password })
  }

  /** Clicks Allow or Deny on the consent page. */
  async decide(page: Page, decision: 'allow' | 'deny'): Promise<Page> {
    if (!isConsentPage(page)) throw new Error(`expected the consent page at ${page.url}, got status ${page.status}:\n${page.html.slice(0, 500)}`)
    return this.submit(formOf(page), { decision })
  }

  /**
   * Runs an authorization request to its end: opens the URL, signs in when asked, allows (or
   * denies) when asked, and returns the last page, whose `redirect` is the authorization response.
   */
  async authorize(url: URL | string, user?: { email: string; password: string }, decision: 'allow' | 'deny' = 'allow'): Promise<Page> {
    let page = await this.open(url)
    if (isLoginPage(page)) {
      if (!user) throw new Error('the sign-in page was shown but no user was given')
      page = await this.signIn(page, user.email, user.password)
    }
    if (isConsentPage(page)) page = await this.decide(page, decision)
    return page
  }

  async #follow(response: Response, from: string): Promise<Page> {
    let current = response
    let url = from
    for (let hops = 0; hops < 10; hops++) {
      const location = current.headers.get('location')
      if (current.status < 300 || current.status >= 400 || location === null) break
      const next = new URL(location, url)
      if (next.origin !== this.#origin) {
        return { url, status: current.status, headers: current.headers, html: await current.text(), redirect: next }
      }
      await current.body?.cancel()
      url = next.href
      current = await this.fetch(next)
    }
    return { url, status: current.status, headers: current.headers, html: await current.text() }
  }

  #store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';')
      const eq = (pair ?? '').indexOf('=')
      if (eq < 0) continue
      const name = (pair as string).slice(0, eq).trim()
      const value = (pair as string).slice(eq + 1).trim()
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=').map((s) => s.trim())
        if (k?.toLowerCase() === 'max-age') return Number(v) <= 0
        if (k?.toLowerCase() === 'expires') return Date.parse(v ?? '') <= Date.now()
        return false
      })
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
}

/** The page's single form (login, consent, device code). */
export function formOf(page: Page): Form {
  const forms = parseForms(page.html)
  const form = forms[0]
  if (forms.length !== 1 || !form) throw new Error(`expected one form at ${page.url}, found ${forms.length}`)
  return form
}
