// `parley/client`: the SDK for Node 20 and browsers. Only `fetch`; no Node or database imports.
export { ParleyClient, CLIENT_DEFAULTS, type ParleyClientOptions, type DeliveryStats } from './client.js'
export {
  errorFromResponse,
  errorFromFrame,
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
} from './errors.js'
export type { FetchLike } from './http.js'
export type { ConversationStats, SchemaReport, SearchHit, SearchOptions, SearchPage, SnippetSegment, StatsOptions } from './reads.js'
export type { LiveEvent, WebSocketConstructor, WebSocketLike } from './live.js'
export type {
  AddMessageInput,
  EndedSession,
  EndSessionOptions,
  ListMessagesOptions,
  ListSessionsOptions,
  Message,
  Metadata,
  Role,
  Session,
  SessionListItem,
  SessionPage,
  StartSessionInput,
} from '../tracker/types.js'
