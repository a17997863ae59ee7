import type { FastifyInstance } from 'fastify'
import type { Database, LiveEventsState } from '../../db/database.js'
import { checkSchema } from '../../doctor/check-schema.js'
import { reportJson } from '../../doctor/format-report.js'
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../wire-error.js'

/** How long writes have been failing to commit, and the bound past which that is not a passing blip. */
export interface WritePathHealth {
  failingForMs(): number
  readonly lockTimeoutMs: number
}

/**
 * `/healthz`: the process is up. `/readyz`: the database answers, its schema
 * is the expected one, and writes have not been failing to commit for longer
 * than a lock wait may last.
 */
export function healthRoutes(database: Database, writes?: WritePathHealth) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { schema: { summary: 'The process is up', tags: ['health'] } }, async () => ({ status: 'ok' }))

    app.get('/readyz', { schema: { summary: 'The database answers and its schema matches (the doctor’s check)', tags: ['health'] } }, async (_request, reply) => {
      const failingForMs = writes?.failingForMs() ?? 0
      if (failingForMs > Math.max(writes?.lockTimeoutMs ?? 0, 1000)) {
        reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
        return reply.status(503).send({ status: 'writes_failing', failing_for_ms: failingForMs })
      }
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
