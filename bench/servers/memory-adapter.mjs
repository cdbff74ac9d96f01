/**
 * A plain in-memory adapter for oidc-provider, used instead of its bundled dev `MemoryAdapter`
 * for two reasons: the bundled one prints a "development-only" warning, and it is an LRU capped
 * at 1,000 entries whose per-grant member index is re-scanned (`Math.max(...members.values())`)
 * on every save, which makes long load runs on one grant O(n) per request. This one is a Map
 * with expiry checked on read, a Set per grant for `revokeByGrantId`, and a sweep of expired
 * entries every 10 s. Nothing is evicted early, so every token a scenario holds stays valid,
 * as it would with a real database. Memory therefore grows with the number of live artefacts;
 * the README says so next to the RSS numbers.
 * @see https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js (the adapter interface)
 */
const store = new Map() // key -> { payload, expiresAt }
const grants = new Map() // grantId -> Set<key>
const uids = new Map() // session uid -> id
const userCodes = new Map() // user code -> id

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])

const now = () => Date.now()

function live(key) {
  const entry = store.get(key)
  if (entry === undefined) return undefined
  if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
    store.delete(key)
    return undefined
  }
  return entry.payload
}

const sweeper = setInterval(() => {
  const t = now()
  for (const [key, entry] of store) if (entry.expiresAt !== undefined && entry.expiresAt <= t) store.delete(key)
  for (const [grantId, members] of grants) {
    for (const key of members) if (!store.has(key)) members.delete(key)
    if (members.size === 0) grants.delete(grantId)
  }
}, 10_000)
sweeper.unref()

export class MemoryAdapter {
  constructor(model) {
    this.model = model
  }

  key(id) {
    return `${this.model}:${id}`
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id)
    store.set(key, { payload, expiresAt: typeof expiresIn === 'number' ? now() + expiresIn * 1000 : undefined })
    if (this.model === 'Session' && payload.uid) uids.set(payload.uid, id)
    if (payload.userCode) userCodes.set(payload.userCode, id)
    if (GRANTABLE.has(this.model) && payload.grantId) {
      let members = grants.get(payload.grantId)
      if (members === undefined) grants.set(payload.grantId, (members = new Set()))
      members.add(key)
    }
  }

  async find(id) {
    return live(this.key(id))
  }

  async findByUid(uid) {
    const id = uids.get(uid)
    return id === undefined ? undefined : this.find(id)
  }

  async findByUserCode(userCode) {
    const id = userCodes.get(userCode)
    return id === undefined ? undefined : this.find(id)
  }

  async consume(id) {
    const payload = live(this.key(id))
    if (payload) payload.consumed = Math.floor(now() / 1000)
  }

  async destroy(id) {
    const key = this.key(id)
    const payload = store.get(key)?.payload
    store.delete(key)
    if (payload?.uid && uids.get(payload.uid) === id) uids.delete(payload.uid)
    if (payload?.userCode && userCodes.get(payload.userCode) === id) userCodes.delete(payload.userCode)
    if (payload?.grantId) grants.get(payload.grantId)?.delete(key)
  }

  async revokeByGrantId(grantId) {
    const members = grants.get(grantId)
    if (members === undefined) return
    for (const key of members) store.delete(key)
    grants.delete(grantId)
  }
}

/** Number of stored artefacts (reported by the server at exit, for the RSS discussion). */
export function storedCount() {
  return store.size
}
