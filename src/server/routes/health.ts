import type { FastifyInstance } from 'fastify'
import type { Database, LiveEventsState } from '../../db/database.js'
import { checkSchema } from '../../doctor/check-schema.js'
import { reportJson } from '../../doctor/format-report.js'
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../wire-error.js'

/** `/healthz`: the process is up. `/readyz`: the database answers and its schema is the expected one. */
export function healthRoutes(database: Database) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { schema: { summary: 'The process is up', tags: ['health'] } }, async () => ({ status: 'ok' }))

    app.get('/readyz', { schema: { summary: 'The database answers and its schema matches (the doctor’s check)', tags: ['health'] } }, async (_request, reply) => {
      const report = await checkSchema(database)
      if (!report.ok) {
        reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
        return reply.status(503).send({ status: 'schema_mismatch', ...reportJson(report) })
      }
      return { status: 'ready', live_events: liveEvents(database) }
    })
  }
}

/**
 * Whether this server delivers live events: `ok`, `unavailable` (behind a
 * transaction pooler without DIRECT_URL, or the LISTEN connection is down),
 * or `starting`. Ingest works either way, so it never makes /readyz fail.
 */
export function liveEvents(database: Database): Exclude<LiveEventsState, 'idle'> {
  if (!database.listen) return 'unavailable'
  const state = database.liveEvents?.() ?? 'ok'
  return state === 'idle' ? 'starting' : state
}
