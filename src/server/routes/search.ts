import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { searchPageToWire } from '../../protocol/convert.js'
import { ErrorSchema, SearchPage, SearchQuery } from '../../protocol/schemas.js'
import type { Tracker } from '../../tracker/tracker.js'
import { userScope } from '../session-access.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }

/** `GET /v1/search`: messages whose content matches, newest first, with highlighted snippets. */
export function searchRoutes(tracker: Tracker) {
  return async (plugin: FastifyInstance) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>()
    app.get(
      '/search',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Full-text search over message content, newest first; page with ?cursor=<next_cursor>',
          security: [{ bearer: [] }],
          querystring: SearchQuery,
          response: { 200: SearchPage, ...errors },
        },
      },
      async (request) => {
        const { q, user_id: requested, role, from, to, limit, cursor } = request.query
        const userId = userScope(request.principal, requested)
        const page = await tracker.search({
          q,
          ...(userId !== undefined && { userId }),
          ...(role !== undefined && { role }),
          ...(from !== undefined && { from }),
          ...(to !== undefined && { to }),
          ...(limit !== undefined && { limit: Number(limit) }),
          ...(cursor !== undefined && { cursor }),
        })
        return searchPageToWire(page)
      },
    )
  }
}
