// The HTTP/WebSocket wire format: the database's snake_case names, as TypeBox
// schemas that validate requests, type handlers and feed the OpenAPI document.
import { Type, type Static } from 'typebox'

import { MAX_MESSAGES_PER_REQUEST, MAX_REASON_LENGTH, PAGE_LIMITS } from '../model/limits.js'
import { AUDIT_ACTIONS, ROLES } from '../model/types.js'

export { MAX_MESSAGES_PER_REQUEST }

// What the server answers. Requests are checked for shape only (InputUuid,
// InputTimestamp): what a value means is the model's rule, checked once.
const Uuid = Type.String({ format: 'uuid', description: 'a UUID; time-ordered v7 preferred' })
const Timestamp = Type.String({ format: 'date-time' })
const InputUuid = Type.String({ description: 'a UUID such as 0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6; time-ordered v7 preferred' })
const InputTimestamp = Type.String({ description: 'an RFC 3339 timestamp such as 2026-01-31T09:30:00Z' })
const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: 'any JSON object' })
const Role = Type.Enum(ROLES)

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
    session_id: Type.Optional(InputUuid),
    user_id: Type.Optional(Type.Union([InputUuid, Type.Null()])),
    metadata: Type.Optional(Metadata),
    started_at: Type.Optional(InputTimestamp),
  },
  { additionalProperties: false },
)

export const MessageInput = Type.Object(
  {
    id: Type.Optional(InputUuid),
    role: Role,
    content: Type.String(),
    audio_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    metadata: Type.Optional(Metadata),
    created_at: Type.Optional(InputTimestamp),
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

export const EndSessionBody = Type.Object({ reason: Type.Optional(Type.String({ description: `at most ${MAX_REASON_LENGTH} bytes` })) }, { additionalProperties: false })

export const SessionParams = Type.Object({ session_id: InputUuid })

const pageLimit = (limits: { default: number; max: number }) =>
  Type.Optional(Type.String({ pattern: '^[0-9]+$', description: `default ${limits.default}, at most ${limits.max}` }))

export const ListMessagesQuery = Type.Object(
  { after: Type.Optional(InputUuid), limit: pageLimit(PAGE_LIMITS.messages) },
  { additionalProperties: false },
)

export const ListSessionsQuery = Type.Object(
  {
    user_id: Type.Optional(InputUuid),
    active: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    from: Type.Optional(InputTimestamp),
    to: Type.Optional(InputTimestamp),
    limit: pageLimit(PAGE_LIMITS.sessions),
    cursor: Type.Optional(Type.String()),
    metadata: Type.Optional(Type.String({ description: 'a JSON object the session metadata must contain (jsonb @>), e.g. {"channel":"phone"}' })),
    min_duration: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'only ended sessions that lasted at least this many seconds' })),
  },
  { additionalProperties: false },
)

