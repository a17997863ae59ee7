import { isDeepStrictEqual } from 'node:util'
import type { Database, Queryable } from '../db/database.js'
import { ConflictError } from '../model/errors.js'
import type { Message, Metadata, Role } from '../model/types.js'
import type { ValidMessage } from '../model/validate.js'
import * as queries from '../queries/converge.sql.js'

/**
 * A platform's latest word on one of its calls: what a webhook says the
 * conversation is now. A live update holds the turns so far; a final one
 * (an end-of-call report) the whole call, with its end.
 */
export interface ConvergeInput {
  sessionId: string
  /** The platform and call id that own the session (`metadata.source`): no other may write to it. */
  platform: string
  callId: string
  startedAt: Date
  /** Checked messages, in the provider's order, with ids derived from the provider's. */
  messages: ValidMessage[]
  /** Only for a final update: the session's metadata, times and end reason become these. */
  final: {
    metadata: Metadata
    endedAt: Date
    endedReason: string | null
    /**
     * How far along the call's life this report is (Retell: call_ended 2,
     * call_analyzed 3). A final report not beyond the stored one changes nothing.
     */
    stage: number
  } | null
  /** Metadata of the session when this update creates it. */
  createMetadata: Metadata
}

/** What a convergence changed; all zero for a repeat. */
export interface ConvergeResult {
  created: boolean
  added: number
  updated: number
  removed: number
  reordered: boolean
  ended: boolean
  /** Why nothing was done, when nothing could be (the call is already final). */
  skipped?: string
}

/** A stored message of the session being converged. */
type StoredRow = Omit<Message, 'sessionId' | 'userId'>

/** `metadata.live` of a turn written as it was said, before the provider listed it: a later list claims it. */
export const LIVE_TURN = 'transcript'

/**
 * Rewrites one call's session to what the provider now says, in one
 * transaction: a turn already stored (same id, or a live turn of the same
 * speaker and words) is never stored twice — it is updated to the provider's
 * version; missing turns are added; the rows are put in the provider's order.
 * A final update also removes the call's rows the report does not have and
 * ends the session with the report's times, end reason and metadata.
 * Applying the same update again changes nothing.
 */
export async function convergeSession(database: Database, input: ConvergeInput): Promise<ConvergeResult> {
  return database.transaction(async (tx) => {
    const result: ConvergeResult = { created: false, added: 0, updated: 0, removed: 0, reordered: false, ended: false }
    const { rows: inserted } = await tx.query(queries.insertConvergedSession, [input.sessionId, JSON.stringify(input.createMetadata), input.startedAt.toISOString()])
    result.created = inserted.length === 1
    const { rows: sessions } = await tx.query<{ userId: string | null; metadata: Metadata; isActive: boolean }>(queries.lockConvergedSession, [input.sessionId])
    const session = sessions[0]!
    assertOwned(session, input)
    const stage = webhookStage(session.metadata)
    if (!session.isActive && (!input.final || input.final.stage <= stage)) {
      return { ...result, skipped: 'the call already has its final report' }
    }

    const { rows: stored } = await tx.query<StoredRow>(queries.selectConvergedMessages, [input.sessionId])
    const byId = new Map(stored.map((row) => [row.id, row]))
    const claimed = new Set<string>()
    const updates: Array<ValidMessage & { oldId: string }> = []
    const inserts: ValidMessage[] = []
    for (const target of input.messages) {
      const same = byId.get(target.id) ?? stored.find((row) => !claimed.has(row.id) && isLiveTurn(row) && row.role === target.role && sameWords(row.content, target.content))
      if (!same || claimed.has(same.id)) {
        inserts.push(target)
        continue
      }
      claimed.add(same.id)
      if (!sameRow(same, target)) updates.push({ ...target, oldId: same.id })
    }
    // The report is the whole call: the call's own rows it does not have go (rows others added stay).
    const removed = input.final ? stored.filter((row) => !claimed.has(row.id) && ownRow(row, input.platform)).map((row) => row.id) : []

    if (removed.length > 0) await tx.query(queries.deleteConvergedMessages, [input.sessionId, removed])
    if (updates.length > 0) await tx.query(queries.updateConvergedMessages, [input.sessionId, rowsJson(updates)])
    if (inserts.length > 0) await tx.query(queries.insertConvergedMessages, [input.sessionId, rowsJson(inserts)])
    result.removed = removed.length
    result.updated = updates.length
    result.added = inserts.length
    result.reordered = await reorder(tx, input, stored, new Set(removed), claimed)

    if (input.final) {
      const metadata = { ...input.final.metadata, webhook: { stage: input.final.stage } }
      await tx.query(queries.finishConvergedSession, [
        input.sessionId,
        input.startedAt.toISOString(),
        input.final.endedAt.toISOString(),
        input.final.endedReason,
        JSON.stringify(metadata),
      ])
      result.ended = true
    }
    return result
  })
}

