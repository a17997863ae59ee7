// `parley/client`: the SDK for Node 20 and browsers. Only `fetch`; no Node or database imports.
export { ParleyClient, CLIENT_DEFAULTS, type ParleyClientOptions, type DeliveryStats } from './client.js'
export { REDACT_KINDS, type RedactKind, type RedactedText } from '../model/redact.js'
export {
  errorFromWire as errorFromResponse,
  ParleyError,
  ValidationError,
  NotFoundError,
  ConflictError,
  UnavailableError,
  UnauthorizedError,
  ForbiddenError,
  RateLimitedError,
  RequestRejectedError,
  QueueFullError,
  ClientClosedError,
  NetworkError,
  type MessageOutcome,
} from '../model/errors.js'
export type { FetchLike } from './http.js'
export type { SchemaReport } from './reads.js'
export type { LiveEvent, WebSocketConstructor, WebSocketLike } from './stream-socket.js'
export type {
  AddMessageInput,
  ConversationStats,
  EndedSession,
  EndSessionOptions,
  ListMessagesOptions,
  ListSessionsOptions,
  Message,
  Metadata,
  Role,
  SearchHit,
  SearchOptions,
  SearchPage,
  Session,
  SessionListItem,
  SessionPage,
  SnippetSegment,
  StartSessionInput,
  StatsOptions,
} from '../model/types.js'
export type { Limits } from '../model/limits.js'
