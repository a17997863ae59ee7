import { validate, version } from 'uuid'
import { describe, expect, it } from 'vitest'
import { timeOrderedId } from '../../src/model/time-ordered-id.js'

describe('timeOrderedId', () => {
  it('gives valid UUIDv7s, unique and in creation order, stamped with the current time', () => {
    const before = Date.now()
    // Enough ids to span many milliseconds and refill the random pool many times.
    const ids = Array.from({ length: 50_000 }, () => timeOrderedId())
    const after = Date.now()
    expect(ids.every((id) => validate(id) && version(id) === 7)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    const stamp = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16)
    expect(stamp(ids[0]!)).toBeGreaterThanOrEqual(before)
    expect(stamp(ids.at(-1)!)).toBeLessThanOrEqual(after + 1)
  })
})