function assertOwned(session: { userId: string | null; metadata: Metadata }, input: ConvergeInput): void {
  const source = session.metadata.source as { platform?: unknown; id?: unknown } | undefined
  if (session.userId === null && source?.platform === input.platform && source.id === input.callId) return
  throw new ConflictError('WEBHOOK_SESSION_MISMATCH', `session ${input.sessionId} does not belong to ${input.platform} call ${input.callId}; a webhook writes only to its own call's session`, {
    details: { sessionId: input.sessionId },
  })
}

/** The stage of the final report a session was ended with (0: none yet). */
export function webhookStage(metadata: Metadata): number {
  const webhook = metadata.webhook as { stage?: unknown } | undefined
  return typeof webhook?.stage === 'number' ? webhook.stage : 0
}

function isLiveTurn(row: StoredRow): boolean {
  return row.metadata.live === LIVE_TURN
}

function ownRow(row: StoredRow, platform: string): boolean {
  return (row.metadata.source as { platform?: unknown } | undefined)?.platform === platform
}

/** Words as a transcript and a report both write them: case, punctuation and spacing aside. */
export function sameWords(a: string, b: string): boolean {
  const words = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()
  return words(a) === words(b)
}

function sameRow(row: StoredRow, target: ValidMessage): boolean {
  return (
    row.id === target.id &&
    row.role === target.role &&
    row.content === target.content &&
    row.audioUrl === target.audioUrl &&
    (target.createdAt === null || new Date(row.createdAt).getTime() === target.createdAt.getTime()) &&
    isDeepStrictEqual(row.metadata, target.metadata)
  )
}

function rowsJson(rows: ReadonlyArray<ValidMessage & { oldId?: string }>): string {
  return JSON.stringify(
    rows.map((row, ord) => ({
      ord,
      ...(row.oldId && { old_id: row.oldId }),
      id: row.id,
      role: row.role,
      content: row.content,
      audio_url: row.audioUrl,
      metadata: row.metadata,
      created_at: (row.createdAt ?? new Date()).toISOString(),
    })),
  )
}

/**
 * The provider's turns in its order, then (live) the turns it has not listed
 * yet in the order they came. Rows move only when that order is not already
 * the stored one; added rows arrive last and usually need it.
 */
async function reorder(tx: Queryable, input: ConvergeInput, stored: StoredRow[], removed: Set<string>, claimed: Set<string>): Promise<boolean> {
  const wanted = [...input.messages.map((message) => message.id), ...stored.filter((row) => !removed.has(row.id) && !claimed.has(row.id)).map((row) => row.id)]
  const keep = new Set(wanted)
  const { rows: current } = await tx.query<{ id: string }>(queries.selectConvergedMessages, [input.sessionId])
  const order = current.map((row) => row.id).filter((id) => keep.has(id))
  if (isDeepStrictEqual(order, wanted)) return false
  const { rows: seqs } = await tx.query<{ seq: string | number }>(queries.nextMessageSeqs, [wanted.length])
  await tx.query(queries.reorderConvergedMessages, [input.sessionId, wanted, seqs.map((row) => String(row.seq))])
  return true
}
