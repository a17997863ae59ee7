// The dashboard's reads (search, stats, the doctor's report) as the SDK returns them: camelCase.
import { storedMessageFromWire } from '../protocol/convert.js'
import type { SchemaReportWire, SearchPageWire, StatsWire } from '../protocol/schemas.js'
import type { Message, Role } from '../tracker/types.js'

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

/** What `parley doctor --json` prints. */
export interface SchemaReport {
  ok: boolean
  problems: SchemaReportWire['problems']
  pendingMigrations: Array<{ version: number; name: string }>
}

export function searchPageFromWire(wire: SearchPageWire): SearchPage {
  return {
    hits: wire.hits.map((hit) => ({ message: storedMessageFromWire(hit.message), sessionId: hit.session_id, snippet: hit.snippet })),
    nextCursor: wire.next_cursor,
  }
}

export function statsFromWire(wire: StatsWire): ConversationStats {
  return {
    totals: { sessions: wire.totals.sessions, messages: wire.totals.messages, activeNow: wire.totals.active_now },
    sessionsPerDay: wire.sessions_per_day,
    durationSeconds: {
      p50: wire.duration_seconds.p50,
      p90: wire.duration_seconds.p90,
      p99: wire.duration_seconds.p99,
      buckets: wire.duration_seconds.buckets.map((bucket) => ({ leSeconds: bucket.le_seconds, count: bucket.count })),
    },
    messagesPerSession: wire.messages_per_session,
    busiestHours: wire.busiest_hours,
  }
}

export function schemaReportFromWire(wire: SchemaReportWire): SchemaReport {
  return { ok: wire.ok, problems: wire.problems, pendingMigrations: wire.pending_migrations }
}
