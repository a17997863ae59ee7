import type { FastifyInstance } from 'fastify'
import type { Database } from '../../db/database.js'
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
      return { status: 'ready' }
    })
  }
}
