/** Constant-time comparison of strings, so secret checks do not leak a prefix through timing. */
import { timingSafeEqual } from 'node:crypto'

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  // Compare against itself on length mismatch so the time does not reveal the length either.
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab)
    return false
  }
  return timingSafeEqual(ab, bb)
}
