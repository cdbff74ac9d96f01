/**
 * Issue 14: the alert types a webhook can subscribe to, and the checks of `alerts.*` that the
 * schema cannot express (URLs, names). Alerts are the deployment's (the operator's pager), not a
 * tenant's: `alerts` is a top-level key only, and an alert names the tenant it is about.
 */
import { webhookUrlProblem } from '../rules/webhook-url.js'
import { ConfigError } from '../errors.js'

/**
 * Every alert type, with its group. The type is the event's name, except `login.throttled` (a
 * `login.failed` event whose reason is `throttled`) and `threshold.crossed` (a count of failed
 * sign-ins reached `alerts.thresholds.*`).
 */
export const ALERT_TYPES = Object.freeze({
  'authorization_code.reused': 'theft',
  'refresh_token.family_revoked': 'theft',
  'client_assertion.replayed': 'theft',
  'passkey.counter_regressed': 'theft',
  'login.throttled': 'throttle',
  'mfa.locked': 'throttle',
  'sign_in_mail.throttled': 'throttle',
  'throttle.engaged': 'throttle',
  'threshold.crossed': 'threshold',
} as const)
export type AlertType = keyof typeof ALERT_TYPES
export type AlertGroup = (typeof ALERT_TYPES)[AlertType]
export const ALERT_GROUPS: readonly AlertGroup[] = ['theft', 'throttle', 'threshold']

/** An `alerts.webhooks[].events` entry: an alert type, a group, or `*` (every alert). */
export function alertSelectorProblem(selector: string): string | null {
  if (selector === '*' || selector in ALERT_TYPES || (ALERT_GROUPS as readonly string[]).includes(selector)) return null
  return `must be an alert type (${Object.keys(ALERT_TYPES).join(', ')}), a group (${ALERT_GROUPS.join(', ')}) or *, got ${JSON.stringify(selector)}`
}

/** True when a webhook with `selectors` wants alerts of `type`. */
export function selects(selectors: readonly string[], type: AlertType): boolean {
  return selectors.some((s) => s === '*' || s === type || s === ALERT_TYPES[type])
}

/** Throws a `ConfigError` naming the key at fault; the secret is never part of a message. */
export function checkAlerts(alerts: { webhooks: readonly { url: string; events: readonly string[] }[] }): void {
  const urls = new Set<string>()
  alerts.webhooks.forEach((w, i) => {
    const problem = webhookUrlProblem(w.url)
    if (problem !== null) throw new ConfigError(`alerts.webhooks[${i}].url`, problem)
    if (urls.has(w.url)) throw new ConfigError(`alerts.webhooks[${i}].url`, 'duplicates another webhook: list the events of both under one entry')
    urls.add(w.url)
    w.events.forEach((e, j) => {
      const p = alertSelectorProblem(e)
      if (p !== null) throw new ConfigError(`alerts.webhooks[${i}].events[${j}]`, p)
    })
  })
}
