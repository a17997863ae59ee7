import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ValidationError } from '../../errors.js'
import { ErrorSchema, StatsQuery, StatsSchema, type StatsWire } from '../../protocol/schemas.js'
import { DURATION_BUCKET_BOUNDS, sessionsPerDay, sessionsPerHour, statsSummary } from '../../queries/stats.sql.js'
import type { Tracker } from '../../tracker/tracker.js'
import { readableUserId } from '../session-access.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }

// Counts are bigint (strings from PostgreSQL) and arrays may be null: make them numbers.
type Count = string | number
interface SummaryRow {
  sessions: Count
  messages: Count
  activeNow: Count
  ended: Count
  durationPercentiles: Array<number | null> | null
  durationAtMost: Count[] | null
  messagesAvg: number | null
  messagePercentiles: Array<number | null> | null
}

/** `GET /v1/stats`: sessions per day, durations, messages per session, busiest hours. */
export function statsRoutes(tracker: Tracker) {
  return async (plugin: FastifyInstance) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>()
    app.get(
      '/stats',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Figures over the sessions started in [from, to): totals, per day, durations, messages per session, busiest hours (UTC)',
          security: [{ bearer: [] }],
          querystring: StatsQuery,
          response: { 200: StatsSchema, ...errors },
        },
      },
      async (request): Promise<StatsWire> => {
        const { from, to, user_id: requested } = request.query
        if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) {
          throw new ValidationError('to', 'must not be before from')
        }
        const params = [readableUserId(request.principal, requested) ?? null, from ?? null, to ?? null]
        const [summary, days, hours] = await Promise.all([
          tracker.database.query<SummaryRow>(statsSummary, params),
          tracker.database.query<{ day: string; count: Count }>(sessionsPerDay, params),
          tracker.database.query<{ hour: number; count: Count }>(sessionsPerHour, params),
        ])
        const row = summary.rows[0]!
        const [durationP50, durationP90, durationP99] = percentiles(row.durationPercentiles)
        const [messagesP50, messagesP90, messagesP99] = percentiles(row.messagePercentiles)
        return {
          totals: { sessions: Number(row.sessions), messages: Number(row.messages), active_now: Number(row.activeNow) },
          sessions_per_day: days.rows.map(({ day, count }) => ({ day, count: Number(count) })),
          duration_seconds: {
            p50: durationP50,
            p90: durationP90,
            p99: durationP99,
            buckets: durationBuckets((row.durationAtMost ?? []).map(Number), Number(row.ended)),
          },
          messages_per_session: {
            avg: row.messagesAvg === null ? null : Number(row.messagesAvg),
            p50: messagesP50,
            p90: messagesP90,
            p99: messagesP99,
          },
          busiest_hours: hours.rows.map(({ hour, count }) => ({ hour: Number(hour), count: Number(count) })),
        }
      },
    )
  }
}

function percentiles(values: Array<number | null> | null): [number | null, number | null, number | null] {
  const [p50, p90, p99] = (values ?? []).map((value) => (value === null ? null : Number(value)))
  return [p50 ?? null, p90 ?? null, p99 ?? null]
}

/** Cumulative "at most" counts into one count per bucket, plus the unbounded last bucket. */
function durationBuckets(atMost: number[], ended: number) {
  const bounded = DURATION_BUCKET_BOUNDS.map((bound, index) => ({
    le_seconds: bound as number | null,
    count: (atMost[index] ?? 0) - (index === 0 ? 0 : (atMost[index - 1] ?? 0)),
  }))
  return [...bounded, { le_seconds: null, count: ended - (atMost.at(-1) ?? 0) }]
}
