import { ConflictError, ForbiddenError, sessionNotFound } from '../model/errors.js'
import type { Session } from '../model/types.js'
import type { Tracker } from '../tracker/tracker.js'
import type { Principal } from './plugins/auth.js'

// The one rule of who reaches what, for the HTTP routes and the WebSocket
// stream alike: a caller bound to a user (a user-bound key, a JWT) reaches only
// that user's sessions, and another user's session is "not found".

/**
 * The user a caller's request is limited to: a bound caller's own (naming
 * another user is refused), else the one named, else none (every user's).
 */
export function userScope(principal: Principal | undefined, requested?: string | null): string | undefined {
  const boundUser = principal?.userId
  if (boundUser && requested && requested.toLowerCase() !== boundUser) {
    throw new ForbiddenError('USER_MISMATCH', 'this caller may only reach its own user’s conversations')
  }
  return boundUser ?? requested?.toLowerCase() ?? undefined
}

/** The session, if the caller may reach it. */
export async function reachableSession(tracker: Tracker, principal: Principal | undefined, sessionId: string): Promise<Session> {
  const session = await tracker.getSession(sessionId)
  if (principal?.userId && session.userId !== principal.userId) throw sessionNotFound(sessionId)
  return session
}

/**
 * Throws unless the caller may reach the session. Costs a round trip only
 * for a bound caller; for others the write or read that follows reports a
 * missing session itself.
 */
export async function assertReachable(tracker: Tracker, principal: Principal | undefined, sessionId: string): Promise<void> {
  if (principal?.userId) await reachableSession(tracker, principal, sessionId)
}

/** A bound caller learns nothing of another user's session, not even that it exists. */
export function hideOthersSession(principal: Principal | undefined, sessionId: string | undefined, error: unknown): unknown {
  if (principal?.userId && sessionId && error instanceof ConflictError && error.code === 'SESSION_USER_MISMATCH') {
    return sessionNotFound(sessionId.toLowerCase())
  }
  return error
}
