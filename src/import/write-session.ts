import type { Database } from '../db/database.js'
import { ConflictError, ParleyError, ValidationError } from '../model/errors.js'
import { DEFAULT_LIMITS, type Limits } from '../model/limits.js'
import { validateMessages, validateStartSession, type ValidMessage } from '../model/validate.js'
import { convergeSession } from '../tracker/converge.js'
import { redactMessages, type Redactor } from '../tracker/redaction.js'
import { readSession } from '../tracker/session-reads.js'
import { writeWholeSession } from '../tracker/whole-session.js'
import { ImportError } from './import-error.js'
import type { ImportedSession } from './types.js'

/** What writing one imported session did. */
export interface WrittenSession {
  sessionId: string
  /** False when the session was already stored (a re-import): nothing was written. */
  created: boolean
  /** True when a stored session still going (a live snapshot imported before) was brought to this file's version. */
  completed: boolean
  messages: number
}

/**
 * The stage an imported final payload has among a call's reports: below any
 * webhook report (Vapi's end-of-call 2, Retell's call_ended 2 and call_analyzed
 * 3), so a report delivered later still applies.
 */
export const IMPORT_STAGE = 1

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
  options: { path: string; limits?: Limits; redactor?: Redactor | null },
): Promise<WrittenSession> {
  const limits = options.limits ?? DEFAULT_LIMITS
  const { start, messages, endedAt } = checkImportedSession(redacted(imported, options.redactor, limits), options.path, limits)
  const sessionId = start.sessionId!
  // A live snapshot imported before (a Vapi status-update in progress) is still open: this file completes it.
  if ((await storedActive(database, sessionId)) && !imported.session.active) {
    const source = imported.session.metadata.source as { platform: string; id: string }
    try {
      const result = await convergeSession(database, {
        sessionId,
        platform: source.platform,
        callId: source.id,
        startedAt: start.startedAt!,
        messages,
        final: { metadata: start.metadata, endedAt: endedAt!, endedReason: imported.session.endedReason, stage: IMPORT_STAGE },
        createMetadata: start.metadata,
      })
      return { sessionId, created: false, completed: true, messages: result.added }
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'WEBHOOK_SESSION_MISMATCH') {
        throw new ImportError(options.path, imported.pointer, `is the call of session ${sessionId}, which is stored as another session still going (not an import of this call); nothing was written`)
      }
      throw error
    }
  }
  try {
    const { created } = await writeWholeSession(database, {
      start: { ...start, sessionId, startedAt: start.startedAt! },
      messages,
      end: endedAt ? { at: endedAt, reason: imported.session.endedReason } : null,
    })
    return { sessionId, created, completed: false, messages: created ? messages.length : 0 }
  } catch (error) {
    throw atItem(error, imported, options.path)
  }
}

async function storedActive(database: Database, sessionId: string): Promise<boolean> {
  try {
    return (await readSession(database, sessionId)).isActive
  } catch (error) {
    if (error instanceof ParleyError && error.code === 'SESSION_NOT_FOUND') return false
    throw error
  }
}

/** A stored message that differs, pointed at the item of the file it came from. */
function atItem(error: unknown, imported: ImportedSession, path: string): unknown {
  if (!(error instanceof ConflictError) || typeof error.details.index !== 'number') return error
  const pointer = imported.messages[error.details.index]?.pointer ?? imported.pointer
  const why: Record<string, string> = {
    MESSAGE_CONFLICT: `is already stored (message ${String(error.details.messageId)}) with other content; was the file changed since it was imported?`,
    SESSION_STORED_WITHOUT_MESSAGE: `belongs to session ${String(error.details.sessionId)}, which was imported before without it; was the file changed since?`,
  }
  return new ImportError(path, pointer, why[error.code] ?? 'could not be stored')
}

/**
 * The library's own checks of an imported session, each failure pointed at
 * the item of the file it came from; `endedAt` is null for a session that
 * stays active. What the webhooks check before converging a call.
 */
export function checkImportedSession(imported: ImportedSession, path: string, limits: Limits) {
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

/** The session with its messages redacted as the tracker redacts a live write: an import is no way around it. */
function redacted(imported: ImportedSession, redactor: Redactor | null | undefined, limits: Limits): ImportedSession {
  if (!redactor) return imported
  const inputs = imported.messages.map((message) => ({ sessionId: imported.session.sessionId, role: message.role, content: message.content, metadata: message.metadata }))
  const cleaned = redactMessages(redactor, inputs, limits)
  return {
    ...imported,
    messages: imported.messages.map((message, index) => ({ ...message, content: cleaned[index]!.content, metadata: cleaned[index]!.metadata ?? message.metadata })),
  }
}
