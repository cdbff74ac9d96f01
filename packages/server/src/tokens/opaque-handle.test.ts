import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashHandle, hashUserCode, newHandle, newUserCode } from './opaque-handle.js'

describe('opaque handles', () => {
  it('RFC 6749 §10.10: a handle carries 256 bits, base64url', () => {
    const { value } = newHandle()
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(value, 'base64url')).toHaveLength(32)
  })

  it('RFC 6749 §10.10: handles do not repeat', () => {
    const values = new Set(Array.from({ length: 1000 }, () => newHandle().value))
    expect(values.size).toBe(1000)
  })

  it('RFC 9700 §4.14: the stored hash is SHA-256 of the value, and differs from it', () => {
    const { value, hash } = newHandle()
    expect(hash).toBe(createHash('sha256').update(value).digest('base64url'))
    expect(hash).toBe(hashHandle(value))
    expect(hash).not.toBe(value)
  })

  it('RFC 8628 §6.1: user codes are XXXX-XXXX, hashed in normalized form so typing variants match', () => {
    const { value, hash } = newUserCode()
    expect(value).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    expect(hashUserCode(value)).toBe(hash)
    expect(hashUserCode(value.toLowerCase().replace('-', ' '))).toBe(hash)
    expect(hashUserCode('BCDF-GHJK')).not.toBe(hashUserCode('BCDF-GHJL'))
  })
})
