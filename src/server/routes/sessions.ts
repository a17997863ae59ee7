import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ValidationError } from '../../model/errors.js'
import { endedToWire, messageToWire, sessionToWire } from '../../protocol/convert.js'
import {
  AddMessagesBody,
  EndedSessionSchema,
  EndSessionBody,
  ErrorSchema,
  ListMessagesQuery,
  ListSessionsQuery,
  MAX_MESSAGES_PER_REQUEST,
  MessageSchema,
  type MessageInputWire,
  SessionPage,
  SessionParams,
  SessionSchema,
  StartSessionBody,
} from '../../protocol/schemas.js'
import type { Tracker } from '../../tracker/tracker.js'
import { PAGE_LIMITS } from '../../model/limits.js'
import { ingestFor } from '../ingest.js'
import { assertReachable, reachableSession, userScope } from '../session-access.js'

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
  503: ErrorSchema,
}
const security = [{ bearer: [] }]

// These bodies may be left out entirely; validate them as `{}` then.
const emptyBodyIsObject = async (request: FastifyRequest) => {
  request.body ??= {}
}

/** `?metadata=` is a JSON object in the query string. */
function metadataParam(text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ValidationError('metadata', `must be a JSON object such as {"channel":"phone"}; got ${JSON.stringify(text.slice(0, 40))}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('metadata', 'must be a JSON object such as {"channel":"phone"}')
  }
  return value as Record<string, unknown>
}

/** The conversation routes under /v1. */
export function sessionRoutes(tracker: Tracker) {
  return async (plugin: FastifyInstance) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>()

    const reachable = (request: FastifyRequest, sessionId: string) => assertReachable(tracker, request.principal, sessionId)

    app.post(
      '/sessions',
      {
        config: { scope: 'ingest' },
        preValidation: emptyBodyIsObject,
        schema: {
          summary: 'Start a session (idempotent on session_id)',
          security,
          body: StartSessionBody,
          response: { 200: SessionSchema, 201: SessionSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { session, created } = await ingestFor(tracker, request.principal).start(request.body)
        return reply.status(created ? 201 : 200).send(sessionToWire(session))
      },
    )

    app.post(
      '/sessions/:session_id/messages',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: `Add one message, or {messages: [...]} (at most ${MAX_MESSAGES_PER_REQUEST})`,
          description: 'Answers after the rows are committed. The same message id again stores nothing new.',
          security,
          params: SessionParams,
          body: AddMessagesBody,
          response: { 201: Type.Object({ messages: Type.Array(MessageSchema) }), ...errors },
        },
      },
      async (request, reply) => {
        const { messages, ...single } = request.body
        if (messages && Object.keys(single).length > 0) {
          throw new ValidationError('messages', 'send one message or {messages: [...]}, not both')
        }
        const body = messages ? { messages } : { message: single as MessageInputWire }
        const stored = await ingestFor(tracker, request.principal).add(request.params.session_id, body, { lonePrefix: '' })
        return reply.status(201).send({ messages: stored.map(messageToWire) })
      },
    )

    app.post(
      '/sessions/:session_id/end',
      {
        config: { scope: 'ingest' },
        preValidation: emptyBodyIsObject,
        schema: {
          summary: 'End a session (idempotent)',
          security,
          params: SessionParams,
          body: EndSessionBody,
          response: { 200: EndedSessionSchema, ...errors },
        },
      },
      async (request) => {
        return endedToWire(await ingestFor(tracker, request.principal).end(request.params.session_id, request.body.reason))
      },
    )

    app.get(
      '/sessions/:session_id',
      {
        config: { scope: 'read' },
        schema: { summary: 'A session, with its message count', security, params: SessionParams, response: { 200: SessionSchema, ...errors } },
      },
      async (request) => sessionToWire(await reachableSession(tracker, request.principal, request.params.session_id)),
    )

    app.get(
      '/sessions/:session_id/messages',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'A session’s messages in conversation order; page with ?after=<last id>',
          security,
          params: SessionParams,
          querystring: ListMessagesQuery,
          response: { 200: Type.Object({ messages: Type.Array(MessageSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors },
        },
      },
      async (request) => {
        const { session_id: sessionId } = request.params
        await reachable(request, sessionId)
        const limit = request.query.limit === undefined ? PAGE_LIMITS.messages.default : Number(request.query.limit)
        const messages = await tracker.listMessages(sessionId, {
          limit,
          ...(request.query.after !== undefined && { after: request.query.after }),
        })
        return {
          messages: messages.map(messageToWire),
          next_cursor: messages.length === limit ? (messages.at(-1)?.id ?? null) : null,
        }
      },
    )

    app.get(
      '/sessions',
      {
        config: { scope: 'read' },
        schema: { summary: 'Sessions, newest first', security, querystring: ListSessionsQuery, response: { 200: SessionPage, ...errors } },
      },
      async (request) => {
        const query = request.query
        const userId = userScope(request.principal, query.user_id)
        const page = await tracker.listSessions({
          ...(userId !== undefined && { userId }),
          ...(query.active !== undefined && { active: query.active === 'true' }),
          ...(query.from !== undefined && { from: query.from }),
          ...(query.to !== undefined && { to: query.to }),
          ...(query.limit !== undefined && { limit: Number(query.limit) }),
          ...(query.cursor !== undefined && { cursor: query.cursor }),
          ...(query.metadata !== undefined && { metadata: metadataParam(query.metadata) }),
          ...(query.min_duration !== undefined && { minDuration: Number(query.min_duration) }),
        })
        return {
          sessions: page.sessions.map((session) => ({ ...sessionToWire(session), preview: session.preview })),
          next_cursor: page.nextCursor,
        }
      },
    )
  }
}
