import type { Database } from '../db/database.js'
import { openDatabase, type DatabaseTarget, type OpenDatabaseOptions } from '../db/open-database.js'
import { describeProblem } from '../doctor/format-report.js'
import { checkSchema } from '../doctor/check-schema.js'
import { ConflictError, sessionNotFound, UnavailableError, ValidationError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { migrate as runMigrations } from '../migrations/migrator.js'
import * as messageQueries from '../queries/messages.sql.js'
import * as sessionQueries from '../queries/sessions.sql.js'
import { endedLine, savedLine, startedLine } from './log-lines.js'
import { MessageWriter, type BatchObserver } from './message-writer.js'
import {
  DEFAULT_LIMITS,
  type AddMessageInput,
  type EndedSession,
  type EndSessionOptions,
  type Limits,
  type ListMessagesOptions,
  type ListSessionsOptions,
  type Message,
  type Session,
  type SessionListItem,
  type SessionPage,
  type StartSessionInput,
} from './types.js'
import {
  validateEndReason,
  validateListMessages,
  validateListSessions,
  validateMessages,
  validateSessionId,
  validateStartSession,
} from './validate.js'

export interface TrackerOptions {
  /**
   * `postgres://…` (any PostgreSQL 14+, Supabase included), `pglite:./folder`,
   * `memory:`, or a database already opened. Default `pglite:./.parley/db`.
   */
  database?: DatabaseTarget
  /** How a `database` URL is opened: `directUrl` (LISTEN and migrations behind a transaction pooler), pool size, sharing the embedded database. */
  databaseOptions?: OpenDatabaseOptions
  /** A pino logger (or the same shape); silent by default. */
  logger?: Logger
  /**
   * Apply pending migrations on open. Default: yes for the embedded database,
   * no for PostgreSQL, where a drifted or unmigrated schema makes opening
   * fail with the doctor's findings instead. Safe from many processes at once.
   */
  migrate?: boolean
  limits?: Partial<Limits>
  /** Called after each committed group-commit batch with its row counts (for metrics); must not throw. */
  onBatch?: BatchObserver
}

/** Tracks conversations: see `createTracker`. */
export interface Tracker {
  readonly database: Database
  startSession(input?: StartSessionInput): Promise<Session>
  /** `startSession`, also telling whether this call created the session (false: it existed). */
  openSession(input?: StartSessionInput): Promise<{ session: Session; created: boolean }>
  addMessage(input: AddMessageInput): Promise<Message>
  addMessages(inputs: readonly AddMessageInput[]): Promise<Message[]>
  endSession(sessionId: string, options?: EndSessionOptions): Promise<EndedSession>
  getSession(sessionId: string): Promise<Session>
  listMessages(sessionId: string, options?: ListMessagesOptions): Promise<Message[]>
  listSessions(options?: ListSessionsOptions): Promise<SessionPage>
  /** Waits for pending writes, then closes the database (if the tracker opened it). */
  close(): Promise<void>
}

/**
 * Opens the database, brings its schema up to date and returns a tracker.
 *
 * @example
 * const tracker = await createTracker({ database: 'memory:' })
 * const session = await tracker.startSession({ userId })
 * await tracker.addMessage({ sessionId: session.sessionId, role: 'user', content: 'Hello' })
 * await tracker.endSession(session.sessionId, { reason: 'hangup' })
 */
export async function createTracker(options: TrackerOptions = {}): Promise<Tracker> {
  const database = await openDatabase(options.database, options.databaseOptions)
  const ownsDatabase = typeof options.database === 'string' || options.database === undefined
  try {
    const directUrl = options.databaseOptions?.directUrl
    if (options.migrate && directUrl) {
      // Migrations take a session-level view of the database: through DIRECT_URL, not the transaction pooler.
      const direct = await openDatabase(directUrl)
      await runMigrations(direct).finally(() => direct.close())
    }
    await prepareDatabase(database, options.migrate && !directUrl)
  } catch (error) {
    if (ownsDatabase) await database.close()
    throw error
  }
  return trackerOn(database, { ...options, ownsDatabase })
}

function trackerOn(database: Database, options: TrackerOptions & { ownsDatabase: boolean }): Tracker {
  const log = options.logger ?? silentLogger
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits }
  const writer = new MessageWriter(database, options.onBatch)
  let closed = false

  const assertOpen = () => {
    if (closed) throw new UnavailableError('TRACKER_CLOSED', 'this tracker is closed (shutting down); create a new one')
  }

  const addMessages = async (inputs: readonly AddMessageInput[]): Promise<Message[]> => {
    assertOpen()
    const stored = await writer.write(validateMessages(inputs, limits))
    // A line per message is the hot path's only string work: skipped when nothing listens.
    if (log !== silentLogger) {
      for (const { message, inserted } of stored) {
        if (inserted) log.info({ sessionId: message.sessionId, messageId: message.id, role: message.role }, savedLine(message))
      }
    }
    return stored.map(({ message }) => message)
  }

  const getSession = async (sessionId: string): Promise<Session> => {
    const id = validateSessionId(sessionId)
    const { rows } = await database.query<Session>(sessionQueries.selectSession, [id])
    if (!rows[0]) throw sessionNotFound(id)
    return rows[0]
  }

  const openSession = async (input: StartSessionInput | undefined) => {
    assertOpen()
    const start = validateStartSession(input, limits)
    const { rows } = await database.query<Session>(sessionQueries.insertSession, [
      start.sessionId,
      start.userId,
      JSON.stringify(start.metadata),
      start.startedAt?.toISOString() ?? null,
    ])
    if (rows[0]) {
      log.info({ sessionId: rows[0].sessionId, userId: rows[0].userId }, startedLine(rows[0]))
      return { session: rows[0], created: true }
    }
    // The id exists: starting again is a retry, unless it names another user.
    const existing = await getSession(start.sessionId!)
    if (start.userId !== null && existing.userId !== start.userId) {
      throw new ConflictError(
        'SESSION_USER_MISMATCH',
        `session ${existing.sessionId} already exists for another user; use a new session id`,
        { details: { sessionId: existing.sessionId } },
      )
    }
    return { session: existing, created: false }
  }

  return {
    database,
    openSession,
    startSession: async (input) => (await openSession(input)).session,

    async addMessage(input) {
      const [message] = await addMessages([input])
      return message!
    },

    addMessages,

    async endSession(sessionId, endOptions) {
      assertOpen()
      const id = validateSessionId(sessionId)
      const reason = validateEndReason(endOptions)
      // Messages this process still has queued for the session belong before the end.
      await writer.drain(id)
      const { rows } = await database.query<Session>(sessionQueries.endSession, [id, reason])
      const session = rows[0] ?? (await getSession(id))
      const ended = summary(session)
      if (rows[0]) log.info({ ...ended }, endedLine(ended))
      return ended
    },

    getSession,

    async listMessages(sessionId, listOptions) {
      const id = validateSessionId(sessionId)
      const { after, limit } = validateListMessages(listOptions)
      let afterSeq = 0
      if (after) {
        const { rows } = await database.query<{ seq: number }>(messageQueries.selectMessageSeq, [after, id])
        if (!rows[0]) throw new ValidationError('after', `message ${after} is not in session ${id}`)
        afterSeq = Number(rows[0].seq)
      }
      const { rows } = await database.query<Message>(messageQueries.listMessages, [id, afterSeq, limit])
      if (rows.length === 0 && !after) await getSession(id)
      return rows.map((row) => ({ ...row, seq: Number(row.seq) }))
    },

    async listSessions(listOptions) {
      const { userId, active, from, to, limit, cursor, metadata, minDuration } = validateListSessions(listOptions)
      const [afterStart, afterId] = cursor ? decodeCursor(cursor) : [null, null]
      const { rows } = await database.query<SessionListItem & { cursorStart: string }>(sessionQueries.listSessions, [
        userId,
        active,
        afterStart,
        afterId,
        limit + 1,
        from?.toISOString() ?? null,
        to?.toISOString() ?? null,
        metadata === null ? null : JSON.stringify(metadata),
        minDuration,
      ])
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return {
        sessions: page.map(({ cursorStart: _, ...session }) => session),
        nextCursor: rows.length > limit && last ? encodeCursor(last.cursorStart, last.sessionId) : null,
      }
    },

    async close() {
      if (closed) return
      closed = true
      await writer.drain()
      if (options.ownsDatabase) await database.close()
    },
  }
}

