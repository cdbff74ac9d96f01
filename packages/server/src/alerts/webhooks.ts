/**
 * Issue 14: the configured alert webhooks as the runtime uses them. A queued delivery names its
 * webhook by `webhookId` (a digest of the URL), so neither the URL (whose query may hold a
 * credential) nor the secret is written to the database, and a node finds the secret in its own
 * config; a delivery whose webhook a node's config no longer lists is given up.
 */
import { createHash } from 'node:crypto'
import type { LatchConfig } from '../config/schema.js'
import { selects, type AlertType } from '../config/alerts.js'

export interface Webhook {
  id: string
  url: string
  /** scheme://host[:port]: how logs and events name the webhook (never the path or query). */
  origin: string
  secret: string
  events: readonly string[]
}

/** The stable id of the webhook at `url`. */
export function webhookId(url: string): string {
  return createHash('sha256').update(`latch alert webhook\0${url}`).digest('hex').slice(0, 32)
}

export class Webhooks {
  readonly #byId: Map<string, Webhook>

  constructor(config: LatchConfig['alerts']) {
    this.#byId = new Map(config.webhooks.map((w) => {
      const id = webhookId(w.url)
      return [id, { id, url: w.url, origin: new URL(w.url).origin, secret: w.secret, events: w.events }]
    }))
  }

  get size(): number {
    return this.#byId.size
  }

  get(id: string): Webhook | undefined {
    return this.#byId.get(id)
  }

  /** The webhooks whose `events` select `type`. */
  for(type: AlertType): Webhook[] {
    return [...this.#byId.values()].filter((w) => selects(w.events, type))
  }

  /** True when some webhook selects `type` (nothing is counted for an alert nobody wants). */
  wants(type: AlertType): boolean {
    for (const w of this.#byId.values()) if (selects(w.events, type)) return true
    return false
  }
}
