import type { Queryable } from '../db/database.js'
import type { ConversationStats, StatsOptions } from '../model/types.js'
import { validateStats } from '../model/validate.js'
import { DURATION_BUCKET_BOUNDS, sessionsPerDay, sessionsPerHour, statsSummary } from '../queries/stats.sql.js'

interface SummaryRow {
  sessions: number
  messages: number
  activeNow: number
  ended: number
  durationPercentiles: Array<number | null> | null
  durationAtMost: number[] | null
  messagesAvg: number | null
  messagePercentiles: Array<number | null> | null
}

/** Figures over the sessions started in [from, to): totals, per day, durations, messages per session, busiest hours (UTC). */
export async function conversationStats(database: Queryable, options: StatsOptions = {}): Promise<ConversationStats> {
  const { userId, from, to } = validateStats(options)
  const params = [userId, from?.toISOString() ?? null, to?.toISOString() ?? null]
  const [summary, days, hours] = await Promise.all([
    database.query<SummaryRow>(statsSummary, params),
    database.query<{ day: string; count: number }>(sessionsPerDay, params),
    database.query<{ hour: number; count: number }>(sessionsPerHour, params),
  ])
  const row = summary.rows[0]!
  const [durationP50, durationP90, durationP99] = percentiles(row.durationPercentiles)
  const [messagesP50, messagesP90, messagesP99] = percentiles(row.messagePercentiles)
  return {
    totals: { sessions: row.sessions, messages: row.messages, activeNow: row.activeNow },
    sessionsPerDay: days.rows,
    durationSeconds: {
      p50: durationP50,
      p90: durationP90,
      p99: durationP99,
      buckets: durationBuckets(row.durationAtMost ?? [], row.ended),
    },
    messagesPerSession: {
      avg: row.messagesAvg === null ? null : Number(row.messagesAvg),
      p50: messagesP50,
      p90: messagesP90,
      p99: messagesP99,
    },
    busiestHours: hours.rows,
  }
}

function percentiles(values: Array<number | null> | null): [number | null, number | null, number | null] {
  const [p50, p90, p99] = (values ?? []).map((value) => (value === null ? null : Number(value)))
  return [p50 ?? null, p90 ?? null, p99 ?? null]
}

/** Cumulative "at most" counts into one count per bucket, plus the unbounded last bucket. */
function durationBuckets(atMost: number[], ended: number) {
  const bounded = DURATION_BUCKET_BOUNDS.map((bound, index) => ({
    leSeconds: bound as number | null,
    count: (atMost[index] ?? 0) - (index === 0 ? 0 : (atMost[index - 1] ?? 0)),
  }))
  return [...bounded, { leSeconds: null, count: ended - (atMost.at(-1) ?? 0) }]
}
