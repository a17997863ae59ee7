// Between the library's camelCase objects and the wire's snake_case JSON.
import type { AddMessageInput, EndedSession, Message, Session } from '../tracker/types.js'
import type { MessageInputWire, MessageWire, SessionWire } from './schemas.js'

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

export function messageFromWire(sessionId: string, input: MessageInputWire): AddMessageInput {
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
