// The rows every method writes: the shape of a voice assistant's turns, as the
// issue gives it (200-byte text, small JSON metadata, an audio URL on half).
import { randomUUID } from 'node:crypto'

const FILLER = 'Could you move my dentist appointment to Thursday afternoon, and remind me the day before? '
/** 200 bytes of ASCII text, different per row so no compression trick helps. */
export function contentOf(index) {
  const head = `turn ${index}: `
  return (head + FILLER.repeat(3)).slice(0, 200)
}

/** One message's fields in Parley's camelCase input shape (without the session). */
export function messageAt(index) {
  return {
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: contentOf(index),
    metadata: { turn: index, lang: 'en', confidence: 0.93, model: 'bench-1' },
    ...(index % 2 === 0 && { audioUrl: `https://audio.example.com/calls/${index}.wav` }),
  }
}

/** The same message as a snake_case wire body (HTTP, WebSocket). */
export function wireMessageAt(index) {
  const { audioUrl, ...rest } = messageAt(index)
  return audioUrl === undefined ? rest : { ...rest, audio_url: audioUrl }
}

/** Plain SQL parameters for the baselines: session_id, user_id, role, content, audio_url, metadata (JSON text). */
export function sqlParamsAt(index, session) {
  const message = messageAt(index)
  return [session.sessionId, session.userId, message.role, message.content, message.audioUrl ?? null, JSON.stringify(message.metadata)]
}

export const PLAIN_INSERT = `insert into conversation_messages (session_id, user_id, role, content, audio_url, metadata)
  values ($1, $2, $3, $4, $5, $6)`

/** Sessions for the baselines, inserted directly (untimed). */
export async function insertSessions(query, count) {
  const sessions = Array.from({ length: count }, () => ({ sessionId: randomUUID(), userId: randomUUID() }))
  await query(
    `insert into conversation_sessions (session_id, user_id)
     select * from unnest($1::uuid[], $2::uuid[])`,
    [sessions.map((s) => s.sessionId), sessions.map((s) => s.userId)],
  )
  return sessions
}
