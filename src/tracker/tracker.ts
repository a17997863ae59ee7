import type { Database } from '../db/database.js'
import { openDatabase, type DatabaseTarget, type OpenDatabaseOptions } from '../db/open-database.js'
import { prepareDatabase } from '../doctor/schema-guard.js'
import { migrate as runMigrations } from '../migrations/migrator.js'
import { ConflictError, NotFoundError, sessionErased, sessionNotFound, UnavailableError, ValidationError } from '../model/errors.js'
import { silentLogger, type Logger } from '../logger.js'
import * as messageQueries from '../queries/messages.sql.js'
import * as sessionQueries from '../queries/sessions.sql.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import { endedLine, savedLine, startedLine } from './log-lines.js'
import { MessageWriter, type BatchObserver } from './message-writer.js'
import { eraseUser, isSessionErased, pruneSessions, readAudit, recordAudit } from './lifecycle.js'
import { createRedactor, redactMessages, type Redactor } from './redaction.js'
import { searchMessages } from './search.js'
import { readSessions } from './session-reads.js'
import { conversationStats } from './stats.js'
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, MAX_TIMEOUT_MS, type Limits } from '../model/limits.js'
import { withStatementTimeouts } from '../db/statement-timeouts.js'
import type { RedactKind } from '../model/redact.js'
import {
  type AddMessageInput,
  type EndedSession,
  type EndSessionOptions,
  type ListMessagesOptions,
  type ListSessionsOptions,
  type Message,
  type AuditAction,
  type AuditEntry,
  type AuditOptions,
  type ConversationStats,
  type ErasedUser,
  type PruneOptions,
  type PruneResult,
  type ExportSelection,
  type SearchOptions,
  type SearchPage,
  type Session,
  type SessionExport,
  type SessionListItem,
  type SessionPage,
  type StartSessionInput,
  type StatsOptions,
} from '../model/types.js'
import {
  validateEndReason,
  validateListMessages,
  validateListSessions,
  validateMessages,
  validateSessionId,
  validateStartSession,
} from '../model/validate.js'

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
  /**
   * Longest wait for a lock of one statement, in ms (default 5000; 0: no
   * bound). A write whose session another transaction keeps locked for
   * longer fails with `UnavailableError` `DATABASE_LOCK_TIMEOUT`, storing
   * nothing; other sessions' writes do not wait for it.
   */
  lockTimeoutMs?: number
  /** Longest run of one statement, in ms (default 15000; 0: no bound): `DATABASE_TIMEOUT` beyond. */
  statementTimeoutMs?: number
  /** Called after each committed group-commit batch with its row counts (for metrics); must not throw. */
  onBatch?: BatchObserver
  /**
   * Kinds of personal data to replace in `content` before a message is stored
   * (`email`, `phone`, `card`, `ip`): each span becomes `[kind]` and
   * `metadata.redacted` lists the kinds found. Off by default.
   */
  redact?: readonly RedactKind[]
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
  /** Full-text search over message content, newest first, with highlighted snippets. */
  search(options: SearchOptions): Promise<SearchPage>
  /** Figures over the sessions started in a window. */
  stats(options?: StatsOptions): Promise<ConversationStats>
  /** The selected sessions, each with its messages a page at a time, oldest first: constant memory for any export. */
  readSessions(selection: ExportSelection): AsyncGenerator<SessionExport, void, undefined>
  /** Erases every session and message of a user, leaving tombstones so that nothing comes back; audited. */
  eraseUser(userId: string, options?: { actor?: string }): Promise<ErasedUser>
  /** Deletes ended sessions that ended before a time, in bounded batches, one process at a time; audited. */
  prune(options: PruneOptions): Promise<PruneResult>
  /** The audit log, oldest first. */
  audit(options?: AuditOptions): Promise<AuditEntry[]>
  /** Appends to the audit log (who, what, which target; never content). */
  recordAudit(entry: { actor: string; action: AuditAction; target?: string | null; details?: Record<string, unknown> }): Promise<void>
  /** How long writes have been failing to commit as a whole, in ms (0 when the last batch committed). */
  writeFailingForMs(): number
  /** The lock timeout writes run with, in ms (see `TrackerOptions.lockTimeoutMs`). */
  readonly lockTimeoutMs: number
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
  const timeouts = {
    lockTimeoutMs: timeoutOption('lockTimeoutMs', options.lockTimeoutMs ?? DEFAULT_TIMEOUTS.lockTimeoutMs),
    statementTimeoutMs: timeoutOption('statementTimeoutMs', options.statementTimeoutMs ?? DEFAULT_TIMEOUTS.statementTimeoutMs),
  }
  // A bad setting fails before any database is opened.
  const redactor = options.redact === undefined ? null : await createRedactor(options.redact)
  const opened = await openDatabase(options.database, options.databaseOptions)
  const ownsDatabase = typeof options.database === 'string' || options.database === undefined
  try {
    const directUrl = options.databaseOptions?.directUrl
    if (options.migrate && directUrl) {
      // Migrations take a session-level view of the database: through DIRECT_URL, not the transaction pooler.
      const direct = await openDatabase(directUrl)
      await runMigrations(direct).finally(() => direct.close())
    }
    await prepareDatabase(opened, options.migrate && !directUrl)
  } catch (error) {
    if (ownsDatabase) await opened.close()
    throw error
  }
  return trackerOn(withStatementTimeouts(opened, timeouts), { ...options, ...timeouts, ownsDatabase, redactor })
}

