import type { Database } from '../db/database.js'
import { ConflictError, sessionNotFound, UnavailableError } from '../model/errors.js'
import { insertMessageBatch } from '../queries/messages.sql.js'
import type { Message } from '../model/types.js'
import type { ValidMessage } from '../model/validate.js'

/** Most rows in one batch statement. */
export const MAX_BATCH_ROWS = 2000

/** Below this many queued rows a batch is not split across free connections: two commits would cost more than they save. */
const MIN_SPLIT_ROWS = 32

interface PendingWrite {
  messages: ValidMessage[]
  resolve: (stored: StoredMessage[]) => void
  reject: (error: unknown) => void
  /** Called once the write has settled, either way (for `drain`). */
  whenSettled: (() => void)[]
}

/** One committed batch statement: its rows, and how many of them were new (not retries of stored ids). */
export interface BatchStats {
  rows: number
  inserted: number
}

/** Called after each committed batch statement; it must not throw (anything it throws is ignored). */
export type BatchObserver = (batch: BatchStats) => void

/** A message as committed, and whether this write inserted it (or found it stored). */
export interface StoredMessage {
  message: Message
  inserted: boolean
}

/** A row of `parley_insert_messages`: what became of one input row (migrations/0004). */
export interface BatchRow {
  ord: number
  callerFailed: boolean
  sessionFound: boolean
  sessionActive: boolean
  /** The session exists but another transaction holds its row: nothing of this caller was stored (migrations/0015). */
  sessionBusy: boolean
  differs: boolean
  /** The columns in which a stored message of this id differs, when `differs`. */
  differing: string[]
  stored: boolean
  seq: number
  createdAt: Date
  userId: string | null
  inserted: boolean
}

/**
 * Group commit. Callers queue their messages; whenever a write slot is free,
 * everything queued goes to the database in one statement. While a batch is
 * in flight the next one gathers, so under load each round trip and each
 * fsync carries many callers' rows. A caller's promise settles only after
 * its rows are committed, or with the error that concerns its rows alone.
 */
export class MessageWriter {
  readonly #database: Database
  readonly #onBatch: BatchObserver | undefined
  readonly #queue: PendingWrite[] = []
  /** Every write not yet settled. */
  readonly #unsettled = new Set<PendingWrite>()
  #inFlight = 0
  /** Sessions with rows in a batch being committed, and in how many batches. */
  readonly #busySessions = new Map<string, number>()
  #scheduled = false
  /** Writes retried alone because their session was locked, waiting for the lock (bounded by `lock_timeout`). */
  #lockWaits = 0
  /** When batches began failing as a whole (the database unavailable), or null after a commit. */
  #failingSince: number | null = null

  constructor(database: Database, onBatch?: BatchObserver) {
    this.#database = database
    this.#onBatch = onBatch
  }

  /** How long batches have been failing to commit (0 when the last one committed), for `/readyz`. */
  failingForMs(now = Date.now()): number {
    return this.#failingSince === null ? 0 : now - this.#failingSince
  }

  /** Stores one caller's messages, all or none. */
  write(messages: ValidMessage[]): Promise<StoredMessage[]> {
    return new Promise<StoredMessage[]>((resolve, reject) => {
      const write: PendingWrite = {
        messages,
        resolve: (stored) => {
          this.#settled(write)
          resolve(stored)
        },
        reject: (error) => {
          this.#settled(write)
          reject(error)
        },
        whenSettled: [],
      }
      this.#unsettled.add(write)
      this.#queue.push(write)
      this.#schedule()
    })
  }