export const MessagePage = Type.Object({ messages: Type.Array(MessageSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })
// A listed session also shows the first words of its conversation.
export const SessionListItemSchema = Type.Object(
  {
    ...SessionSchema.properties,
    preview: Type.Union([Type.String(), Type.Null()], { description: 'the first 120 characters of its first user or assistant message' }),
  },
  { $id: 'SessionListItem' },
)
export const SessionPage = Type.Object({ sessions: Type.Array(SessionListItemSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })

export const SearchQuery = Type.Object(
  {
    q: Type.String({ description: 'words to find; "quoted phrases", or, -excluded (websearch syntax)' }),
    user_id: Type.Optional(InputUuid),
    role: Type.Optional(Role),
    from: Type.Optional(InputTimestamp),
    to: Type.Optional(InputTimestamp),
    limit: pageLimit(PAGE_LIMITS.search),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

// Highlighting as data: the browser renders text, never server HTML.
export const SnippetSegment = Type.Object({ text: Type.String(), match: Type.Boolean() })

export const SearchHitSchema = Type.Object({ message: MessageSchema, session_id: Uuid, snippet: Type.Array(SnippetSegment) })

export const SearchPage = Type.Object({ hits: Type.Array(SearchHitSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })

export const StatsQuery = Type.Object(
  { from: Type.Optional(InputTimestamp), to: Type.Optional(InputTimestamp), user_id: Type.Optional(InputUuid) },
  { additionalProperties: false },
)

const Figure = Type.Union([Type.Number(), Type.Null()], { description: 'null when there is nothing to measure' })

export const StatsSchema = Type.Object({
  totals: Type.Object({
    sessions: Type.Integer({ description: 'sessions started in the window' }),
    messages: Type.Integer({ description: 'messages of those sessions' }),
    active_now: Type.Integer({ description: 'sessions running now (of the user, if given), whatever the window' }),
  }),
  sessions_per_day: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD, UTC' }), count: Type.Integer() }), {
    description: 'every day from the first session to the last, days without any included',
  }),
  duration_seconds: Type.Object({
    p50: Figure,
    p90: Figure,
    p99: Figure,
    buckets: Type.Array(
      Type.Object({
        le_seconds: Type.Union([Type.Number(), Type.Null()], { description: 'upper bound; null for the last, unbounded bucket' }),
        count: Type.Integer({ description: 'ended sessions above the previous bound and at most this one' }),
      }),
    ),
  }),
  messages_per_session: Type.Object({ avg: Figure, p50: Figure, p90: Figure, p99: Figure }),
  busiest_hours: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), count: Type.Integer() }), {
    description: 'sessions started in each hour of the day (UTC), all 24',
  }),
})

const SchemaProblem = Type.Object({
  kind: Type.String(),
  table: Type.Union([Type.String(), Type.Null()]),
  column: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  expected: Type.Union([Type.String(), Type.Null()]),
  actual: Type.Union([Type.String(), Type.Null()]),
  severity: Type.Enum(['error', 'warning']),
  fix: Type.Enum(['safe', 'data', 'manual']),
})

export const SchemaReportSchema = Type.Object({
  ok: Type.Boolean(),
  problems: Type.Array(SchemaProblem),
  pending_migrations: Type.Array(Type.Object({ version: Type.Integer(), name: Type.String() })),
  /** Whether this server delivers live events (the doctor's CLI report leaves it out). */
  live_events: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('starting')])),
})

export type SessionWire = Static<typeof SessionSchema>
export type SessionListItemWire = Static<typeof SessionListItemSchema>
export type SearchHitWire = Static<typeof SearchHitSchema>
export type SearchPageWire = Static<typeof SearchPage>
export type StatsWire = Static<typeof StatsSchema>
export type SchemaReportWire = Static<typeof SchemaReportSchema>
export type MessageWire = Static<typeof MessageSchema>
export type MessageInputWire = Static<typeof MessageInput>
export type StartSessionBodyWire = Static<typeof StartSessionBody>
export type ErrorWire = Static<typeof ErrorSchema>

export const UserParams = Type.Object({ user_id: InputUuid })

export const ErasedUserSchema = Type.Object({
  user_id: Uuid,
  sessions: Type.Integer({ description: 'sessions erased (each leaves a tombstone: hashes of the ids, no content)' }),
  messages: Type.Integer({ description: 'messages erased' }),
})

export const AuditQuery = Type.Object(
  {
    since: Type.Optional(InputTimestamp),
    after: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'the id of the last entry of the previous page' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: `default ${PAGE_LIMITS.messages.default}, at most ${PAGE_LIMITS.messages.max}` })),
  },
  { additionalProperties: false },
)

export const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  actor: Type.String({ description: 'key:pk_<prefix>, jwt:<user id>, cli or library' }),
  action: Type.Enum(AUDIT_ACTIONS),
  target: Type.Union([Type.String(), Type.Null()]),
  details: Metadata,
})

export const AuditPage = Type.Object({ entries: Type.Array(AuditEntrySchema), next_after: Type.Union([Type.Integer(), Type.Null()]) })

export type AuditEntryWire = Static<typeof AuditEntrySchema>
