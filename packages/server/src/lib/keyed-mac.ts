/**
 * An HMAC-SHA256 under a key of its own for each use of `LATCH_SECRET`: the key is SHA-256 of the
 * use's label and the secret, so a MAC made for one purpose (a device cookie, a federated-logout
 * state, a connection digest…) is never valid for another. Keys are derived once per secret and label.
 */
import { createHash, createHmac } from 'node:crypto'

const keys = new Map<string, Buffer>()

/** The key of `label` under `secret`. */
export function labelledKey(secret: string, label: string): Buffer {
  const id = `${label}\0${secret}`
  let key = keys.get(id)
  if (key === undefined) {
    key = createHash('sha256').update(id).digest()
    // A node holds one secret; a few labels each. The bound only matters to a test making many secrets.
    if (keys.size >= 256) keys.clear()
    keys.set(id, key)
  }
  return key
}

/** HMAC-SHA256 of `value` under the key of `label`, base64url. */
export function keyedMac(secret: string, label: string, value: string): string {
  return createHmac('sha256', labelledKey(secret, label)).update(value).digest('base64url')
}
