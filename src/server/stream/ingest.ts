import { ConflictError, NotFoundError, ParleyError, ValidationError } from '../../errors.js'
import { endedToWire, messageFromWire, messageToWire, sessionToWire } from '../../protocol/convert.js'
import type { AckFrame, MessageAddFrameWire, SessionEndFrameWire, SessionStartFrameWire } from '../../protocol/stream-frames.js'
import type { Tracker } from '../../tracker/tracker.js'
import { ForbiddenError } from '../http-errors.js'
import type { Principal } from '../plugins/auth.js'

/** What an ack carries besides `type` and `ref`. */
export type AckBody = AckFrame extends infer Ack ? (Ack extends unknown ? Omit<Ack, 'type' | 'ref'> : never) : never

/**
 * The writing frames of one socket, with the HTTP routes' rules: a key bound
 * to a user reaches only that user's sessions (others are "not found"). Each
 * resolves once the rows are committed.
 */
export function ingestFrames(tracker: Tracker, principal: Principal) {
  // A session's owner never changes, so one check per session and socket is enough.
  const owned = new Set<string>()

  const assertOwned = async (sessionId: string): Promise<void> => {
    const userId = principal.userId
    if (!userId || owned.has(sessionId.toLowerCase())) return
    const session = await tracker.getSession(sessionId)
    if (session.userId !== userId) throw sessionNotFound(sessionId)
    owned.add(session.sessionId)
  }

  return {
    async start(frame: SessionStartFrameWire): Promise<AckBody> {
      const boundUser = principal.userId
      if (boundUser && frame.user_id && frame.user_id.toLowerCase() !== boundUser) {
        throw new ForbiddenError('USER_MISMATCH', 'this key may only start sessions for its own user')
      }
      const userId = boundUser ?? frame.user_id
      const { session, created } = await tracker
        .openSession({
          ...(frame.session_id !== undefined && { sessionId: frame.session_id }),
          ...(userId !== undefined && { userId }),
          ...(frame.metadata !== undefined && { metadata: frame.metadata }),
          ...(frame.started_at !== undefined && { startedAt: frame.started_at }),
        })
        .catch((error: unknown) => {
          // Another user's session id: a bound key learns nothing about it, not even that it exists.
          if (boundUser && error instanceof ConflictError && error.code === 'SESSION_USER_MISMATCH') throw sessionNotFound(frame.session_id!)
          throw error
        })
      if (boundUser && session.userId !== boundUser) throw sessionNotFound(session.sessionId)
      if (boundUser) owned.add(session.sessionId)
      return { session: sessionToWire(session), created }
    },

    async add(frame: MessageAddFrameWire): Promise<AckBody> {
      if (frame.message && frame.messages) throw new ValidationError('messages', 'send message or messages, not both')
      const inputs = frame.messages ?? (frame.message && [frame.message])
      if (!inputs) throw new ValidationError('message', 'is required (or messages: [...])')
      await assertOwned(frame.session_id)
      try {
        const stored = await tracker.addMessages(inputs.map((input) => messageFromWire(frame.session_id, input)))
        return { messages: stored.map(messageToWire) }
      } catch (error) {
        throw frame.message ? underMessage(error) : error
      }
    },

    async end(frame: SessionEndFrameWire): Promise<AckBody> {
      await assertOwned(frame.session_id)
      const ended = await tracker.endSession(frame.session_id, frame.reason === undefined ? {} : { reason: frame.reason })
      return { ended: endedToWire(ended) }
    },
  }
}

/** The tracker names a lone message's fields bare (`content`); the frame holds them under `message`. */
function underMessage(error: unknown): unknown {
  if (!(error instanceof ValidationError) || error.field.startsWith('messages')) return error
  const reason = error.message.slice(error.field.length + 2)
  return new ValidationError(`message.${error.field}`, reason, error.code)
}

function sessionNotFound(sessionId: string): ParleyError {
  return new NotFoundError('SESSION_NOT_FOUND', `session ${sessionId} does not exist`, { details: { sessionId } })
}
