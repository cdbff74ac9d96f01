/**
 * Issue 13: the mailer without SMTP (`mail.smtp_url` unset), for development: the point of a
 * message there is to click its link, so each one is printed on the console (stderr, beside the
 * server's log, not in it: the log never holds a link or code) and written as
 * `<mail.directory>/<time>-<to>.eml`, a complete RFC 5322 message any mail program opens.
 * @see https://www.rfc-editor.org/rfc/rfc5322
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import type { Logger } from 'pino'
import type { Mailer, MailMessage } from './mailer.js'

export class DevelopmentMailer implements Mailer {
  readonly kind = 'development' as const
  #composer: ReturnType<typeof nodemailer.createTransport> | undefined

  constructor(
    private readonly from: string,
    private readonly directory: string | null,
    private readonly log: Logger,
    private readonly print: (text: string) => void = (text) => process.stderr.write(text),
  ) {}

  async send(message: MailMessage): Promise<void> {
    // nodemailer's stream transport composes the whole RFC 5322 message without sending it.
    this.#composer ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
    const info = await this.#composer.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html })
    let file: string | null = null
    if (this.directory !== null) {
      await mkdir(this.directory, { recursive: true, mode: 0o700 })
      // The address is made safe for a file name; the time keeps the files in order.
      const safe = message.to.replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 100)
      file = join(this.directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${safe}.eml`)
      await writeFile(file, info.message as Buffer, { mode: 0o600 })
    }
    this.print(`\n--- mail (development mailer: no mail.smtp_url) to ${message.to}${file ? `, saved as ${file}` : ''}\nSubject: ${message.subject}\n\n${message.text}\n--- end of mail\n\n`)
    // The address (also in the file's name) stays out of the log, as login failures keep it out.
    this.log.info({ to_domain: message.to.split('@')[1] }, 'development mailer: message printed and saved under mail.directory, not sent')
  }
}
