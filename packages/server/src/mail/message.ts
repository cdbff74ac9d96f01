/**
 * Issue 13: the messages Latch mails, in the words of the page catalogues (`mail` section: the
 * language of the page that asked, the tenant's product name and message overrides), as plain
 * text and as simple HTML (one column, a real link with the address spelt out under it, the code
 * as text, `lang`/`dir` set) that reads the same in any mail program and a screen reader.
 */
import { productName, type Look } from '../interaction/views/branding.js'
import { escapeHtml } from '../interaction/views/layout.js'
import { directionOf, messagesFor, type Locale } from '../interaction/views/locales.js'
import type { MailMessage } from './mailer.js'

export type MailContent =
  /** Sign-up (issue 13): the link that verifies the address. */
  | { kind: 'verify_link'; link: string }
  /** Sign-up with `sign_up.verify_email: code`. */
  | { kind: 'verify_code'; code: string }
  /** Forgot password: the single-use reset link. */
  | { kind: 'reset'; link: string }
  /** Issue 14: an administrator's invitation, a set-password link (the reset page) that works for days. */
  | { kind: 'invite'; link: string }
  /** Someone signed up with an address that has an account: its owner hears of it, nobody else learns it. */
  | { kind: 'sign_up_exists' }
  /** Security review M4: the second factor locked after too many wrong answers in a row, and the way back. */
  | { kind: 'mfa_locked' }
  /** Passwordless sign-in (issue 13): the single-use sign-in link, or the 6-digit code. */
  | { kind: 'magic_link'; link: string }
  | { kind: 'email_code'; code: string }
  /** Account page (issue 13): the link that confirms a new address; the notice that it has an account already; the notice to the old address. */
  | { kind: 'change_email'; link: string }
  | { kind: 'change_email_taken' }
  | { kind: 'email_changed'; newEmail: string }

export function composeMail(to: string, content: MailContent, options: { locale: Locale; look: Look; ttlSeconds?: number }): MailMessage {
  const m = messagesFor(options.locale, options.look).mail
  const pl = messagesFor(options.locale, options.look).passwordless
  const product = productName(options.look.branding)
  const minutes = Math.ceil((options.ttlSeconds ?? 0) / 60)
  let subject: string
  let intro: string
  let action: { link: string; label: string } | null = null
  let code: string | null = null
  switch (content.kind) {
    case 'verify_link':
      subject = m.verifySubject
      intro = m.verifyLinkIntro
      action = { link: content.link, label: m.verifyButton }
      break
    case 'verify_code':
      subject = m.verifyCodeSubject
      intro = m.verifyCodeIntro
      code = content.code
      break
    case 'reset':
      subject = m.resetSubject
      intro = m.resetIntro
      action = { link: content.link, label: m.resetButton }
      break
    case 'invite':
      subject = m.inviteSubject
      intro = m.inviteIntro
      action = { link: content.link, label: m.inviteButton }
      break
    case 'sign_up_exists':
      subject = m.existsSubject
      intro = m.existsIntro
      break
    case 'mfa_locked':
      subject = m.lockedSubject
      intro = m.lockedIntro
      break
    case 'magic_link':
      subject = pl.mailLinkSubject
      intro = pl.mailLinkIntro
      action = { link: content.link, label: pl.mailLinkButton }
      break
    case 'email_code':
      subject = pl.mailCodeSubject
      intro = pl.mailCodeIntro
      code = content.code
      break
    case 'change_email':
      subject = pl.mailChangeSubject
      intro = pl.mailChangeIntro
      action = { link: content.link, label: pl.mailChangeButton }
      break
    case 'change_email_taken':
      subject = pl.mailTakenSubject
      intro = pl.mailTakenIntro
      break
    case 'email_changed':
      subject = pl.mailChangedSubject
      intro = pl.mailChangedIntro(content.newEmail)
      break
  }
  // Only what carries a link or a code expires.
  const expires = action === null && code === null ? null : content.kind === 'invite' ? m.inviteExpires(Math.ceil(minutes / 1440)) : m.expires(minutes)
  // A lock is news whether or not the reader asked for anything: it says how to get back in.
  const footnote = content.kind === 'mfa_locked' ? m.lockedWayBack : content.kind === 'invite' ? m.inviteNotYou : m.notYou
  const text = [
    intro,
    action && `${action.label}: ${action.link}`,
    code && `${m.code}: ${code}`,
    expires,
    footnote,
    `— ${product}`,
  ].filter((line): line is string => typeof line === 'string').join('\n\n')
  const p = (inner: string, style = '') => `<p${style ? ` style="${style}"` : ''}>${inner}</p>`
  const body = [
    p(escapeHtml(intro)),
    action && p(`<a href="${escapeHtml(action.link)}" style="display:inline-block;padding:.6em 1.2em;background:#1d4ed8;color:#ffffff;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(action.label)}</a>`),
    action && p(`${escapeHtml(m.linkFallback)}<br><a href="${escapeHtml(action.link)}">${escapeHtml(action.link)}</a>`, 'font-size:.9em;overflow-wrap:anywhere'),
    code && p(`${escapeHtml(m.code)}: <strong style="font-size:1.5em;letter-spacing:.15em;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(code)}</strong>`),
    expires && p(escapeHtml(expires)),
    p(escapeHtml(footnote), content.kind === 'mfa_locked' ? '' : 'color:#5b6475;font-size:.9em'),
    p(`— ${escapeHtml(product)}`),
  ].filter((part): part is string => typeof part === 'string').join('\n')
  const html = `<!doctype html>
<html lang="${options.locale}" dir="${directionOf(options.locale)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:1.5em;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2430;background:#ffffff">
${body}
</body>
</html>`
  return { to, subject, text, html }
}
