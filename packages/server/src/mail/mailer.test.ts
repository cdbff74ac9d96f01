import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js'
import { DEFAULT_LOOK } from '../interaction/views/branding.js'
import { DevelopmentMailer } from './development-mailer.js'
import { createMailer } from './create-mailer.js'
import { composeMail } from './message.js'

const log = pino({ level: 'silent' })
let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink()
})
afterAll(async () => {
  await sink?.close()
})

const mailConfig = (smtp_url: string | null, directory: string | null = null) => ({
  smtp_url, from: 'Acme <no-reply@acme.test>', directory, development: false, max_per_address: 5, max_per_source: 20, throttle_window: 3600,
})

describe('mail (issue 13)', () => {
  it('RFC 5321: with mail.smtp_url the message goes through the SMTP server, text and HTML', async () => {
    const mailer = createMailer(mailConfig(sink.url), log)
    expect(mailer.kind).toBe('smtp')
    const message = composeMail('ann@example.com', { kind: 'reset', link: 'https://op.test/reset-password?token=abc' }, { locale: 'en', look: DEFAULT_LOOK, ttlSeconds: 1800 })
    await mailer.send(message)
    const got = await sink.next('ann@example.com')
    expect(got.from).toBe('no-reply@acme.test')
    expect(got.subject).toBe('Reset your Latch password')
    expect(got.text).toContain('https://op.test/reset-password?token=abc')
    expect(got.text).toContain('within 30 minutes')
    expect(got.html).toContain('href="https://op.test/reset-password?token=abc"')
    expect(got.html).toContain('<html lang="en" dir="ltr">')
  })

  it('the message is in the page\'s language with the tenant\'s product name, and the HTML escapes what it interpolates', () => {
    const look = { branding: { product_name: 'Acme <ID>' }, messages: {} }
    const de = composeMail('ann@example.com', { kind: 'verify_code', code: '123456' }, { locale: 'de', look, ttlSeconds: 600 })
    expect(de.subject).toBe('Ihr Acme <ID>-Bestätigungscode')
    expect(de.text).toContain('Code: 123456')
    expect(de.html).toContain('Acme &lt;ID&gt;')
    expect(de.html).not.toContain('Acme <ID>')
    const ar = composeMail('ann@example.com', { kind: 'sign_up_exists' }, { locale: 'ar', look: DEFAULT_LOOK })
    expect(ar.html).toContain('dir="rtl"')
  })

  it('without mail.smtp_url the development mailer prints the message and writes it as an .eml file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'latch-mail-'))
    try {
      const printed: string[] = []
      const mailer = new DevelopmentMailer('Latch <no-reply@localhost>', join(directory, 'mail'), log, (text) => printed.push(text))
      expect(createMailer(mailConfig(null), log).kind).toBe('development')
      await mailer.send(composeMail('bo/b@example.com', { kind: 'verify_link', link: 'http://localhost:9000/verify-email?token=xyz' }, { locale: 'en', look: DEFAULT_LOOK, ttlSeconds: 3600 }))
      expect(printed.join('')).toContain('http://localhost:9000/verify-email?token=xyz')
      const files = await readdir(join(directory, 'mail'))
      expect(files).toHaveLength(1)
      expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-bo_b@example\.com\.eml$/)
      const eml = await readFile(join(directory, 'mail', files[0]!), 'utf8')
      expect(eml).toContain('Subject: Confirm your email address for Latch')
      expect(eml).toContain('To: bo/b@example.com')
      expect(eml).toMatch(/Content-Type: text\/html/)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})
