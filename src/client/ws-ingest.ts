// Ingest over the WebSocket: a batch is one `message.add` frame, acked after
// commit. When the socket drops before the ack, or the server refuses the frame
// for now (503, 429), the frame is sent again on a new socket (same ids, so
// nothing is stored twice), after backoff or the error frame's Retry-After,
// for as long as the retry budget lasts.
import type { MessageInputWire, MessageWire } from '../protocol/schemas.js'
import { retryAfterFromDetails, retrySchedule, sleep, type RetryPolicy } from './backoff.js'
import { asParleyError, ClientClosedError, ParleyError, RateLimitedError, UnavailableError } from '../model/errors.js'
import type { StreamSocket } from './stream-socket.js'

/** Whether the frame may be sent again: the socket dropped or went silent, or the server was briefly unable. */
function retryable(error: unknown): boolean {
  if (error instanceof ClientClosedError) return error.code === 'STREAM_CLOSED' || error.code === 'STREAM_TIMEOUT'
  // A bare ParleyError is a 5xx other than 503: retried, as over HTTP.
  return error instanceof UnavailableError || error instanceof RateLimitedError || (error instanceof ParleyError && error.constructor === ParleyError)
}

/**
 * A batch sender for the `Batcher` over the client's socket. Its error's
 * `outcome` is `indeterminate` when any attempt went out without an answer.
 */
export function wsSender(feed: StreamSocket, policy: RetryPolicy) {
  return async (sessionId: string, messages: MessageInputWire[]): Promise<MessageWire[]> => {
    const nextWait = retrySchedule(policy)
    let unanswered = false
    for (;;) {
      try {
        const ack = await feed.request({ type: 'message.add', session_id: sessionId, messages })
        if (!('messages' in ack)) throw new UnavailableError('UNEXPECTED_ACK', 'the server acknowledged message.add without messages')
        return ack.messages
      } catch (error) {
        const failure = asParleyError(error)
        unanswered ||= failure.outcome !== 'not_stored'
        const wait = retryable(failure) ? nextWait(retryAfterFromDetails(failure.details)) : undefined
        if (wait === undefined) throw failure.concerning([], unanswered ? 'indeterminate' : 'not_stored')
        await sleep(wait)
      }
    }
  }
}
