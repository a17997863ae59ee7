import { importedSessionId } from '../../import/ids.js'
import { checkImportedSession } from '../../import/write-session.js'
import { ConflictError, NotFoundError } from '../../model/errors.js'
import { DEFAULT_LIMITS } from '../../model/limits.js'
import type { Metadata, Session } from '../../model/types.js'
import { convergeSession, sameWords, type ConvergeResult } from '../../tracker/converge.js'
import type { Tracker } from '../../tracker/tracker.js'
import { ingestFor } from '../ingest.js'
import type { WebhookAction, WebhookPlatform } from './actions.js'

/** What a delivery did, as the 200 body says it: a repeat shows all zero. */
export interface WebhookOutcome {
  session_id: string | null
  /** Why the delivery stored nothing, when it could not (a ping, an unknown event, a finished call). */
  ignored?: string
  created: boolean
  added: number
  updated: number
  removed: number
  /** The stored rows were put in the provider's order. */
  reordered: boolean
  ended: boolean
}

// A final transcript that arrives after the list that holds it would be a second copy of the turn.
const LATE_TRANSCRIPT_MS = 60_000

const nothing = (sessionId: string | null, ignored?: string): WebhookOutcome => ({
  session_id: sessionId,
  ...(ignored !== undefined && { ignored }),
  created: false,
  added: 0,
  updated: 0,
  removed: 0,
  reordered: false,
  ended: false,
})

/**
 * Applies one verified delivery: live events through the one ingest path
 * (so live subscribers see them), the provider's lists and reports through
 * the tracker's convergence. A webhook reaches only its own call's session:
 * one whose `metadata.source` names this platform and call, with no user.
 */
export async function applyWebhook(tracker: Tracker, platform: WebhookPlatform, action: WebhookAction): Promise<WebhookOutcome> {
  if (action.kind === 'ignore') return nothing(null, action.reason)
  const sessionId = importedSessionId(platform, action.callId)
  const ingest = ingestFor(tracker, undefined)
  const liveMetadata: Metadata = { source: { platform, id: action.callId, shape: 'live', raw: {} } }

  const open = async (startedAt: Date) => {
    const { session, created } = await ingest.start({ session_id: sessionId, metadata: liveMetadata, started_at: startedAt.toISOString() })
    assertOwned(session, platform, action.callId)
    return { session, created }
  }

  switch (action.kind) {
    case 'open': {
      const { created } = await open(action.startedAt)
      return { ...nothing(sessionId), created }
    }
    case 'end': {
      const session = await tracker.getSession(sessionId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return null
        throw error
      })
      if (!session) return nothing(sessionId, 'the call was never started here')
      assertOwned(session, platform, action.callId)
      if (!session.isActive) return nothing(sessionId, 'the call has already ended')
      await ingest.end(sessionId, action.reason ?? undefined)
      return { ...nothing(sessionId), ended: true }
    }
    case 'turn': {
      const { session, created } = await open(action.startedAt)
      if (!session.isActive) return { ...nothing(sessionId, 'the call has already ended'), created }
      const { message } = action
      const stored = await tracker.listMessages(sessionId, { limit: 1000 })
      if (stored.some((row) => row.id === message.id)) return { ...nothing(sessionId), created }
      const late = stored.some(
        (row) => row.role === message.role && sameWords(row.content, message.content) && Math.abs(row.createdAt.getTime() - message.createdAt.getTime()) <= LATE_TRANSCRIPT_MS,
      )
      if (late) return { ...nothing(sessionId, 'the turn is already stored'), created }
      await ingest.add(
        sessionId,
        { message: { id: message.id, role: message.role, content: message.content, metadata: message.metadata, created_at: message.createdAt.toISOString() } },
        { lonePrefix: '' },
      )
      return { ...nothing(sessionId), created, added: 1 }
    }
    case 'converge': {
      const { start, messages, endedAt } = checkImportedSession(action.imported, 'webhook', DEFAULT_LIMITS)
      const final = action.stage === null ? null : { metadata: start.metadata, endedAt: endedAt ?? new Date(), endedReason: action.imported.session.endedReason, stage: action.stage }
      const result: ConvergeResult = await convergeSession(tracker.database, {
        sessionId,
        platform,
        callId: action.callId,
        startedAt: start.startedAt!,
        messages,
        final,
        createMetadata: final ? start.metadata : liveMetadata,
      })
      const { skipped, ...counts } = result
      return { session_id: sessionId, ...(skipped !== undefined && { ignored: skipped }), ...counts }
    }
  }
}

function assertOwned(session: Session, platform: WebhookPlatform, callId: string): void {
  const source = session.metadata.source as { platform?: unknown; id?: unknown } | undefined
  if (session.userId === null && source?.platform === platform && source.id === callId) return
  throw new ConflictError('WEBHOOK_SESSION_MISMATCH', `session ${session.sessionId} does not belong to ${platform} call ${callId}; a webhook writes only to its own call's session`, {
    details: { sessionId: session.sessionId },
  })
}
