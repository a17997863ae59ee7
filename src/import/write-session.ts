import type { Database, Queryable } from '../db/database.js'
import { ValidationError } from '../errors.js'
import { insertMessageBatch } from '../queries/messages.sql.js'
import { batchJson, MAX_BATCH_ROWS, type BatchRow } from '../tracker/message-writer.js'
import { DEFAULT_LIMITS, type Limits } from '../tracker/types.js'
import { validateMessages, validateStartSession, type ValidMessage } from '../tracker/validate.js'
import { ImportError } from './import-error.js'
import type { ImportedSession } from './types.js'

/** What writing one imported session did. */
export interface WrittenSession {
  sessionId: string
  /** False when the session was already stored (a re-import): nothing was written. */
  created: boolean
  messages: number
}

// The session as it was: its own start (the trigger copies it to started_at).
const insertImportedSession = /* sql */ `
  insert into conversation_sessions (session_id, user_id, metadata, session_start)
  values ($1::uuid, $2::uuid, $3::jsonb, $4::timestamptz)
  on conflict do nothing
  returning session_id`

// Ended at its own time, after its messages: the triggers then derive the
// duration and is_active, and no message lands in an ended session.
const endImportedSession = /* sql */ `
  update conversation_sessions set session_end = $2::timestamptz, ended_reason = $3
  where session_id = $1::uuid and is_active`

/**
 * A session's metadata holds the provider payload's unmapped rest (a Vapi
 * report's whole assistant configuration, say): it may be this large, where
 * a message's metadata keeps the tracker's limit.
 */
export const MAX_IMPORTED_SESSION_METADATA_BYTES = 1024 * 1024


/**
 * Writes one imported session in one transaction: the session with its real
 * start, its messages with their ids and times, then its end. All or nothing.
 * A session already stored is left alone (its messages must be the same, else
 * an ImportError), so importing a file twice changes nothing.
 */
export async function writeImportedSession(
  database: Database,
  imported: ImportedSession,
  options: { path: string; limits?: Limits },
): Promise<WrittenSession> {
  const { start, messages, endedAt } = checked(imported, options.path, options.limits ?? DEFAULT_LIMITS)
  const sessionId = start.sessionId!
  return database.transaction(async (tx) => {
    const { rows } = await tx.query(insertImportedSession, [sessionId, start.userId, JSON.stringify(start.metadata), start.startedAt!.toISOString()])
    const created = rows.length === 1
    await insertMessages(tx, messages, imported, options.path, created)
    if (created && endedAt) await tx.query(endImportedSession, [sessionId, endedAt.toISOString(), imported.session.endedReason])
    return { sessionId, created, messages: created ? messages.length : 0 }
  })
}

/** The tracker's own checks, each failure pointed at the item of the file it came from. */
function checked(imported: ImportedSession, path: string, limits: Limits) {
  const { session } = imported
  const start = rethrowAt(path, imported.pointer, () =>
    validateStartSession(
      { sessionId: session.sessionId, userId: session.userId, metadata: session.metadata, startedAt: session.startedAt },
      { ...limits, maxMetadataBytes: Math.max(limits.maxMetadataBytes, MAX_IMPORTED_SESSION_METADATA_BYTES) },
    ),
  )
  const messages: ValidMessage[] = []
  const ids = new Set<string>()
  for (const message of imported.messages) {
    const [valid] = rethrowAt(path, message.pointer, () =>
      validateMessages(
        [{ sessionId: session.sessionId, role: message.role, content: message.content, id: message.id, audioUrl: message.audioUrl, metadata: message.metadata, createdAt: message.createdAt }],
        { ...limits, maxMessagesPerCall: 1 },
      ),
    )
    if (ids.has(valid!.id)) {
      throw new ImportError(path, message.pointer, `has the same id as an earlier item (${valid!.id}); item ids must be unique in a call`)
    }
    ids.add(valid!.id)
    messages.push(valid!)
  }
  if (session.active) return { start, messages, endedAt: null }
  // A finished call the file does not end ends with its last utterance (or its start).
  const lastTime = imported.messages.reduce((last, message) => Math.max(last, endOf(message, session.startedAt)), session.startedAt.getTime())
  const endedAt = session.endedAt ?? new Date(lastTime)
  if (endedAt < session.startedAt) {
    throw new ImportError(path, imported.pointer, `ends (${endedAt.toISOString()}) before it starts (${session.startedAt.toISOString()})`)
  }
  return { start, messages, endedAt }
}

function endOf(message: ImportedSession['messages'][number], startedAt: Date): number {
  const endS = message.metadata.end_s
  return typeof endS === 'number' ? startedAt.getTime() + Math.round(endS * 1000) : message.createdAt.getTime()
}

function rethrowAt<T>(path: string, pointer: string, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (error instanceof ValidationError) throw new ImportError(path, pointer, `cannot be stored: ${error.message}`)
    throw error
  }
}

async function insertMessages(tx: Queryable, messages: ValidMessage[], imported: ImportedSession, path: string, created: boolean) {
  for (let from = 0; from < messages.length; from += MAX_BATCH_ROWS) {
    const chunk = messages.slice(from, from + MAX_BATCH_ROWS)
    const { rows } = await tx.query<BatchRow>(insertMessageBatch, [batchJson([chunk], from)])
    // The row at fault, not the first of the rows its failure kept out.
    const bad = rows.find((row) => row.differs) ?? rows.find((row) => !row.stored)
    if (bad) {
      const pointer = imported.messages[bad.ord]?.pointer ?? imported.pointer
      // Rolls the whole session back: the transaction throws.
      throw new ImportError(
        path,
        pointer,
        bad.differs
          ? `is already stored (message ${messages[bad.ord]!.id}) with other content; was the file changed since it was imported?`
          : created
            ? 'could not be stored'
            : `belongs to session ${messages[bad.ord]!.sessionId}, which was imported before without it; was the file changed since?`,
      )
    }
  }
}
