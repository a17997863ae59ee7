import { Readable } from 'node:stream'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { ValidationError } from '../../model/errors.js'
import { validateExportWindow } from '../../model/validate.js'
import { wireError } from '../wire-error.js'
import { EXPORT_FORMAT_NAMES, exportFormat, type ExportFormat } from '../../export/formats/index.js'
import { oneSession, readSessions } from '../../tracker/session-reads.js'
import type { SessionExport } from '../../export/types.js'
import { ErrorSchema, SessionParams } from '../../protocol/schemas.js'
import type { Tracker } from '../../tracker/tracker.js'
import { reachableSession, userScope } from '../session-access.js'
import { auditActor } from './lifecycle.js'

const Format = Type.Enum([...EXPORT_FORMAT_NAMES])
const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })

const SessionExportQuery = Type.Object({ format: Type.Optional(Format) }, { additionalProperties: false })
const ExportQuery = Type.Object(
  { format: Type.Optional(Format), user_id: Type.Optional(Uuid), from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) },
  { additionalProperties: false },
)

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }

/** The 200 of an export in the OpenAPI document: a file in the media type of its format. */
function exportedFile(names: readonly string[]) {
  const types = [...new Set(names.map((name) => exportFormat(name).contentType.split(';')[0]!))]
  return {
    description: `The export as a file (Content-Disposition: attachment), in the media type of its format: ${names.map((name) => `${name} ${exportFormat(name).contentType.split(';')[0]}`).join(', ')}`,
    content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string' } }])),
  }
}
const manySessionFormats = EXPORT_FORMAT_NAMES.filter((name) => !exportFormat(name).oneSession)
const security = [{ bearer: [] }]

/**
 * Streams the export as a download; the body is written as the database is
 * read, a page at a time. A failure once the body has begun cannot change
 * the status: JSONL ends with an `{"error": {code, message}}` record, every
 * other format is cut off (the chunked body never ends), so no export that
 * failed reads as complete.
 */
function sendExport(reply: FastifyReply, format: ExportFormat, name: string, sessions: AsyncIterable<SessionExport>, log: FastifyBaseLogger) {
  const chunks = format.name === 'jsonl' ? endingWithError(format.encode(sessions), log) : format.encode(sessions)
  return reply
    .header('content-type', format.contentType)
    .header('content-disposition', `attachment; filename="${name}.${format.extension}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(chunks, { highWaterMark: 2 }))
}

async function* endingWithError(chunks: AsyncIterable<string>, log: FastifyBaseLogger): AsyncGenerator<string, void, undefined> {
  try {
    yield* chunks
  } catch (error) {
    const wire = wireError(error, log)
    yield `${JSON.stringify({ error: { code: wire.code, message: wire.message, details: wire.details } })}\n`
  }
}

// The source with its first item already read (its first query run), and the rest as it comes.
async function started<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]()
  const first = await iterator.next()
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return
      yield first.value
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
    },
  }
}

/** `parley export` over HTTP: read scope, and a bound caller (user key, JWT) exports only its own user's sessions. */
export function exportRoutes(tracker: Tracker) {
  return async (plugin: FastifyInstance) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>()

    app.get(
      '/sessions/:session_id/export',
      {
        config: { scope: 'read' },
        schema: {
          summary: `A session exported as ${EXPORT_FORMAT_NAMES.join(', ')} (default json), streamed as a download`,
          security,
          params: SessionParams,
          querystring: SessionExportQuery,
          response: { 200: exportedFile(EXPORT_FORMAT_NAMES), ...errors },
        },
      },
      async (request, reply) => {
        const format = exportFormat(request.query.format ?? 'json')
        const session = await reachableSession(tracker, request.principal, request.params.session_id)
        const sessions = await started(oneSession(tracker.database, session))
        return sendExport(reply, format, `parley-${session.sessionId}`, sessions, request.log)
      },
    )

    app.get(
      '/export',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Many sessions exported (default jsonl), oldest first, streamed as a download',
          description: `Formats: ${manySessionFormats.join(', ')}; the one-conversation formats are on /v1/sessions/{session_id}/export.`,
          security,
          querystring: ExportQuery,
          response: { 200: exportedFile(manySessionFormats), ...errors },
        },
      },
      async (request, reply) => {
        const { query, principal } = request
        const format = exportFormat(query.format ?? 'jsonl')
        if (format.oneSession) {
          throw new ValidationError('format', `${format.name} holds one conversation: use GET /v1/sessions/{session_id}/export`)
        }
        const { from, to } = validateExportWindow(query.from, query.to)
        const userId = userScope(principal, query.user_id) ?? null
        await tracker.recordAudit({
          actor: auditActor(request),
          action: 'export.bulk',
          target: userId ? `user:${userId}` : 'all users',
          details: { format: format.name, from: from?.toISOString() ?? null, to: to?.toISOString() ?? null },
        })
        // The first page is read before the status line, so that what fails at once is an error response, not a cut body.
        const sessions = await started(readSessions(tracker.database, { userId, from, to }))
        return sendExport(reply, format, 'parley-export', sessions, request.log)
      },
    )
  }
}
