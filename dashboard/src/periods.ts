// Sessions per day, regrouped so a chart of any span has bars one can see:
// days for a short span, then weeks, months, years; labels carry the year
// whenever the span crosses one.

export type PeriodUnit = 'day' | 'week' | 'month' | 'year'

export interface PeriodCount {
  /** On the chart's axis: `03-14`, or `2024-03-14` when the span crosses a year; `2024-03`; `2024`. */
  tick: string
  /** In the table of numbers: always with its year. */
  label: string
  count: number
}

export interface Periods {
  unit: PeriodUnit
  periods: PeriodCount[]
}

/** The most bars a chart gets: a year of weeks still fits, three years of days do not. */
export const MAX_BARS = 60

const DAY_MS = 86_400_000
const UNITS: readonly PeriodUnit[] = ['day', 'week', 'month', 'year']

/** `days` as the stats route sends them: every UTC day from the first to the last, `YYYY-MM-DD`. */
export function groupDays(days: ReadonlyArray<{ day: string; count: number }>): Periods {
  for (const unit of UNITS) {
    const periods = group(days, unit)
    if (periods.length <= MAX_BARS || unit === 'year') return { unit, periods }
  }
  throw new Error('unreachable')
}

function group(days: ReadonlyArray<{ day: string; count: number }>, unit: PeriodUnit): PeriodCount[] {
  const periods: PeriodCount[] = []
  for (const { day, count } of days) {
    const label = periodStart(day.slice(0, 10), unit)
    const last = periods.at(-1)
    if (last?.label === label) last.count += count
    else periods.push({ label, tick: label, count })
  }
  // A week can start in the year before its days: the years are judged on the periods shown.
  const oneYear = periods.every((period) => period.label.slice(0, 4) === periods[0]!.label.slice(0, 4))
  if (oneYear && (unit === 'day' || unit === 'week')) for (const period of periods) period.tick = period.label.slice(5)
  return periods
}

/** The first day of the period holding `day` (weeks start on Monday), as the period's name. */
function periodStart(day: string, unit: PeriodUnit): string {
  if (unit === 'day') return day
  if (unit === 'month') return day.slice(0, 7)
  if (unit === 'year') return day.slice(0, 4)
  const time = Date.parse(`${day}T00:00:00Z`)
  const sinceMonday = (new Date(time).getUTCDay() + 6) % 7
  return new Date(time - sinceMonday * DAY_MS).toISOString().slice(0, 10)
}

/** What the numbers table heads its first column with. */
export const PERIOD_HEADING: Record<PeriodUnit, string> = { day: 'Day', week: 'Week of', month: 'Month', year: 'Year' }