  #settled(write: PendingWrite): void {
    this.#unsettled.delete(write)
    for (const callback of write.whenSettled) callback()
  }

  /**
   * Resolves once the writes queued before the call have settled: all of
   * them, or those touching one session (so ending a session does not wait
   * for other conversations that keep writing).
   */
  async drain(sessionId?: string): Promise<void> {
    const waiting = [...this.#unsettled].filter(
      (write) => sessionId === undefined || write.messages.some((message) => message.sessionId === sessionId),
    )
    await Promise.all(waiting.map((write) => new Promise<void>((settled) => write.whenSettled.push(settled))))
  }

  // Deferred by a microtask so that callers in the same tick share a batch.
  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(() => {
      this.#scheduled = false
      this.#pump()
    })
  }

  #pump(): void {
    while (this.#inFlight < this.#database.maxConcurrentWrites && this.#queue.length > 0) {
      const batch = this.#takeBatch(this.#shareOfQueue())
      if (batch.length === 0) return
      const sessions = sessionsOf(batch)
      for (const session of sessions) this.#busySessions.set(session, (this.#busySessions.get(session) ?? 0) + 1)
      this.#inFlight++
      void this.#flush(batch).finally(() => {
        for (const session of sessions) {
          const count = this.#busySessions.get(session)! - 1
          if (count === 0) this.#busySessions.delete(session)
          else this.#busySessions.set(session, count)
        }
        this.#inFlight--
        this.#pump()
      })
    }
  }

  // With several connections free, the queue is shared out among them, so
  // that their commits (and the database's cores) work at once instead of
  // one large batch after another.
  #shareOfQueue(): number {
    const free = this.#database.maxConcurrentWrites - this.#inFlight
    const queued = this.#queue.reduce((rows, write) => rows + write.messages.length, 0)
    return free > 1 && queued >= MIN_SPLIT_ROWS ? Math.ceil(queued / free) : MAX_BATCH_ROWS
  }

  // A message id may be in a batch once; a second write of it (a retry while
  // the first is queued) waits for the next batch, where it is compared with
  // the stored row. A write touching a session that a batch in flight also
  // touches waits for that batch, so a session's rows commit in call order.
  #takeBatch(limit: number): PendingWrite[] {
    const batch: PendingWrite[] = []
    const ids = new Set<string>()
    const skipped = new Set<string>()
    let rows = 0
    for (let index = 0; index < this.#queue.length; ) {
      const write = this.#queue[index]!
      const fits = batch.length === 0 || rows + write.messages.length <= Math.min(limit, MAX_BATCH_ROWS)
      const waits = write.messages.some((message) => this.#busySessions.has(message.sessionId) || skipped.has(message.sessionId))
      if (fits && !waits && !write.messages.some((message) => ids.has(message.id))) {
        for (const message of write.messages) ids.add(message.id)
        rows += write.messages.length
        batch.push(write)
        this.#queue.splice(index, 1)
      } else {
        // Later writes of a session left behind stay behind it.
        for (const message of write.messages) skipped.add(message.sessionId)
        index++
      }
      if (rows >= limit) break
    }
    return batch
  }

  async #flush(batch: PendingWrite[]): Promise<void> {
    let result: BatchRow[]
    try {
      result = await this.#insert(batch)
    } catch (error) {
      if (error instanceof UnavailableError) this.#failingSince ??= Date.now()
      // Something the checks did not foresee (a user's own trigger, say) failed
      // the statement. Retry each caller alone, so it fails only its own.
      if (batch.length > 1 && !(error instanceof UnavailableError)) {
        await Promise.all(batch.map((write) => this.#flush([write])))
      } else {
        for (const write of batch) write.reject(error)
      }
      return
    }
    this.#failingSince = null
    let ord = 0
    for (const write of batch) {
      const rows = result.slice(ord, ord + write.messages.length)
      ord += write.messages.length
      this.#settle(write, rows)
    }
    try {
      this.#onBatch?.({ rows: result.length, inserted: result.filter((row) => row.inserted).length })
    } catch {
      // An observer (metrics) must never fail a write that has committed.
    }
  }

  async #insert(batch: PendingWrite[], waitForLocks = false): Promise<BatchRow[]> {
    const json = batchJson(batch.map((write) => write.messages))
    const { rows } = await this.#database.query<BatchRow>(insertMessageBatch, [json, waitForLocks])
    return rows
  }

  // A session locked by another transaction must not hold the batch: its
  // caller stored nothing and goes again alone, waiting for the lock beside
  // the batches (its session stays busy, so its later writes keep their
  // order). With every such lane taken, it is told to retry at once.
  #waitForLock(write: PendingWrite): void {
    const sessionIds = [...sessionsOf([write])]
    if (this.#lockWaits >= this.#database.maxConcurrentWrites) {
      write.reject(
        new UnavailableError('SESSION_LOCKED', `session ${sessionIds.join(', ')} is locked by another transaction; retry shortly`, {
          details: { sessionId: sessionIds[0], retryAfterSeconds: 1 },
        }),
      )
      return
    }
    this.#lockWaits++
    for (const session of sessionIds) this.#busySessions.set(session, (this.#busySessions.get(session) ?? 0) + 1)
    void this.#insert([write], true)
      .then(
        (rows) => this.#settle(write, rows),
        (error: unknown) => write.reject(error),
      )
      .finally(() => {
        this.#lockWaits--
        for (const session of sessionIds) {
          const count = this.#busySessions.get(session)! - 1
          if (count === 0) this.#busySessions.delete(session)
          else this.#busySessions.set(session, count)
        }
        this.#schedule()
      })
  }

  #settle(write: PendingWrite, rows: BatchRow[]): void {
    const failures = rows.filter((row) => row.callerFailed && !isFine(row))
    const failure = failures.find((row) => !row.sessionBusy)
    if (failure) {
      write.reject(rowError(write.messages[failure.ord - rows[0]!.ord]!, failure))
      return
    }
    if (failures.length > 0) {
      this.#waitForLock(write)
      return
    }
    // A concurrent writer stored one of these ids between our read and our
    // insert: go round again, and the next batch sees it as stored.
    if (rows.some((row) => !row.stored)) {
      this.#queue.push(write)
      this.#schedule()
      return
    }
    write.resolve(
      rows.map((row, index) => {
        const input = write.messages[index]!
        return {
          inserted: row.inserted,
          message: {
            id: input.id,
            sessionId: input.sessionId,
            userId: row.userId,
            role: input.role,
            content: input.content,
            audioUrl: input.audioUrl,
            metadata: input.metadata,
            createdAt: row.createdAt,
            seq: row.seq,
          },
        }
      }),
    )
  }
}

