// Conversations with chosen times, for the dashboard's reads: started in the
// past, turns at given instants, ended at a given instant (so durations are exact).
import { v7 as uuidv7 } from 'uuid'
import type { Tracker } from '../../src/tracker/tracker.js'
import type { Metadata, Role } from '../../src/model/types.js'

export interface SeedTurn {
  role: Role
  content: string
  /** When it was said; default: one second after the previous turn (or the start). */
  at?: string
}

export interface SeedSession {
  userId?: string
  metadata?: Metadata
  startedAt: string
  /** Left running when absent. */
  endedAt?: string
  turns?: SeedTurn[]
}

/** Stores the session and its turns through the tracker; returns its id. */
export async function seedSession(tracker: Tracker, spec: SeedSession): Promise<string> {
  const sessionId = uuidv7()
  await tracker.startSession({
    sessionId,
    startedAt: spec.startedAt,
    ...(spec.userId !== undefined && { userId: spec.userId }),
    ...(spec.metadata !== undefined && { metadata: spec.metadata }),
  })
  let clock = Date.parse(spec.startedAt)
  const turns = (spec.turns ?? []).map((turn) => {
    clock = turn.at === undefined ? clock + 1000 : Date.parse(turn.at)
    return { sessionId, role: turn.role, content: turn.content, createdAt: new Date(clock) }
  })
  if (turns.length > 0) await tracker.addMessages(turns)
  // The tracker ends sessions at the database's now(); the triggers derive the duration from this end instead.
  if (spec.endedAt !== undefined) {
    await tracker.database.query('update conversation_sessions set session_end = $2::timestamptz where session_id = $1::uuid', [
      sessionId,
      spec.endedAt,
    ])
  }
  return sessionId
}

/** `start` plus `seconds`, as an ISO timestamp. */
export function plusSeconds(start: string, seconds: number): string {
  return new Date(Date.parse(start) + seconds * 1000).toISOString()
}
