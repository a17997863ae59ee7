// Parley's own JSON export: `{"format": "parley", "version": 1, "sessions":
// [{"session": SessionWire, "messages": MessageWire[]}]}`, or one
// `{"session", "messages"}`. Ids are kept as they are. What the database
// derives (is_active, duration_seconds, message_count, seq, user_id of a
// message) is derived again by the database it goes into.
import { ROLES, type Role } from '../../model/types.js'
import { pointerTo, PayloadReader } from '../reader.js'
import type { ImportAdapter, ImportContext, ImportedMessage, ImportedSession } from '../types.js'
import { iso, roundSeconds, type Json } from './shared.js'

function parseEntry(value: unknown, base: string, read: PayloadReader): ImportedSession {
  const entry = read.object(value, base)
  const sessionAt = pointerTo(base, 'session')
  const wire = read.object(entry.session, sessionAt)
  const field = (name: string) => pointerTo(sessionAt, name)
  const sessionId = read.string(wire.session_id, field('session_id'))
  const metadata = wire.metadata === undefined || wire.metadata === null ? {} : read.object(wire.metadata, field('metadata'))
  const listAt = pointerTo(base, 'messages')
  const messages = read.array(entry.messages ?? [], listAt).map((item, index): ImportedMessage => {
    const at = pointerTo(listAt, index)
    const message = read.object(item, at)
    return {
      id: read.string(message.id, pointerTo(at, 'id')),
      role: read.oneOf(message.role, pointerTo(at, 'role'), ROLES) as Role,
      content: read.string(message.content, pointerTo(at, 'content')),
      audioUrl: read.optionalString(message.audio_url, pointerTo(at, 'audio_url')),
      metadata: message.metadata === undefined || message.metadata === null ? {} : read.object(message.metadata, pointerTo(at, 'metadata')),
      createdAt: read.instant(message.created_at, pointerTo(at, 'created_at')),
      pointer: at,
    }
  })
  return {
    session: {
      sessionId,
      userId: read.optionalString(wire.user_id, field('user_id')),
      startedAt: read.instant(wire.started_at, field('started_at')),
      endedAt: read.optionalInstant(wire.ended_at, field('ended_at')),
      endedReason: read.optionalString(wire.ended_reason, field('ended_reason')),
      metadata,
      ...(wire.ended_at === null || wire.ended_at === undefined ? { active: true } : {}),
    },
    messages,
    pointer: base,
  }
}

function toEntry(imported: ImportedSession): Json {
  const { session: s, messages } = imported
  return {
    session: {
      session_id: s.sessionId,
      user_id: s.userId,
      started_at: iso(s.startedAt),
      ended_at: s.endedAt ? iso(s.endedAt) : null,
      is_active: s.endedAt === null,
      duration_seconds: s.endedAt ? roundSeconds((s.endedAt.getTime() - s.startedAt.getTime()) / 1000) : null,
      topics_discussed: [],
      metadata: s.metadata,
      message_count: messages.length,
      ended_reason: s.endedReason,
    },
    messages: messages.map((message, index) => ({
      id: message.id,
      session_id: s.sessionId,
      user_id: s.userId,
      role: message.role,
      content: message.content,
      audio_url: message.audioUrl,
      metadata: message.metadata,
      created_at: iso(message.createdAt),
      seq: index + 1,
    })),
  }
}

export const parley: ImportAdapter = {
  platform: 'parley',
  parse(payload: unknown, context: ImportContext): ImportedSession[] {
    const read = new PayloadReader(context.path)
    const document = read.object(payload, '')
    if (document.format === undefined && document.session !== undefined) return [parseEntry(document, '', read)]
    read.oneOf(document.format, '/format', ['parley'])
    if (document.version !== 1) read.fail('/version', `must be 1 (the version this Parley reads); got ${JSON.stringify(document.version)}`)
    return read.array(document.sessions, '/sessions').map((entry, index) => parseEntry(entry, pointerTo('/sessions', index), read))
  },
  toPlatform(sessions) {
    return { format: 'parley', version: 1, sessions: sessions.map(toEntry) }
  },
}
