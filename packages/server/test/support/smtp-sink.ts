/**
 * Issue 13: a real SMTP server in-process (npm `smtp-server`), on an ephemeral port of 127.0.0.1,
 * that keeps what it receives, so a test sends through Latch's real SMTP mailer and reads the
 * message (parsed with `mailparser`) as a person would: `await sink.next('ann@example.com')`.
 * No TLS (the loopback), any or no authentication accepted.
 */
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  /** The envelope's recipients (lower-cased). */
  to: string[]
  from: string
  subject: string
  text: string
  html: string
  /** The raw message as received. */
  raw: string
  parsed: ParsedMail
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for `mail.smtp_url`. */
  url: string
  /** Every message received so far, oldest first. */
  readonly received: readonly ReceivedMail[]
  /** The next message to `address` not yet taken by `next` (waiting for it up to `timeoutMs`). */
  next(address: string, timeoutMs?: number): Promise<ReceivedMail>
  /** Messages to `address` received and not yet taken. */
  pending(address: string): ReceivedMail[]
  close(): Promise<void>
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = []
  const taken = new Set<ReceivedMail>()
  const waiters: { address: string; resolve: (mail: ReceivedMail) => void }[] = []
  const deliver = (mail: ReceivedMail) => {
    received.push(mail)
    const i = waiters.findIndex((w) => mail.to.includes(w.address))
    if (i >= 0) {
      const [waiter] = waiters.splice(i, 1)
      taken.add(mail)
      waiter!.resolve(mail)
    }
  }
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'test' })
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks)
        simpleParser(raw).then(
          (parsed) => {
            deliver({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw: raw.toString('utf8'),
              parsed,
            })
            callback()
          },
          (error: Error) => callback(error),
        )
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('smtp sink: no port')
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    received,
    pending: (to) => received.filter((m) => !taken.has(m) && m.to.includes(to.toLowerCase())),
    next(to, timeoutMs = 10_000) {
      const wanted = to.toLowerCase()
      const ready = received.find((m) => !taken.has(m) && m.to.includes(wanted))
      if (ready) {
        taken.add(ready)
        return Promise.resolve(ready)
      }
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = {
          address: wanted,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer)
            resolve(mail)
          },
        }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`smtp sink: no mail to ${to} within ${timeoutMs} ms`))
        }, timeoutMs)
        waiters.push(waiter)
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
