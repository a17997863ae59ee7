import type { Database, Queryable } from '../db/database.js'
import { ValidationError } from '../model/errors.js'
import type { AuditAction, AuditEntry, AuditOptions, ErasedUser, PruneOptions, PruneResult } from '../model/types.js'
import { validateAudit, validateSessionId } from '../model/validate.js'
import * as queries from '../queries/lifecycle.sql.js'

/** One process prunes at a time, across every replica on the database. */
export const PRUNE_LOCK = 0x70_61_72_6c_79_02

const DEFAULT_PRUNE_BATCH = 500

/** Appends to the audit log: who (`actor`), what, to which target; details must hold no conversation content. */
export async function recordAudit(
  database: Queryable,
  entry: { actor: string; action: AuditAction; target?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await database.query(queries.insertAudit, [entry.actor, entry.action, entry.target ?? null, JSON.stringify(entry.details ?? {})])
}

/** Audit entries, oldest first; page with `after` = the last entry's id. */
export async function readAudit(database: Queryable, options: AuditOptions = {}): Promise<AuditEntry[]> {
  const { since, after, limit } = validateAudit(options)
  const { rows } = await database.query<AuditEntry>(queries.listAudit, [since?.toISOString() ?? null, limit, after])
  return rows
}

/**
 * A data subject's erasure: every session and message of the user, in one
 * transaction, leaving a tombstone per session (hashes of the ids, no content)
 * so that no import, retry or webhook brings them back. Audited.
 */
export async function eraseUser(database: Database, userId: string, actor: string): Promise<ErasedUser> {
  const id = validateSessionId(userId, 'userId')
  return database.transaction(async (tx) => {
    const { rows } = await tx.query<{ sessions: number; messages: number }>(queries.eraseUser, [id])
    const stray = await tx.query<{ messages: number }>(queries.eraseUserStrayMessages, [id])
    const erased = { userId: id, sessions: rows[0]!.sessions, messages: rows[0]!.messages + stray.rows[0]!.messages }
    await recordAudit(tx, { actor, action: 'user.erased', target: `user:${id}`, details: { sessions: erased.sessions, messages: erased.messages } })
    return erased
  })
}

/** Whether the session was erased (its id has a tombstone). */
export async function isSessionErased(database: Queryable, sessionId: string): Promise<boolean> {
  const { rows } = await database.query<{ erased: boolean }>(queries.isSessionErased, [sessionId.toLowerCase()])
  return rows[0]!.erased
}

/**
 * Retention: deletes ended sessions (and their messages) that ended before
 * `endedBefore`, a bounded batch per statement so that no lock is held long,
 * while no other process is pruning. Active sessions are never touched.
 */
export async function pruneSessions(database: Database, options: PruneOptions): Promise<PruneResult> {
  const endedBefore = new Date(options.endedBefore)
  if (Number.isNaN(endedBefore.getTime())) throw new ValidationError('endedBefore', 'must be a date')
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('batchSize', 'must be a whole number, 1 or more')
  if (options.dryRun) {
    const { rows } = await database.query<{ sessions: number; messages: number }>(queries.pruneCount, [endedBefore.toISOString()])
    return { ...rows[0]!, dryRun: true, ran: true }
  }
  const total = { sessions: 0, messages: 0 }
  for (;;) {
    const { rows } = await database.query<{ held: boolean; sessions: number; messages: number }>(queries.pruneBatch, [
      endedBefore.toISOString(),
      batchSize,
      PRUNE_LOCK,
    ])
    const batch = rows[0]!
    if (!batch.held) return { ...total, dryRun: false, ran: total.sessions > 0 }
    total.sessions += batch.sessions
    total.messages += batch.messages
    if (batch.sessions < batchSize) break
  }
  if (total.sessions > 0) {
    await recordAudit(database, {
      actor: options.actor ?? 'cli',
      action: 'sessions.pruned',
      target: `ended before ${endedBefore.toISOString()}`,
      details: total,
    })
  }
  return { ...total, dryRun: false, ran: true }
}
