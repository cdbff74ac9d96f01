/** Issue 13: the tenant's mailer from its `mail` config (mailer.ts says which). */
import type { Logger } from 'pino'
import type { LatchConfig } from '../config/schema.js'
import { DevelopmentMailer } from './development-mailer.js'
import type { Mailer } from './mailer.js'
import { SmtpMailer } from './smtp-mailer.js'

export function createMailer(mail: LatchConfig['mail'], log: Logger): Mailer {
  return mail.smtp_url ? new SmtpMailer(mail.smtp_url, mail.from) : new DevelopmentMailer(mail.from, mail.directory, log)
}
