// The frames of `GET /v1/stream`, a WebSocket of JSON text frames. Clients
// send the frames below, each with a `ref` of their choosing; the server
// answers each with an `ack` or an `error` carrying the same `ref`, and pushes
// events (no `ref`) for the subscriptions a client holds.
import { Type, type Static } from 'typebox'
import {
  EndSessionBody,
  MAX_MESSAGES_PER_REQUEST,
  MessageInput,
  SessionParams,
  StartSessionBody,
  type MessageWire,
  type SessionWire,
} from './schemas.js'

const Ref = Type.Optional(
  Type.Union([Type.String({ maxLength: 200 }), Type.Number()], { description: 'echoed in the answer to this frame' }),
)
const SessionId = SessionParams.properties.session_id

/** First frame when the upgrade request had no `Authorization` header. */
export const AuthFrame = Type.Object(
  { type: Type.Literal('auth'), ref: Ref, key: Type.String({ description: 'an API key, as sent after Bearer' }) },
  { additionalProperties: false },
)

/** `POST /v1/sessions` as a frame; acked with `{session, created}`. */
export const SessionStartFrame = Type.Object(
  { type: Type.Literal('session.start'), ref: Ref, ...StartSessionBody.properties },
  { additionalProperties: false },
)

/** One `message` or `messages: [...]`; acked with the stored `messages` once committed. */
export const MessageAddFrame = Type.Object(
  {
    type: Type.Literal('message.add'),
    ref: Ref,
    session_id: SessionId,
    message: Type.Optional(MessageInput),
    messages: Type.Optional(Type.Array(MessageInput, { minItems: 1, maxItems: MAX_MESSAGES_PER_REQUEST })),
  },
  { additionalProperties: false },
)

/** `POST /v1/sessions/{id}/end` as a frame; acked with the `ended` summary. */
export const SessionEndFrame = Type.Object(
  { type: Type.Literal('session.end'), ref: Ref, session_id: SessionId, ...EndSessionBody.properties },
  { additionalProperties: false },
)

/**
 * Live events for one session (`session_id`), all of one user's sessions
 * (`user_id`), or every session the key may read (`all: true`; a key bound to
 * a user gets its user's), new sessions included.
 */
export const SubscribeFrame = Type.Object(
  {
    type: Type.Union([Type.Literal('subscribe'), Type.Literal('unsubscribe')]),
    ref: Ref,
    session_id: Type.Optional(SessionId),
    user_id: Type.Optional(SessionId),
    all: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
)

/** Every frame type a client may send, with its schema. */
export const CLIENT_FRAMES = {
  auth: AuthFrame,
  'session.start': SessionStartFrame,
  'message.add': MessageAddFrame,
  'session.end': SessionEndFrame,
  subscribe: SubscribeFrame,
  unsubscribe: SubscribeFrame,
} as const

/** The `type` of a client frame. */
export type ClientFrameType = keyof typeof CLIENT_FRAMES
export type AuthFrameWire = Static<typeof AuthFrame>
export type SessionStartFrameWire = Static<typeof SessionStartFrame>
export type MessageAddFrameWire = Static<typeof MessageAddFrame>
export type SessionEndFrameWire = Static<typeof SessionEndFrame>
export type SubscribeFrameWire = Static<typeof SubscribeFrame>
/** Any frame a client may send, once validated. */
export type ClientFrame = AuthFrameWire | SessionStartFrameWire | MessageAddFrameWire | SessionEndFrameWire | SubscribeFrameWire

/** The client's `ref`, echoed in the answer; null when the frame had none (or was not JSON). */
export type Ref = string | number | null

/** The summary of an ended session, as `POST …/end` answers it. */
export interface EndedWire {
  session_id: string
  ended_at: string
  duration_seconds: number
  message_count: number
}

/** What a subscription follows. */
export type TopicWire = { session_id: string } | { user_id: string } | { all: true }

/** The answer to a frame that succeeded: the stored data it concerns. */
export type AckFrame = { type: 'ack'; ref: Ref } & (
  | { principal: { scope: string; user_id: string | null } }
  | { session: SessionWire; created: boolean }
  | { messages: MessageWire[] }
  | { ended: EndedWire }
  | { subscribed: TopicWire }
  | { unsubscribed: TopicWire }
)

/** The answer to a frame that failed: the codes and shape of the HTTP API's errors. */
export interface ErrorFrame {
  type: 'error'
  ref: Ref
  /** The HTTP status the same failure has on the HTTP API: the SDK picks the error class by it. */
  status: number
  error: { code: string; message: string; details: Record<string, unknown> }
}

/** A message was committed in a subscribed session. */
export interface MessageCreatedEvent {
  type: 'message.created'
  session_id: string
  message: MessageWire
}

/** A subscribed session ended. */
export interface SessionEndedEvent extends EndedWire {
  type: 'session.ended'
  user_id: string | null
  ended_reason: string | null
}

/** A session started (for subscriptions to a user's sessions or to all). */
export interface SessionStartedEvent {
  type: 'session.started'
  session_id: string
  user_id: string | null
  started_at: string
}

/** Any frame the server sends. */
export type ServerFrame = AckFrame | ErrorFrame | MessageCreatedEvent | SessionEndedEvent | SessionStartedEvent
