import { describe, expect, it } from 'vitest'
import { sortableId, sortableIdFloor, sortableIdTime } from './sortable-id.js'

describe('sortable ids (issue 14: the audit log\'s ids and cursors)', () => {
  it('issue 14: ids sort by time, then by order of making within a millisecond, and are unique', () => {
    const at = Date.UTC(2026, 5, 1)
    const ids = [sortableId(at), sortableId(at), sortableId(at + 1), sortableId(at + 1000)]
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(4)
    expect(sortableIdTime(ids[3]!)).toBe(at + 1000)
  })
  it('issue 14: the floor of a millisecond is below its ids and above every earlier one', () => {
    const at = Date.UTC(2026, 5, 1)
    expect(sortableIdFloor(at) <= sortableId(at)).toBe(true)
    expect(sortableId(at - 1) < sortableIdFloor(at)).toBe(true)
  })
})
