import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { PAGE_LIMITS } from '../../model/limits.js'
import { auditEntryToWire } from '../../protocol/convert.js'
import { AuditPage, AuditQuery, ErasedUserSchema, ErrorSchema, UserParams } from '../../protocol/schemas.js'
import type { Tracker } from '../../tracker/tracker.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }
const security = [{ bearer: [] }]

/** Who did it, as the audit log names callers: `key:pk_<prefix>` or `jwt:<user id>`. */
export function auditActor(request: FastifyRequest): string {
  const prefix = request.principal?.keyPrefix ?? 'unknown'
  return prefix.startsWith('jwt:') ? prefix : `key:pk_${prefix}`
}

/** `DELETE /v1/users/{user_id}` (a data subject's erasure) and `GET /v1/audit`, both for admin keys only. */
export function lifecycleRoutes(tracker: Tracker) {
  return async (plugin: FastifyInstance) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>()

    app.delete(
      '/users/:user_id',
      {
        config: { scope: 'admin' },
        schema: {
          summary: 'Erase every session and message of a user (a data subject’s request); later writes of those sessions answer 410',
          security,
          params: UserParams,
          response: { 200: ErasedUserSchema, ...errors },
        },
      },
      async (request) => {
        const erased = await tracker.eraseUser(request.params.user_id, { actor: auditActor(request) })
        return { user_id: erased.userId, sessions: erased.sessions, messages: erased.messages }
      },
    )

    app.get(
      '/audit',
      {
        config: { scope: 'admin' },
        schema: {
          summary: 'The audit log: keys created and revoked, erasures, prunes, bulk exports (never content); oldest first',
          security,
          querystring: AuditQuery,
          response: { 200: AuditPage, ...errors },
        },
      },
      async (request) => {
        const { since, after, limit } = request.query
        const pageSize = limit === undefined ? undefined : Number(limit)
        const entries = await tracker.audit({
          ...(since !== undefined && { since }),
          ...(after !== undefined && { after: Number(after) }),
          ...(pageSize !== undefined && { limit: pageSize }),
        })
        const full = entries.length === (pageSize ?? PAGE_LIMITS.messages.default)
        return { entries: entries.map(auditEntryToWire), next_after: full ? (entries.at(-1)?.id ?? null) : null }
      },
    )
  }
}
