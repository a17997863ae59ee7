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

export interface SearchOptions {
  /** Words to find: `"a phrase"`, `or`, `-excluded` (PostgreSQL's websearch syntax). */
  q: string
  userId?: string
  role?: Role
  /** Only messages created at or after this time. */
  from?: Date | string
  /** Only messages created before this time. */
  to?: Date | string
  /** At most this many hits (default 20, at most 100). */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string
}

/** A run of a snippet's text; `match` marks the words that matched. Render as text, never as HTML. */
export interface SnippetSegment {
  text: string
  match: boolean
}

export interface SearchHit {
  message: Message
  sessionId: string
  snippet: SnippetSegment[]
}

export interface SearchPage {
  /** Newest first. */
  hits: SearchHit[]
  nextCursor: string | null
}

export interface StatsOptions {
  /** Only sessions started at or after this time. */
  from?: Date | string
  /** Only sessions started before this time. */
  to?: Date | string
  userId?: string
}

/** Figures over the sessions started in a window; days and hours are UTC; null where there is nothing to measure. */
export interface ConversationStats {
  totals: { sessions: number; messages: number; activeNow: number }
  sessionsPerDay: Array<{ day: string; count: number }>
  durationSeconds: {
    p50: number | null
    p90: number | null
    p99: number | null
    /** Ended sessions above the previous bound and at most `leSeconds`; the last bucket (`leSeconds` null) holds the rest. */
    buckets: Array<{ leSeconds: number | null; count: number }>
  }
  messagesPerSession: { avg: number | null; p50: number | null; p90: number | null; p99: number | null }
  busiestHours: Array<{ hour: number; count: number }>
}

/** One session of an export and its messages in `seq` order, a page at a time (never all in memory). */
export interface SessionExport {
  session: Session
  pages: AsyncIterable<Message[]>
}

/** What to export: one session, or the sessions of a user and/or started in [from, to). */
export type ExportSelection = { sessionId: string } | { userId?: string | null; from?: Date | null; to?: Date | null }

/** What Parley records in its audit log: who did what to which target, never content. */
export const AUDIT_ACTIONS = [
  'key.created',
  'key.revoked',
  'user.erased',
  'sessions.pruned',
  'export.bulk',
  'webhook_secret.added',
  'webhook_secret.revoked',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** The platforms that can point their webhooks at Parley. */
export const WEBHOOK_PLATFORMS = ['vapi', 'retell', 'elevenlabs'] as const
export type WebhookPlatform = (typeof WEBHOOK_PLATFORMS)[number]

/** One row of the audit log. `actor` is a key prefix (`key:pk_1a2b3c4d`), a JWT subject (`user:…`) or `cli`. */
export interface AuditEntry {
  id: number
  at: Date
  actor: string
  action: AuditAction
  target: string | null
  details: Metadata
}

export interface AuditOptions {
  /** Only entries at or after this time. */
  since?: Date | string
  /** Only entries after this id (the last of the previous page). */
  after?: number
  /** At most this many (default 100, at most 1000). */
  limit?: number
}

/** What erasing a user removed. */
export interface ErasedUser {
  userId: string
  sessions: number
  messages: number
}

export interface PruneOptions {
  /** Ended sessions that ended before this time go (with their messages). */
  endedBefore: Date | string
  /** Count what would go, remove nothing. */
  dryRun?: boolean
  /** Sessions per statement (default 500): each batch holds its locks only briefly. */
  batchSize?: number
  /** Who asked, for the audit log (default `cli`). */
  actor?: string
}

/** What a prune removed, or would remove (`dryRun`). */
export interface PruneResult {
  sessions: number
  messages: number
  dryRun: boolean
  /** False when another process held the prune lock: this one removed nothing. */
  ran: boolean
}
