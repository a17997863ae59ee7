import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { statsToWire } from '../../protocol/convert.js'
import { ErrorSchema, StatsQuery, StatsSchema, type StatsWire } from '../../protocol/schemas.js'
import type { Tracker } from '../../tracker/tracker.js'
import { userScope } from '../session-access.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }

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
        const userId = userScope(request.principal, requested)
        const stats = await tracker.stats({
          ...(userId !== undefined && { userId }),
          ...(from !== undefined && { from }),
          ...(to !== undefined && { to }),
        })
        return statsToWire(stats)
      },
    )
  }
}
