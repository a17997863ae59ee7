import type { Queryable } from '../db/database.js'
import { sessionNotFound } from '../model/errors.js'
import { validateSessionId } from '../model/validate.js'
import * as messageQueries from '../queries/messages.sql.js'
import * as sessionQueries from '../queries/sessions.sql.js'
import type { ExportSelection, Message, Session, SessionExport } from '../model/types.js'

// Rows per query: big enough that round trips don't dominate, small enough that memory stays flat.
const MESSAGE_PAGE = 1000
const SESSION_PAGE = 200

/** A session's messages in `seq` order, a page per query (keyset on `seq`): constant memory for any length. */
export async function* messagePages(database: Queryable, sessionId: string, pageSize = MESSAGE_PAGE): AsyncGenerator<Message[], void, undefined> {
  let afterSeq = 0
  for (;;) {
    const { rows: page } = await database.query<Message>(messageQueries.listMessages, [sessionId, afterSeq, pageSize])
    if (page.length > 0) yield page
    if (page.length < pageSize) return
    afterSeq = page.at(-1)!.seq
  }
}

/** A session already read, with its messages to stream. */
export function withMessages(database: Queryable, session: Session, pageSize = MESSAGE_PAGE): SessionExport {
  return { session, pages: messagePages(database, session.sessionId, pageSize) }
}

/** An export of just this session. */
export async function* oneSession(database: Queryable, session: Session, pageSize = MESSAGE_PAGE): AsyncGenerator<SessionExport, void, undefined> {
  yield withMessages(database, session, pageSize)
}

/** The session, or SESSION_NOT_FOUND (read before an export starts, so that nothing is written for a wrong id). */
export async function readSession(database: Queryable, sessionId: string): Promise<Session> {
  const { rows } = await database.query<Session>(sessionQueries.selectSession, [validateSessionId(sessionId)])
  if (!rows[0]) throw sessionNotFound(sessionId)
  return rows[0]
}

/**
 * The selected sessions, oldest first, each with its messages, paging by keyset
 * on (started_at, session_id) and then on seq: one page of each in memory at a time.
 * Read a session's pages before asking for the next session.
 */
export async function* readSessions(
  database: Queryable,
  selection: ExportSelection,
  options: { messagePage?: number; sessionPage?: number } = {},
): AsyncGenerator<SessionExport, void, undefined> {
  const messagePage = options.messagePage ?? MESSAGE_PAGE
  if ('sessionId' in selection) {
    yield withMessages(database, await readSession(database, selection.sessionId), messagePage)
    return
  }
  const sessionPage = options.sessionPage ?? SESSION_PAGE
  let cursor: [string, string] | [null, null] = [null, null]
  for (;;) {
    const { rows }: { rows: Array<Session & { cursorStart: string }> } = await database.query(sessionQueries.sessionPageOldestFirst, [
      selection.userId ?? null,
      cursor[0],
      cursor[1],
      selection.from?.toISOString() ?? null,
      selection.to?.toISOString() ?? null,
      sessionPage,
    ])
    for (const { cursorStart: _, ...session } of rows) yield withMessages(database, session, messagePage)
    const last = rows.at(-1)
    if (!last || rows.length < sessionPage) return
    cursor = [last.cursorStart, last.sessionId]
  }
}

/** The messages with these ids, in `seq` order; ids of deleted messages are simply absent. */
export async function messagesByIds(database: Queryable, ids: readonly string[]): Promise<Message[]> {
  return (await database.query<Message>(messageQueries.selectMessagesByIds, [ids])).rows
}