function timeoutOption(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(field, `must be a whole number of milliseconds from 0 (no bound) to ${MAX_TIMEOUT_MS}`)
  }
  return value
}

function trackerOn(database: Database, options: TrackerOptions & { ownsDatabase: boolean; lockTimeoutMs: number; redactor: Redactor | null }): Tracker {
  const log = options.logger ?? silentLogger
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits }
  const writer = new MessageWriter(database, options.onBatch)
  let closed = false

  const assertOpen = () => {
    if (closed) throw new UnavailableError('TRACKER_CLOSED', 'this tracker is closed (shutting down); create a new one')
  }

  const addMessages = async (inputs: readonly AddMessageInput[]): Promise<Message[]> => {
    assertOpen()
    const { redactor } = options
    const checked = validateMessages(redactor ? redactMessages(redactor, inputs, limits) : inputs, limits)
    const stored = await writer.write(checked).catch(async (error: unknown) => {
      // A session that is gone may have been erased: say so, rather than "not found".
      const sessionId = error instanceof NotFoundError && error.code === 'SESSION_NOT_FOUND' ? error.details.sessionId : undefined
      if (typeof sessionId === 'string' && (await isSessionErased(database, sessionId))) throw sessionErased(sessionId)
      throw error
    })
    // A line per message is the hot path's only string work: skipped when nothing listens.
    if (log.isLevelEnabled?.('info') ?? true) {
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
        afterSeq = rows[0].seq
      }
      const { rows } = await database.query<Message>(messageQueries.listMessages, [id, afterSeq, limit])
      if (rows.length === 0 && !after) await getSession(id)
      return rows
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

    search: (searchOptions) => searchMessages(database, searchOptions),
    stats: (statsOptions) => conversationStats(database, statsOptions),
    readSessions: (selection) => readSessions(database, selection),
    eraseUser: (userId, eraseOptions) => eraseUser(database, userId, eraseOptions?.actor ?? 'library'),
    prune: (pruneOptions) => pruneSessions(database, { actor: 'library', ...pruneOptions }),
    audit: (auditOptions) => readAudit(database, auditOptions),
    recordAudit: (entry) => recordAudit(database, entry),
    writeFailingForMs: () => writer.failingForMs(),
    lockTimeoutMs: options.lockTimeoutMs,

    async close() {
      if (closed) return
      closed = true
      await writer.drain()
      if (options.ownsDatabase) await database.close()
    },
  }
}

function summary(session: Session): EndedSession {
  return {
    sessionId: session.sessionId,
    endedAt: session.endedAt!,
    durationSeconds: session.durationSeconds ?? 0,
    messageCount: session.messageCount,
  }
}
