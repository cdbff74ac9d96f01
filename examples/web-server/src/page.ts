/**
 * The example's one page, server-rendered, working without JavaScript: signed out, a "Sign in"
 * link to the BFF's `/auth/login`; signed in, the user's profile, the result of an API call made
 * by the server with the session's access token, and two forms, "Refresh tokens" and "Sign out",
 * that POST to the BFF with the session's CSRF token in a hidden `csrf` field. Tokens are never
 * rendered: only claims, the access token's expiry time, and the API's answer.
 */
import type { BffUser } from '@latch/client/bff'
import { html, type Html } from './html.js'

/** What the page shows of an API call. */
export type ApiResult = { ok: true; status: number; body: string } | { ok: false; message: string }

export interface PageState {
  user: BffUser | null
  csrfToken?: string
  expiresAt?: number | null
  api?: ApiResult
  /** `auth_error` from the BFF's failed callback or refresh: anyone can put any text in that query parameter. */
  authError?: string
}

const UNVERIFIED = 'The answer from Latch could not be verified. Please sign in again.'

/**
 * The message for each `auth_error` code the BFF sends. The page shows only these: the parameter
 * comes from a URL anyone can craft, so any other value gets {@link GENERIC_AUTH_ERROR} and is
 * never echoed (a link to this trusted page must not be able to make it say "call this number").
 */
const AUTH_ERRORS: Readonly<Record<string, string>> = Object.freeze({
  access_denied: 'You declined the sign-in at Latch.',
  login_required: 'Your session has ended. Please sign in again.',
  consent_required: 'Latch needs your consent. Please sign in again.',
  interaction_required: 'Latch needs you to sign in again.',
  state_mismatch: 'That sign-in link was stale or not started here. Please sign in again.',
  temporarily_unavailable: 'Latch could not be reached. Please try again in a moment.',
  server_error: 'Latch could not complete the sign-in. Please try again in a moment.',
  iss_missing: UNVERIFIED,
  iss_mismatch: UNVERIFIED,
  nonce_mismatch: UNVERIFIED,
  id_token_invalid: UNVERIFIED,
  subject_mismatch: UNVERIFIED,
})

/** What the page says for an `auth_error` it does not know. */
export const GENERIC_AUTH_ERROR = 'Sign-in failed. Please try again.'

/** The message for an `auth_error` value: a known code's text, else the generic one. */
export function authErrorMessage(code: string): string {
  return Object.hasOwn(AUTH_ERRORS, code) ? (AUTH_ERRORS[code] as string) : GENERIC_AUTH_ERROR
}

function layout(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.value
}

function profile(user: BffUser): Html {
  const rows: [string, unknown][] = [
    ['Name', user.name],
    ['Email', user.email],
    ['Subject (sub)', user.sub],
  ]
  return html`<dl class="profile">${rows.filter(([, v]) => v !== undefined).map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`)}</dl>`
}

function apiSection(result: ApiResult | undefined): Html {
  const button = html`<form method="get" action="/"><button type="submit" name="call" value="data">Call the API</button></form>`
  if (!result) return html`<section aria-labelledby="api"><h2 id="api">API</h2><p>Calls <code>GET /api/data</code> from the server with your access token.</p>${button}</section>`
  const outcome = result.ok
    ? html`<p role="status">GET /api/data answered <strong data-testid="api-status">${result.status}</strong></p><pre data-testid="api-body">${result.body}</pre>`
    : html`<p role="alert" class="error">${result.message}</p>`
  return html`<section aria-labelledby="api"><h2 id="api">API</h2>${outcome}${button}</section>`
}

/** The home page for `state`. */
export function homePage(state: PageState): string {
  const error = state.authError === undefined ? '' : html`<p role="alert" class="error">${authErrorMessage(state.authError)}</p>`
  if (!state.user) {
    return layout(
      'Latch web server example',
      html`<h1>Latch web server example</h1>
${error}<p>You are signed out.</p>
<p><a class="button" href="/auth/login?returnTo=/">Sign in</a></p>`,
    )
  }
  const expires = state.expiresAt == null ? '' : html`<p>Access token expires at <time datetime="${new Date(state.expiresAt * 1000).toISOString()}" data-expires-at="${state.expiresAt}">${new Date(state.expiresAt * 1000).toISOString().slice(11, 19)} UTC</time>.</p>`
  return layout(
    `Signed in as ${state.user.name ?? state.user.sub}`,
    html`<h1>Hello, ${state.user.name ?? state.user.email ?? state.user.sub}</h1>
${error}${profile(state.user)}
${expires}
${apiSection(state.api)}
<section class="actions">
<form method="post" action="/auth/refresh"><input type="hidden" name="csrf" value="${state.csrfToken}"><input type="hidden" name="returnTo" value="/"><button type="submit">Refresh tokens</button></form>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${state.csrfToken}"><button type="submit">Sign out</button></form>
</section>`,
  )
}

/** The 404 page: it names no path (nothing from the request is echoed). */
export function notFoundPage(): string {
  return layout('Not found', html`<h1>Not found</h1>
<p><a href="/">Home</a></p>`)
}

/** The page of an unexpected failure: says nothing about its cause (that goes to the log). */
export function errorPage(): string {
  return layout('Something went wrong', html`<h1>Something went wrong</h1>
<p>Please try again in a moment.</p>
<p><a href="/">Home</a></p>`)
}

export const STYLESHEET = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1b1f24; }
main { max-width: 40rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
h1 { font-size: 1.5rem; margin-top: 0; }
dl.profile { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f0f2f5; padding: .75rem; overflow-x: auto; border-radius: 4px; }
.error { color: #a40e26; }
.actions { display: flex; gap: .5rem; margin-top: 1.5rem; }
button, a.button { font: inherit; padding: .5rem 1rem; border-radius: 4px; border: 1px solid #0b57d0; background: #0b57d0; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
form { margin: 0; }
`
