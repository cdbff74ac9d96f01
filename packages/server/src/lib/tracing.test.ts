/**
 * Issue 14: with tracing off (no SDK started, the default) the helpers cost a null check and
 * change nothing: `withSpan` runs its function (errors pass through), `injectTraceContext` adds no
 * header, `tracedFetch` calls the fetch it wraps with the very arguments it got.
 */
import { describe, expect, it } from 'vitest'
import { injectTraceContext, tracedFetch, tracingEnabled, withClientSpan, withSpan } from './tracing.js'

describe('lib/tracing.ts with tracing off', () => {
  it('issue 14: withSpan runs the function with a span that records nothing, and passes errors through', async () => {
    expect(tracingEnabled()).toBe(false)
    await expect(withSpan('x', {}, (span) => (span.isRecording() ? 'recording' : 'not recording'))).resolves.toBe('not recording')
    const boom = new Error('boom')
    await expect(withSpan('x', {}, () => { throw boom })).rejects.toBe(boom)
    await expect(withSpan('x', {}, () => Promise.reject(boom))).rejects.toBe(boom)
  })

  it('issue 14: injectTraceContext adds nothing; tracedFetch and withClientSpan call straight through', async () => {
    const headers = { accept: 'application/json' }
    expect(injectTraceContext(headers)).toEqual({ accept: 'application/json' })
    const calls: unknown[][] = []
    const response = new Response('ok')
    const fetchImpl = (async (...args: unknown[]) => {
      calls.push(args)
      return response
    }) as typeof fetch
    const init = { method: 'POST', body: 'a=b' }
    await expect(tracedFetch(fetchImpl, 'webhook')('https://example.com/hook', init)).resolves.toBe(response)
    expect(calls).toEqual([['https://example.com/hook', init]])
    expect(calls[0]![1]).toBe(init)
    await expect(withClientSpan('x', 'GET', new URL('https://example.com'), () => Promise.resolve(response))).resolves.toBe(response)
  })
})
