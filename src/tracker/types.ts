/** Who spoke. Platforms' other names (`bot`, `agent`…) are mapped to these on import. */
export const ROLES = ['user', 'assistant', 'system', 'tool'] as const
export type Role = (typeof ROLES)[number]

export type Metadata = Record<string, unknown>

/** A row of `conversation_sessions`. `sessionId` is also its `id`. */
export interface Session {
  sessionId: string
  userId: string | null
  startedAt: Date
  endedAt: Date | null
  isActive: boolean
  durationSeconds: number | null
  topicsDiscussed: string[]
  metadata: Metadata
  messageCount: number
  endedReason: string | null
}

/** A row of `conversation_messages`. `seq` orders a session's messages, also when timestamps tie. */
export interface Message {
  id: string
  sessionId: string
  userId: string | null
  role: Role
  content: string
  audioUrl: string | null
  metadata: Metadata
  createdAt: Date
  seq: number
}

export interface StartSessionInput {
  /** A UUID; generated when absent. Starting the same id again returns the stored session. */
  sessionId?: string
  userId?: string | null
  metadata?: Metadata
  startedAt?: Date | string
}

export interface AddMessageInput {
  sessionId: string
  role: Role
  content: string
  /** A UUID; a time-ordered UUIDv7 is generated when absent. The same id again stores nothing new. */
  id?: string
  audioUrl?: string | null
  metadata?: Metadata
  createdAt?: Date | string
}

export interface EndSessionOptions {
  /** Why the session ended (`hangup`, `timeout`…), stored in `ended_reason`. */
  reason?: string
}

export interface EndedSession {
  sessionId: string
  endedAt: Date
  durationSeconds: number
  messageCount: number
}

export interface ListMessagesOptions {
  /** Only messages after this message id (the last one of the previous page). */
  after?: string
  /** At most this many (default 100, at most 1000). */
  limit?: number
}

export interface ListSessionsOptions {
  userId?: string
  active?: boolean
  /** Only sessions started at or after this time. */
  from?: Date | string
  /** Only sessions started before this time. */
  to?: Date | string
  /** At most this many (default 50, at most 500). */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string
  /** Only sessions whose metadata contains this object (`{channel: 'phone'}` matches `{channel: 'phone', …}`). */
  metadata?: Metadata
  /** Only ended sessions that lasted at least this many seconds. */
  minDuration?: number
}

/** A listed session, with the first words of its conversation. */
export interface SessionListItem extends Session {
  /** The first 120 characters of its first user or assistant message; null before there is one. */
  preview: string | null
}

export interface SessionPage {
  sessions: SessionListItem[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** Size limits checked before anything is written. */
export interface Limits {
  /** Largest `content` in UTF-8 bytes (default 256 KiB). */
  maxContentBytes: number
  /** Largest `metadata` as JSON, in bytes (default 64 KiB). */
  maxMetadataBytes: number
  /** Most messages in one `addMessages` call (default 500). */
  maxMessagesPerCall: number
}

export const DEFAULT_LIMITS: Limits = {
  maxContentBytes: 256 * 1024,
  maxMetadataBytes: 64 * 1024,
  maxMessagesPerCall: 500,
}
