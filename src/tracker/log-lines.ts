// The tracker's log lines (`✅ Started session 1a2b3c4d... for user 9f8e7d6c...`): ids cut to eight characters.
import type { EndedSession, Message, Session } from '../model/types.js'

export function shortId(id: string | null): string {
  return id ? `${id.slice(0, 8)}...` : 'anonymous'
}

export function startedLine(session: Pick<Session, 'sessionId' | 'userId'>): string {
  return `✅ Started session ${shortId(session.sessionId)} for user ${shortId(session.userId)}`
}

export function savedLine(message: Pick<Message, 'sessionId' | 'role'>): string {
  return `✅ Saved ${message.role} message for session ${shortId(message.sessionId)}`
}

export function endedLine(ended: EndedSession): string {
  return `✅ Ended session ${shortId(ended.sessionId)} (duration: ${ended.durationSeconds.toFixed(1)}s, messages: ${ended.messageCount})`
}
