/**
 * Security review L5: whether this tenant may mail links and codes to people. On an https issuer
 * (a real deployment) without `mail.smtp_url`, the development mailer would put reset links and
 * codes on stderr and in `mail.directory` instead of people's mailboxes: the features that mail
 * (sign-up, "Forgot password?", passwordless email sign-in) are then off, unless the operator opts
 * in to the development mailer with `mail.development: true` (a local https setup).
 */
import type { LatchConfig } from '../config/schema.js'

export function mailAvailable(config: Pick<LatchConfig, 'issuer' | 'mail'>): boolean {
  return Boolean(config.mail.smtp_url) || !config.issuer.startsWith('https:') || config.mail.development
}
