/** The sign-in page: labels **Email** and **Password**, button **Sign in** (ARCHITECTURE.md §2). */
import { html, page } from './layout.js'

export interface LoginView {
  action: string
  csrf: string
  clientName: string
  email?: string | undefined
  error?: string | undefined
}

export function loginPage(v: LoginView): string {
  return page(
    'Sign in',
    html`<h1>Sign in</h1>
<p class="muted">to continue to <strong>${v.clientName}</strong></p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${v.csrf}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${v.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  )
}
