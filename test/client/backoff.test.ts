import { describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter } from '../../src/client/backoff.js'

describe('client backoff', () => {
  it('doubles the ceiling each attempt, caps it, and jitters below it', () => {
    expect([0, 1, 2, 3, 10].map((attempt) => backoffDelay(attempt, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000])
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0)
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(400)
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('5')).toBe(5000)
    expect(parseRetryAfter('0')).toBe(0)
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('  ')).toBeUndefined() // not "0 seconds"
    expect(parseRetryAfter(' 2 ')).toBe(2000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0)
  })
})
