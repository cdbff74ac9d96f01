/**
 * Issue 13: mail through an SMTP server (`mail.smtp_url`), with nodemailer. One connection per
 * message (no pool): a tenant's mailer holds no socket while idle, and self-service mail is rare
 * next to sign-ins. `smtp://` upgrades with STARTTLS when the server offers it; `smtps://` is TLS
 * from the start (RFC 8314).
 * @see https://www.rfc-editor.org/rfc/rfc5321
 * @see https://www.rfc-editor.org/rfc/rfc8314
 */
import nodemailer from 'nodemailer'
import type { Mailer, MailMessage } from './mailer.js'

/** Bounds on one delivery, so a stalled server does not hold a background send for minutes. */
const TIMEOUT_MS = 15_000

export class SmtpMailer implements Mailer {
  readonly kind = 'smtp' as const
  /** Built at the first message: a tenant's context is built for every request it serves, most send no mail. */
  #transport: ReturnType<typeof nodemailer.createTransport> | undefined

  constructor(private readonly url: string, private readonly from: string) {}

  #open(): ReturnType<typeof nodemailer.createTransport> {
    const parsed = new URL(this.url)
    return nodemailer.createTransport({
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port === '' ? (parsed.protocol === 'smtps:' ? 465 : 587) : Number(parsed.port),
      secure: parsed.protocol === 'smtps:',
      ...(parsed.username !== '' && { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }),
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
      // Never log the conversation: it carries the links and codes.
      logger: false,
      debug: false,
    })
  }

  async send(message: MailMessage): Promise<void> {
    this.#transport ??= this.#open()
    await this.#transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html })
  }
}
