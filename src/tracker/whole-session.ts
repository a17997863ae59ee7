import type { Database, Queryable } from '../db/database.js'
import { ConflictError } from '../model/errors.js'
import type { ValidMessage, ValidSessionStart } from '../model/validate.js'
import { insertMessageBatch } from '../queries/messages.sql.js'
import { endWholeSession, insertWholeSession } from '../queries/sessions.sql.js'
import { batchJson, MAX_BATCH_ROWS, type BatchRow } from './message-writer.js'

/** A whole conversation, checked, with its own times: what an importer writes. */
export interface WholeSession {
  start: ValidSessionStart & { sessionId: string; startedAt: Date }
  messages: ValidMessage[]
  /** Null for a session that is still going on. */
  end: { at: Date; reason: string | null } | null
}

/**
 * Writes a whole session in one transaction: the session with its real start,
 * its messages through the group commit's batch statement, then its end. All
 * or nothing. A session already stored is left alone; its messages must be the
 * same, else a ConflictError whose `details.index` names the message at fault.
 */
export async function writeWholeSession(database: Database, whole: WholeSession): Promise<{ created: boolean }> {
  const { start, messages, end } = whole
  return database.transaction(async (tx) => {
    const { rows } = await tx.query(insertWholeSession, [start.sessionId, start.userId, JSON.stringify(start.metadata), start.startedAt.toISOString()])
    const created = rows.length === 1
    await insertAll(tx, messages, created)
    if (created && end) await tx.query(endWholeSession, [start.sessionId, end.at.toISOString(), end.reason])
    return { created }
  })
}

async function insertAll(tx: Queryable, messages: ValidMessage[], created: boolean): Promise<void> {
  for (let from = 0; from < messages.length; from += MAX_BATCH_ROWS) {
    const chunk = messages.slice(from, from + MAX_BATCH_ROWS)
    const { rows } = await tx.query<BatchRow>(insertMessageBatch, [batchJson([chunk], from), true])
    // The row at fault, not the first of the rows its failure kept out.
    const bad = rows.find((row) => row.differs) ?? rows.find((row) => !row.stored)
    if (!bad) continue
    const message = messages[bad.ord]!
    const details = { index: bad.ord, messageId: message.id, sessionId: message.sessionId }
    // Thrown inside the transaction: the whole session rolls back.
    if (bad.differs) throw new ConflictError('MESSAGE_CONFLICT', `message ${message.id} is already stored with other content`, { details })
    throw new ConflictError(
      created ? 'MESSAGE_NOT_STORED' : 'SESSION_STORED_WITHOUT_MESSAGE',
      created ? `message ${message.id} could not be stored` : `session ${message.sessionId} is stored without message ${message.id}`,
      { details },
    )
  }
}
