import { describe, expect, it } from 'vitest'
import { MemorySessionStore } from './session-store.js'

describe('MemorySessionStore', () => {
  it('keeps JSON values until their lifetime ends (frozen clock)', () => {
    let now = 1_000_000
    const store = new MemorySessionStore({ now: () => now })
    store.set('session:a', { n: 1 }, 10)
    expect(store.get('session:a')).toEqual({ n: 1 })
    now += 9_999
    expect(store.get('session:a')).toEqual({ n: 1 })
    now += 1
    expect(store.get('session:a')).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it('returns copies: mutating a value read back does not change the stored one', () => {
    const store = new MemorySessionStore()
    store.set('k', { list: [1] }, 60)
    ;(store.get('k') as { list: number[] }).list.push(2)
    expect(store.get('k')).toEqual({ list: [1] })
  })

  it('delete removes; a ttl of 0 removes; deleting a missing key is fine', () => {
    const store = new MemorySessionStore()
    store.set('k', 1, 60)
    store.delete('k')
    store.delete('missing')
    expect(store.get('k')).toBeUndefined()
    store.set('k', 1, 60)
    store.set('k', 2, 0)
    expect(store.get('k')).toBeUndefined()
  })

  it('bounds memory: beyond maxEntries the oldest write is dropped first', () => {
    const store = new MemorySessionStore({ maxEntries: 3 })
    for (const k of ['a', 'b', 'c']) store.set(k, k, 60)
    store.set('a', 'a2', 60) // rewritten: now the newest
    store.set('d', 'd', 60)
    expect(store.size).toBe(3)
    expect(store.get('b')).toBeUndefined()
    expect(store.get('a')).toBe('a2')
    expect(store.get('c')).toBe('c')
    expect(() => new MemorySessionStore({ maxEntries: 0 })).toThrow(TypeError)
  })

  it('issue: a flood of sign-in transactions (anyone can GET /auth/login) never evicts a session', () => {
    const store = new MemorySessionStore({ maxEntries: 3, maxTransactions: 5 })
    store.set('session:alice', { user: 'alice' }, 60)
    store.set('session:bob', { user: 'bob' }, 60)
    for (let i = 0; i < 1000; i++) store.set(`tx:${i}:state`, { i }, 600)
    expect(store.get('session:alice')).toEqual({ user: 'alice' })
    expect(store.get('session:bob')).toEqual({ user: 'bob' })
    // The transactions evict only each other, oldest first.
    expect(store.get('tx:0:state')).toBeUndefined()
    expect(store.get('tx:999:state')).toEqual({ i: 999 })
    expect(store.size).toBe(2 + 5)
    expect(() => new MemorySessionStore({ maxTransactions: 0 })).toThrow(TypeError)
  })

  it('sweeps expired entries as writes go on, so abandoned sign-ins do not pile up', () => {
    let now = 0
    const store = new MemorySessionStore({ now: () => now })
    for (let i = 0; i < 500; i++) store.set(`tx:${i}`, i, 1)
    now += 2000
    for (let i = 0; i < 500; i++) store.set(`tx:new${i}`, i, 60)
    expect(store.size).toBe(500)
  })
})