/**
 * Migrates when asked (by default only the embedded database), then makes
 * sure the schema is the expected one: writes never go to columns that differ.
 */
export async function prepareDatabase(database: Database, migrate = database.embedded): Promise<void> {
  if (migrate) await runMigrations(database)
  await assertSchemaMatches(database)
}

/** Throws SCHEMA_MISMATCH, with the doctor's report, unless the schema is the expected one. */
async function assertSchemaMatches(database: Database): Promise<void> {
  const report = await checkSchema(database)
  if (report.ok) return
  const errors = report.problems.filter((problem) => problem.severity === 'error')
  const shown = errors.slice(0, 3).map(describeProblem).join('; ')
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : ''
  const next = report.pendingMigrations.length > 0 ? 'run `parley migrate` (or start `parley serve --migrate`; in the library, migrate: true)'
      : 'run `parley doctor --fix-sql` for the SQL that fixes it'
  throw new UnavailableError('SCHEMA_MISMATCH', `${database.description} does not match the schema Parley expects: ${shown}${more}. ${next}`, {
    details: { report },
  })
}

function summary(session: Session): EndedSession {
  return {
    sessionId: session.sessionId,
    endedAt: session.endedAt!,
    durationSeconds: session.durationSeconds ?? 0,
    messageCount: session.messageCount,
  }
}

function encodeCursor(start: string, sessionId: string): string {
  return Buffer.from(JSON.stringify([start, sessionId])).toString('base64url')
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(value) && value.length === 2) {
      const [start, id] = value as [unknown, unknown]
      if (typeof start === 'string' && !Number.isNaN(Date.parse(start)) && typeof id === 'string') {
        validateSessionId(id, 'cursor')
        return [start, id]
      }
    }
  } catch {
    // reported below
  }
  throw new ValidationError('cursor', 'is not a cursor this API returned; pass nextCursor from the previous page')
}
