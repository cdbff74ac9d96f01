/**
 * BackgroundRefresh (discovery's document): readers never wait for a refresh, one refresh runs at a
 * time, and a failed or slow one keeps the current value until the next interval.
 */
import { describe, expect, it } from 'vitest'
import { BackgroundRefresh } from './background-refresh.js'
import { ManualClock } from './clock.js'

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('BackgroundRefresh', () => {
  it('serves the current value at once while one due refresh runs, then the new one', async () => {
    const clock = new ManualClock(1000)
    const pending = deferred<string>()
    let calls = 0
    const errors: unknown[] = []
    const value = new BackgroundRefresh('v1', { clock, everySeconds: 60, timeoutMs: 60_000, compute: () => (calls++, pending.promise), onError: (e) => errors.push(e) })
    expect(value.get()).toBe('v1')
    clock.advance(59)
    expect(value.get()).toBe('v1')
    expect(calls).toBe(0)
    clock.advance(1)
    expect(value.get()).toBe('v1')
    expect(value.get()).toBe('v1')
    expect(calls).toBe(1)
    pending.resolve('v2')
    await value.settled()
    expect(value.get()).toBe('v2')
    expect(calls).toBe(1)
    expect(errors).toEqual([])
  })

  it('keeps the current value when a refresh fails or outlasts its bound, and tries again an interval later', async () => {
    const clock = new ManualClock(1000)
    const hung = deferred<string>()
    const results = [Promise.reject(new Error('store down')), hung.promise, Promise.resolve('v3')]
    let calls = 0
    const errors: string[] = []
    const value = new BackgroundRefresh('v1', { clock, everySeconds: 60, timeoutMs: 20, compute: () => (calls++, results.shift()!), onError: (e) => errors.push((e as Error).message) })
    clock.advance(60)
    expect(value.get()).toBe('v1')
    await value.settled()
    expect(errors).toEqual(['store down'])
    expect(value.get()).toBe('v1') // not due again yet
    clock.advance(60)
    expect(value.get()).toBe('v1') // starts the refresh that does not answer
    await value.settled()
    expect(errors).toEqual(['store down', 'refresh took longer than 20 ms'])
    expect(value.get()).toBe('v1')
    // While it is still out, no second scan starts, however many intervals pass.
    clock.advance(600)
    expect(value.get()).toBe('v1')
    expect(calls).toBe(2)
    hung.resolve('v2')
    await hung.promise
    await new Promise((resolve) => setImmediate(resolve))
    expect(value.get()).toBe('v2') // a late value is still the newest
    clock.advance(60)
    value.get()
    await value.settled()
    expect(value.get()).toBe('v3')
    expect(calls).toBe(3)
  })
})
