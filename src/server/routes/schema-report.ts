import type { FastifyInstance } from 'fastify'
import { checkSchema } from '../../doctor/check-schema.js'
import { reportJson } from '../../doctor/format-report.js'
import { liveEvents } from './health.js'
import { ErrorSchema, SchemaReportSchema } from '../../protocol/schemas.js'
import type { Tracker } from '../../tracker/tracker.js'

const errors = { 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }

/** `GET /v1/schema-report`: what `parley doctor --json` prints, for the connected database. */
export function schemaReportRoutes(tracker: Tracker) {
  return async (app: FastifyInstance) => {
    app.get(
      '/schema-report',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'The doctor’s report: the live schema against the one this server expects',
          security: [{ bearer: [] }],
          response: { 200: SchemaReportSchema, ...errors },
        },
      },
      async () => ({ ...reportJson(await checkSchema(tracker.database)), live_events: liveEvents(tracker.database) }),
    )
  }
}
