import { ValidationError } from '../../errors.js'
import { endedToWire, messageFromWire, messageToWire, sessionToWire } from '../../protocol/convert.js'
import type { AckFrame, MessageAddFrameWire, SessionEndFrameWire, SessionStartFrameWire } from '../../protocol/stream-frames.js'
import type { Tracker } from '../../tracker/tracker.js'
import { ownedSession, startSessionAs } from '../session-access.js'
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
    const session = await ownedSession(tracker, principal, sessionId)
    owned.add(session.sessionId)
  }

  return {
    async start(frame: SessionStartFrameWire): Promise<AckBody> {
      const { type: _type, ref: _ref, ...body } = frame
      const { session, created } = await startSessionAs(tracker, principal, body)
      if (principal.userId) owned.add(session.sessionId)
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
