// The HTTP/WebSocket wire format: the database's snake_case names, as TypeBox
// schemas that validate requests, type handlers and feed the OpenAPI document.
import { Type, type Static } from 'typebox'

import { MAX_MESSAGES_PER_REQUEST } from './limits.js'

export { MAX_MESSAGES_PER_REQUEST }

const Uuid = Type.String({ format: 'uuid', description: 'a UUID; time-ordered v7 preferred' })
const Timestamp = Type.String({ format: 'date-time' })
const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: 'any JSON object' })
const Role = Type.Enum(['user', 'assistant', 'system', 'tool'])

export const SessionSchema = Type.Object(
  {
    session_id: Uuid,
    user_id: Type.Union([Uuid, Type.Null()]),
    started_at: Timestamp,
    ended_at: Type.Union([Timestamp, Type.Null()]),
    is_active: Type.Boolean(),
    duration_seconds: Type.Union([Type.Number(), Type.Null()]),
    topics_discussed: Type.Array(Type.String()),
    metadata: Metadata,
    message_count: Type.Integer(),
    ended_reason: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Session' },
)

export const MessageSchema = Type.Object(
  {
    id: Uuid,
    session_id: Uuid,
    user_id: Type.Union([Uuid, Type.Null()]),
    role: Role,
    content: Type.String(),
    audio_url: Type.Union([Type.String(), Type.Null()]),
    metadata: Metadata,
    created_at: Timestamp,
    seq: Type.Integer({ description: 'conversation order inside the session' }),
  },
  { $id: 'Message' },
)

export const EndedSessionSchema = Type.Object({
  session_id: Uuid,
  ended_at: Timestamp,
  duration_seconds: Type.Number(),
  message_count: Type.Integer(),
})

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, e.g. SESSION_NOT_FOUND' }),
      message: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { $id: 'Error' },
)

export const StartSessionBody = Type.Object(
  {
    session_id: Type.Optional(Uuid),
    user_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
    metadata: Type.Optional(Metadata),
    started_at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
)

export const MessageInput = Type.Object(
  {
    id: Type.Optional(Uuid),
    role: Role,
    content: Type.String(),
    audio_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    metadata: Type.Optional(Metadata),
    created_at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
)

// One message, or {messages: [...]}: one object rather than a union, so that a
// bad field is reported by its own name instead of "must match a schema in anyOf".
export const AddMessagesBody = Type.Object(
  {
    messages: Type.Optional(Type.Array(MessageInput, { minItems: 1, maxItems: MAX_MESSAGES_PER_REQUEST })),
    ...Type.Partial(MessageInput).properties,
  },
  { additionalProperties: false, description: 'one message (role and content required), or {messages: [...]}' },
)

export const EndSessionBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false })

export const SessionParams = Type.Object({ session_id: Uuid })

const Digits = Type.String({ pattern: '^[0-9]+$' })

export const ListMessagesQuery = Type.Object(
  { after: Type.Optional(Uuid), limit: Type.Optional(Digits) },
  { additionalProperties: false },
)

export const ListSessionsQuery = Type.Object(
  {
    user_id: Type.Optional(Uuid),
    active: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Optional(Digits),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export const MessagePage = Type.Object({ messages: Type.Array(MessageSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })
export const SessionPage = Type.Object({ sessions: Type.Array(SessionSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })

export type SessionWire = Static<typeof SessionSchema>
export type MessageWire = Static<typeof MessageSchema>
export type MessageInputWire = Static<typeof MessageInput>
export type ErrorWire = Static<typeof ErrorSchema>
