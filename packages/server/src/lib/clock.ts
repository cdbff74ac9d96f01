/**
 * Time as integer epoch seconds, injected everywhere so that expiry tests freeze or advance time
 * instead of sleeping.
 */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) }

/** A clock tests can move: `clock.advance(61)` expires a 60-second code. */
export class ManualClock implements Clock {
  constructor(private current = Math.floor(Date.now() / 1000)) {}
  now(): number {
    return this.current
  }
  advance(seconds: number): void {
    this.current += seconds
  }
  set(epochSeconds: number): void {
    this.current = epochSeconds
  }
}
