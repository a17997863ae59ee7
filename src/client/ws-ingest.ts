// Ingest over the WebSocket: a batch is one `message.add` frame, acked after
// commit. When the socket drops before the ack the frame is sent again on a new
// socket (same ids, so nothing is stored twice), with backoff.
import type { MessageInputWire, MessageWire } from '../protocol/schemas.js'
import { backoffDelay, sleep } from './backoff.js'
import { ClientClosedError, RateLimitedError, UnavailableError } from '../model/errors.js'
import type { StreamSocket } from './stream-socket.js'

export interface WsIngestOptions {
  maxRetries: number
  retryBaseMs: number
  retryMaxMs: number
}

/** Whether the frame may be sent again: the socket dropped or went silent, or the server was briefly unable. */
function retryable(error: unknown): boolean {
  if (error instanceof ClientClosedError) return error.code === 'STREAM_CLOSED' || error.code === 'STREAM_TIMEOUT'
  return error instanceof UnavailableError || error instanceof RateLimitedError
}

/** A batch sender for the `Batcher` over the client's socket. */
export function wsSender(feed: StreamSocket, options: WsIngestOptions) {
  return async (sessionId: string, messages: MessageInputWire[]): Promise<MessageWire[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await feed.request({ type: 'message.add', session_id: sessionId, messages })
        if (!('messages' in ack)) throw new UnavailableError('UNEXPECTED_ACK', 'the server acknowledged message.add without messages')
        return ack.messages
      } catch (error) {
        if (!retryable(error) || attempt >= options.maxRetries) throw error
        await sleep(backoffDelay(attempt, options.retryBaseMs, options.retryMaxMs))
      }
    }
  }
}
