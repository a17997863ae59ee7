// The stats chart's periods: days for a short span, then weeks, months, years,
// so a chart never has more bars than it can draw; the year on the axis once
// the span crosses one.
import { describe, expect, it } from 'vitest'
import { groupDays, MAX_BARS } from '../../dashboard/src/periods.js'

/** Every day from `first`, `length` of them, one session each. */
function days(first: string, length: number) {
  const start = Date.parse(`${first}T00:00:00Z`)
  return Array.from({ length }, (_, index) => ({ day: new Date(start + index * 86_400_000).toISOString().slice(0, 10), count: 1 }))
}

describe('groupDays', () => {
  it('keeps days for a short span, without the year while the span stays in one', () => {
    const grouped = groupDays(days('2025-03-01', 10))
    expect(grouped.unit).toBe('day')
    expect(grouped.periods[0]).toEqual({ tick: '03-01', label: '2025-03-01', count: 1 })
  })

  it('puts the year on the axis when a few days cross the new year', () => {
    const grouped = groupDays(days('2024-12-28', 7))
    expect(grouped.unit).toBe('day')
    expect(grouped.periods.map((period) => period.tick)).toEqual(['2024-12-28', '2024-12-29', '2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02', '2025-01-03'])
  })

  it('counts weeks from Monday for a span of months, every session counted once', () => {
    const grouped = groupDays(days('2025-01-01', 200))
    expect(grouped.unit).toBe('week')
    // 2025-01-01 is a Wednesday: its week started on Monday, in 2024, so the axis names years.
    expect(grouped.periods[0]).toEqual({ tick: '2024-12-30', label: '2024-12-30', count: 5 })
    expect(grouped.periods[1]).toMatchObject({ label: '2025-01-06', count: 7 })
    expect(grouped.periods.reduce((sum, period) => sum + period.count, 0)).toBe(200)
  })

  it('counts months for years of days, and years for decades, never more than the chart can draw', () => {
    const months = groupDays(days('2022-05-10', 1096))
    expect(months.unit).toBe('month')
    expect(months.periods.map((period) => period.tick).slice(0, 3)).toEqual(['2022-05', '2022-06', '2022-07'])
    expect(months.periods[0]!.count).toBe(22)
    const years = groupDays(days('2001-01-01', 366 * 12))
    expect(years.unit).toBe('year')
    expect(years.periods.map((period) => period.tick).slice(0, 2)).toEqual(['2001', '2002'])
    for (const grouped of [months, years, groupDays(days('2025-01-01', MAX_BARS + 1))]) expect(grouped.periods.length).toBeLessThanOrEqual(MAX_BARS)
  })

  it('draws nothing for no days', () => {
    expect(groupDays([])).toEqual({ unit: 'day', periods: [] })
  })
})
