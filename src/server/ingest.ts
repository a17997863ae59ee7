import { sessionNotFound, ValidationError } from '../model/errors.js'
import type { EndedSession, Message, Session } from '../model/types.js'
import { messageInputFromWire } from '../protocol/convert.js'
import type { MessageInputWire, StartSessionBodyWire } from '../protocol/schemas.js'
import type { Tracker } from '../tracker/tracker.js'
import type { Principal } from './plugins/auth.js'
import { assertReachable, hideOthersSession, userScope } from './session-access.js'

/** A write's messages as the wire sends them: one, or a list. */
export interface MessagesBody {
  message?: MessageInputWire | undefined
  messages?: MessageInputWire[] | undefined
}

/** What `add` is told about where a lone message's fields sit in the request (`message.` in a frame, nothing in a POST body). */
export interface LoneMessagePrefix {
  lonePrefix: string
}

/**
 * The one ingest path of the HTTP routes and the WebSocket stream, for one
 * caller: the access rule, the wire-to-library conversion and the library's
 * checks. Each call resolves once its rows are committed.
 */
export function ingestFor(tracker: Tracker, principal: Principal | undefined) {
  // A session's owner never changes, so a bound caller's access is checked once per session.
  const reached = new Set<string>()
  const reach = async (sessionId: string) => {
    const key = sessionId.toLowerCase()
    if (!principal?.userId || reached.has(key)) return
    await assertReachable(tracker, principal, sessionId)
    reached.add(key)
  }

  return {
    async start(body: StartSessionBodyWire): Promise<{ session: Session; created: boolean }> {
      const userId = userScope(principal, body.user_id)
      const result = await tracker
        .openSession({
          ...(body.session_id !== undefined && { sessionId: body.session_id }),
          ...(userId !== undefined && { userId }),
          ...(body.metadata !== undefined && { metadata: body.metadata }),
          ...(body.started_at !== undefined && { startedAt: body.started_at }),
        })
        .catch((error: unknown) => {
          throw hideOthersSession(principal, body.session_id, error)
        })
      if (principal?.userId && result.session.userId !== principal.userId) {
        throw sessionNotFound(result.session.sessionId)
      }
      reached.add(result.session.sessionId)
      return result
    },

    async add(sessionId: string, body: MessagesBody, { lonePrefix }: LoneMessagePrefix): Promise<Message[]> {
      if (body.message && body.messages) throw new ValidationError('messages', 'send one message or messages: [...], not both')
      const inputs = body.messages ?? (body.message && [body.message])
      if (!inputs) throw new ValidationError('message', 'is required (or messages: [...])')
      await reach(sessionId)
      try {
        return await tracker.addMessages(inputs.map((input) => messageInputFromWire(sessionId, input)))
      } catch (error) {
        // The library names the fields of a call's only message bare (`content`); the request may hold it elsewhere.
        const prefix = body.messages ? 'messages[0].' : lonePrefix
        if (inputs.length === 1 && prefix && error instanceof ValidationError && !error.field.startsWith('messages')) {
          throw error.renamed((field) => `${prefix}${field}`)
        }
        throw error
      }
    },

    async end(sessionId: string, reason: string | undefined): Promise<EndedSession> {
      await reach(sessionId)
      return tracker.endSession(sessionId, reason === undefined ? {} : { reason })
    },
  }
}

/** The ingest path of one caller. */
export type Ingest = ReturnType<typeof ingestFor>
