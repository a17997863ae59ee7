import { endedToWire, messageToWire, sessionToWire } from '../../protocol/convert.js'
import type { AckFrame, MessageAddFrameWire, SessionEndFrameWire, SessionStartFrameWire } from '../../protocol/stream-frames.js'
import type { Tracker } from '../../tracker/tracker.js'
import { ingestFor } from '../ingest.js'
import type { Principal } from '../plugins/auth.js'

/** What an ack carries besides `type` and `ref`. */
export type AckBody = AckFrame extends infer Ack ? (Ack extends unknown ? Omit<Ack, 'type' | 'ref'> : never) : never

/** The writing frames of one socket, through the HTTP routes' ingest path; each answers with its ack's body. */
export function ingestFrames(tracker: Tracker, principal: Principal) {
  const ingest = ingestFor(tracker, principal)
  return {
    async start({ type: _type, ref: _ref, ...body }: SessionStartFrameWire): Promise<AckBody> {
      const { session, created } = await ingest.start(body)
      return { session: sessionToWire(session), created }
    },

    async add(frame: MessageAddFrameWire): Promise<AckBody> {
      const stored = await ingest.add(frame.session_id, frame, { lonePrefix: 'message.' })
      return { messages: stored.map(messageToWire) }
    },

    async end(frame: SessionEndFrameWire): Promise<AckBody> {
      return { ended: endedToWire(await ingest.end(frame.session_id, frame.reason)) }
    },
  }
}
