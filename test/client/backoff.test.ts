import { describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter, retryAfterFromDetails, retrySchedule } from '../../src/client/backoff.js'

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

  it('schedules backoff waits until the budget would be passed, then gives up', () => {
    let now = 0
    const next = retrySchedule({ maxRetries: Infinity, retryBudgetMs: 1000, retryBaseMs: 100, retryMaxMs: 400 }, () => now, () => 1)
    const waits: Array<number | undefined> = []
    for (let wait = next(); wait !== undefined; wait = next()) {
      waits.push(wait)
      now += wait
    }
    expect(waits).toEqual([100, 200, 400]) // a fourth (400) would start at 1100
    expect(next()).toBeUndefined()
  })

  it('obeys Retry-After with up to a fifth more, and gives up rather than undercut one beyond the budget', () => {
    const schedule = (random: number) => retrySchedule({ maxRetries: 5, retryBudgetMs: 10_000, retryBaseMs: 1, retryMaxMs: 1 }, () => 0, () => random)
    expect(schedule(0)(3000)).toBe(3000)
    expect(schedule(1)(3000)).toBe(3600)
    expect(schedule(0.5)(0)).toBe(0)
    expect(schedule(0)(10_000)).toBe(10_000)
    expect(schedule(0)(10_001)).toBeUndefined()
  })

  it('stops after maxRetries even with budget left', () => {
    const next = retrySchedule({ maxRetries: 2, retryBudgetMs: 1e9, retryBaseMs: 1, retryMaxMs: 1 }, () => 0, () => 0)
    expect([next(), next(), next()]).toEqual([0, 0, undefined])
  })

  it('reads retry_after_seconds from error details', () => {
    expect(retryAfterFromDetails({ retry_after_seconds: 5 })).toBe(5000)
    expect(retryAfterFromDetails({ retry_after_seconds: 0 })).toBe(0)
    expect(retryAfterFromDetails({ retry_after_seconds: -1 })).toBeUndefined()
    expect(retryAfterFromDetails({ retry_after_seconds: '5' })).toBeUndefined()
    expect(retryAfterFromDetails({})).toBeUndefined()
  })
})