/**
 * The JSON array `parley_insert_messages` reads: each caller's messages in
 * turn (a caller is its index here), numbered from `firstOrd`.
 */
export function batchJson(callers: readonly (readonly ValidMessage[])[], firstOrd = 0): string {
  const rows: string[] = []
  callers.forEach((messages, caller) => {
    for (const message of messages) rows.push(batchInputJson(message, firstOrd + rows.length, caller))
  })
  return `[${rows.join(',')}]`
}

/**
 * One message as `parley_insert_messages` reads it (its place in the batch,
 * and whose it is), written as JSON text directly: this runs for every
 * message, and the metadata is JSON already. Ids are checked UUIDs and the
 * role one of four words, so they need no escaping.
 */
export function batchInputJson(message: ValidMessage, ord: number, caller: number): string {
  const audioUrl = JSON.stringify(message.audioUrl)
  const createdAt = message.createdAt === null ? 'null' : `"${message.createdAt.toISOString()}"`
  return `{"ord":${ord},"caller":${caller},"id":"${message.id}","session_id":"${message.sessionId}","role":"${message.role}","content":${JSON.stringify(message.content)},"audio_url":${audioUrl},"metadata":${message.metadataJson},"created_at":${createdAt}}`
}

function sessionsOf(batch: PendingWrite[]): Set<string> {
  const sessions = new Set<string>()
  for (const write of batch) for (const message of write.messages) sessions.add(message.sessionId)
  return sessions
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

function isFine(row: BatchRow): boolean {
  return row.stored ? !row.differs : row.sessionFound && row.sessionActive
}

function rowError(message: ValidMessage, row: BatchRow): Error {
  if (row.differs) {
    // The message names the columns, as psql and the wire spell them; details carry the library's names.
    // (The function reports `differs` only with the columns that differ.)
    return new ConflictError(
      'MESSAGE_CONFLICT',
      `message ${message.id} is already stored with a different ${row.differing.join(', ')}; give a new message a new id`,
      { details: { id: message.id, sessionId: message.sessionId, differing: row.differing.map(camelCase) } },
    )
  }
  if (!row.sessionFound) {
    return sessionNotFound(message.sessionId, '; start it first')
  }
  return new ConflictError('SESSION_ENDED', `session ${message.sessionId} has ended; start a new session`, {
    details: { sessionId: message.sessionId },
  })
}
