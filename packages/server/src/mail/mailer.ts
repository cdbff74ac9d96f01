/**
 * Issue 13: what sends Latch's mail, one per tenant (`ctx.mailer`), from the tenant's `mail`
 * config: SMTP through nodemailer when `mail.smtp_url` is set (smtp-mailer.ts), otherwise the
 * development mailer (development-mailer.ts), which prints each message and writes it as an `.eml`
 * so that a developer can open its link (`createMailer`, create-mailer.ts). Callers build the
 * message (message.ts) and never see which one sends it.
 */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  /** `smtp` or `development`: for the start-up log line only. */
  readonly kind: 'smtp' | 'development'
  /** Sends one message; rejects when the server refused it or could not be reached. */
  send(message: MailMessage): Promise<void>
}
