import { ConflictError, sessionNotFound } from '../errors.js'
import type { Static } from 'typebox'
import type { StartSessionBody } from '../protocol/schemas.js'
import type { Tracker } from '../tracker/tracker.js'
import type { Session } from '../tracker/types.js'
import { ForbiddenError } from './http-errors.js'
import type { Principal } from './plugins/auth.js'

// The rules of who reaches which session, shared by the HTTP routes and the
// WebSocket stream: a caller bound to a user (a user-bound key, a JWT) reaches
// only that user's sessions, and another user's session is "not found".

/** The session, if the caller may reach it. */
export async function ownedSession(tracker: Tracker, principal: Principal | undefined, sessionId: string): Promise<Session> {
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
  if (principal?.userId) await ownedSession(tracker, principal, sessionId)
}

/** The user a read is limited to: a bound caller's own (asking for another is refused), else the one asked for. */
export function readableUserId(principal: Principal | undefined, requested: string | undefined): string | undefined {
  const boundUser = principal?.userId
  if (boundUser && requested && requested.toLowerCase() !== boundUser) {
    throw new ForbiddenError('USER_MISMATCH', 'this caller may only read its own user’s conversations')
  }
  return boundUser ?? requested?.toLowerCase()
}

/** Starts (or finds again) a session for the caller; a bound caller's user is the session's. */
export async function startSessionAs(
  tracker: Tracker,
  principal: Principal | undefined,
  body: Static<typeof StartSessionBody>,
): Promise<{ session: Session; created: boolean }> {
  const boundUser = principal?.userId
  if (boundUser && body.user_id && body.user_id.toLowerCase() !== boundUser) {
    throw new ForbiddenError('USER_MISMATCH', 'this caller may only start sessions for its own user')
  }
  const userId = boundUser ?? body.user_id
  const result = await tracker
    .openSession({
      ...(body.session_id !== undefined && { sessionId: body.session_id }),
      ...(userId !== undefined && { userId }),
      ...(body.metadata !== undefined && { metadata: body.metadata }),
      ...(body.started_at !== undefined && { startedAt: body.started_at }),
    })
    .catch((error: unknown) => {
      // Another user's session id: a bound caller learns nothing about it, not even that it exists.
      if (boundUser && error instanceof ConflictError && error.code === 'SESSION_USER_MISMATCH') {
        throw sessionNotFound(body.session_id!.toLowerCase())
      }
      throw error
    })
  if (boundUser && result.session.userId !== boundUser) throw sessionNotFound(result.session.sessionId)
  return result
}
