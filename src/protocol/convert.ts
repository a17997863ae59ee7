// Between the library's camelCase objects and the wire's snake_case JSON.
import type { AddMessageInput, AuditEntry, ConversationStats, EndedSession, Message, SearchPage, Session } from '../model/types.js'
import type { AuditEntryWire, MessageInputWire, MessageWire, SearchPageWire, SessionWire, StatsWire } from './schemas.js'

export function sessionToWire(session: Session): SessionWire {
  return {
    session_id: session.sessionId,
    user_id: session.userId,
    started_at: session.startedAt.toISOString(),
    ended_at: session.endedAt?.toISOString() ?? null,
    is_active: session.isActive,
    duration_seconds: session.durationSeconds,
    topics_discussed: session.topicsDiscussed,
    metadata: session.metadata,
    message_count: session.messageCount,
    ended_reason: session.endedReason,
  }
}

export function messageToWire(message: Message): MessageWire {
  return {
    id: message.id,
    session_id: message.sessionId,
    user_id: message.userId,
    role: message.role,
    content: message.content,
    audio_url: message.audioUrl,
    metadata: message.metadata,
    created_at: message.createdAt.toISOString(),
    seq: message.seq,
  }
}

export function endedToWire(ended: EndedSession) {
  return {
    session_id: ended.sessionId,
    ended_at: ended.endedAt.toISOString(),
    duration_seconds: ended.durationSeconds,
    message_count: ended.messageCount,
  }
}

/** A message input from the wire, for the session named in the URL or frame. */
export function messageInputFromWire(sessionId: string, input: MessageInputWire): AddMessageInput {
  return {
    sessionId,
    role: input.role,
    content: input.content,
    ...(input.id !== undefined && { id: input.id }),
    ...(input.audio_url !== undefined && { audioUrl: input.audio_url }),
    ...(input.metadata !== undefined && { metadata: input.metadata }),
    ...(input.created_at !== undefined && { createdAt: input.created_at }),
  }
}

/** `messages[2].audioUrl` → `messages[2].audio_url`: library field names as the wire spells them. */
export function fieldToWire(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

// The other direction, for clients: wire JSON back into the library's objects.

/** A wire session as the library's `Session`. */
export function sessionFromWire(wire: SessionWire): Session {
  return {
    sessionId: wire.session_id,
    userId: wire.user_id,
    startedAt: new Date(wire.started_at),
    endedAt: wire.ended_at === null ? null : new Date(wire.ended_at),
    isActive: wire.is_active,
    durationSeconds: wire.duration_seconds,
    topicsDiscussed: wire.topics_discussed,
    metadata: wire.metadata,
    messageCount: wire.message_count,
    endedReason: wire.ended_reason,
  }
}

/** A wire message as the library's `Message`. */
export function storedMessageFromWire(wire: MessageWire): Message {
  return {
    id: wire.id,
    sessionId: wire.session_id,
    userId: wire.user_id,
    role: wire.role,
    content: wire.content,
    audioUrl: wire.audio_url,
    metadata: wire.metadata,
    createdAt: new Date(wire.created_at),
    seq: wire.seq,
  }
}

/** The wire's end-of-session summary as the library's `EndedSession`. */
export function endedFromWire(wire: { session_id: string; ended_at: string; duration_seconds: number; message_count: number }): EndedSession {
  return {
    sessionId: wire.session_id,
    endedAt: new Date(wire.ended_at),
    durationSeconds: wire.duration_seconds,
    messageCount: wire.message_count,
  }
}

/** A library message input as the wire's, without its session id (that is in the URL). */
export function messageInputToWire(input: AddMessageInput): MessageInputWire {
  return {
    role: input.role,
    content: input.content,
    ...(input.id !== undefined && { id: input.id }),
    ...(input.audioUrl !== undefined && { audio_url: input.audioUrl }),
    ...(input.metadata !== undefined && { metadata: input.metadata }),
    ...(input.createdAt !== undefined && { created_at: new Date(input.createdAt).toISOString() }),
  }
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

export function searchPageToWire(page: SearchPage): SearchPageWire {
  return {
    hits: page.hits.map((hit) => ({ message: messageToWire(hit.message), session_id: hit.sessionId, snippet: hit.snippet })),
    next_cursor: page.nextCursor,
  }
}

export function statsToWire(stats: ConversationStats): StatsWire {
  return {
    totals: { sessions: stats.totals.sessions, messages: stats.totals.messages, active_now: stats.totals.activeNow },
    sessions_per_day: stats.sessionsPerDay,
    duration_seconds: {
      p50: stats.durationSeconds.p50,
      p90: stats.durationSeconds.p90,
      p99: stats.durationSeconds.p99,
      buckets: stats.durationSeconds.buckets.map((bucket) => ({ le_seconds: bucket.leSeconds, count: bucket.count })),
    },
    messages_per_session: stats.messagesPerSession,
    busiest_hours: stats.busiestHours,
  }
}

export function auditEntryToWire(entry: AuditEntry): AuditEntryWire {
  return { id: entry.id, at: entry.at.toISOString(), actor: entry.actor, action: entry.action, target: entry.target, details: entry.details }
}
