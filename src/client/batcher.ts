// The write queue: messages wait per session, go out in batches of `flushAt`
// or after `flushIntervalMs`, one batch at a time per session (so the stored
// order is the order of the calls), and the queue is bounded by count and bytes.
import type { MessageInputWire, MessageWire } from '../protocol/schemas.js'
import { asParleyError, ClientClosedError, ParleyError, QueueFullError, type MessageOutcome } from '../model/errors.js'

/** What the queue has done so far; `flush()` and `shutdown()` return it. */
export interface DeliveryStats {
  /** Messages the server committed. */
  delivered: number
  /** Messages queued or in flight, not yet committed. */
  pending: number
  /** Messages refused because the queue was full (their promises were rejected). */
  dropped: number
  /** Messages refused, not stored: the server said no, or nothing reached it (their promises were rejected). */
  failed: number
  /**
   * Messages whose batch was sent but whose answer never came, after the
   * retries (their promises were rejected with `outcome: 'indeterminate'`):
   * maybe stored. Resending them with the same ids stores each once.
   */
  indeterminate: number
}

export interface BatcherOptions {
  flushAt: number
  flushIntervalMs: number
  maxQueueMessages: number
  maxQueueBytes: number
  /** Most bytes of JSON in one request (the server refuses bodies over 4 MiB). */
  maxBatchBytes: number
  /** Sends one batch of a session and returns the stored rows, in order. */
  send(sessionId: string, messages: MessageInputWire[]): Promise<MessageWire[]>
  /** Told of every message refused because the queue was full. */
  onDropped?: (dropped: number) => void
}

interface Entry {
  wire: MessageInputWire
  bytes: number
  resolve(message: MessageWire): void
  reject(error: unknown): void
}

interface SessionQueue {
  waiting: Entry[]
  timer: ReturnType<typeof setTimeout> | undefined
  /** The batch being sent, if any; the next waits for it. */
  sending: Promise<void> | undefined
}

const encoder = new TextEncoder()

/** The per-session, bounded batch queue behind `addMessage`. */
export class Batcher {
  readonly #options: BatcherOptions
  readonly #sessions = new Map<string, SessionQueue>()
  #queuedMessages = 0
  #queuedBytes = 0
  #delivered = 0
  #dropped = 0
  #failed = 0
  #indeterminate = 0
  #closed = false

  constructor(options: BatcherOptions) {
    this.#options = options
  }

  /** Queues messages of one session; each promise settles when its batch is committed or fails. */
  enqueue(sessionId: string, wires: MessageInputWire[]): Promise<MessageWire>[] {
    if (this.#closed) {
      const error = new ClientClosedError('CLIENT_CLOSED', 'the client was shut down; nothing more is accepted')
      return wires.map((wire) => Promise.reject(concerning(error, wire, 'not_stored')))
    }
    const sized = wires.map((wire) => ({ wire, bytes: encoder.encode(JSON.stringify(wire)).length }))
    const bytes = sized.reduce((sum, { bytes }) => sum + bytes, 0)
    // All or nothing: a group of messages is never half queued.
    if (this.#queuedMessages + wires.length > this.#options.maxQueueMessages || this.#queuedBytes + bytes > this.#options.maxQueueBytes) {
      this.#dropped += wires.length
      this.#options.onDropped?.(wires.length)
      const error = new QueueFullError('QUEUE_FULL', `the client's queue is full (${this.#queuedMessages} messages, ${this.#queuedBytes} bytes waiting); the message was not queued`, {
        details: { queued_messages: this.#queuedMessages, queued_bytes: this.#queuedBytes, dropped: this.#dropped },
      })
      return wires.map((wire) => Promise.reject(concerning(error, wire, 'not_stored')))
    }
    const queue = this.#queue(sessionId)
    const promises = sized.map(
      ({ wire, bytes }) => new Promise<MessageWire>((resolve, reject) => queue.waiting.push({ wire, bytes, resolve, reject })),
    )
    this.#queuedMessages += wires.length
    this.#queuedBytes += bytes
    if (queue.waiting.length >= this.#options.flushAt) this.#kick(sessionId, queue)
    else queue.timer ??= setTimeout(() => this.#kick(sessionId, queue), this.#options.flushIntervalMs)
    return promises
  }

  /** Sends everything queued for one session and waits until it is committed or failed. */
  async drainSession(sessionId: string): Promise<void> {
    const queue = this.#sessions.get(sessionId)
    while (queue && (queue.waiting.length > 0 || queue.sending)) {
      if (queue.waiting.length > 0 && !queue.sending) this.#kick(sessionId, queue)
      await queue.sending
    }
  }

  /** Sends everything queued and waits for it. */
  async drain(): Promise<DeliveryStats> {
    await Promise.all([...this.#sessions.keys()].map((sessionId) => this.drainSession(sessionId)))
    return this.stats()
  }

  /** Accepts nothing more. */
  close(): void {
    this.#closed = true
  }

  /** Rejects every message not yet sent (after a shutdown timeout); they stay counted as pending. */
  abandonWaiting(error: unknown): void {
    for (const queue of this.#sessions.values()) {
      clearTimeout(queue.timer)
      queue.timer = undefined
      for (const entry of queue.waiting.splice(0)) entry.reject(concerning(error, entry.wire, 'not_stored'))
    }
  }

  stats(): DeliveryStats {
    return {
      delivered: this.#delivered,
      pending: this.#queuedMessages,
      dropped: this.#dropped,
      failed: this.#failed,
      indeterminate: this.#indeterminate,
    }
  }

  #queue(sessionId: string): SessionQueue {
    let queue = this.#sessions.get(sessionId)
    if (!queue) {
      queue = { waiting: [], timer: undefined, sending: undefined }
      this.#sessions.set(sessionId, queue)
    }
    return queue
  }

  /** Starts the session's next batch unless one is on its way (that one starts the next when done). */
  #kick(sessionId: string, queue: SessionQueue): void {
    clearTimeout(queue.timer)
    queue.timer = undefined
    if (queue.sending || queue.waiting.length === 0) return
    const batch = this.#takeBatch(queue)
    queue.sending = this.#sendBatch(sessionId, batch).finally(() => {
      queue.sending = undefined
      if (queue.waiting.length >= this.#options.flushAt) this.#kick(sessionId, queue)
      else if (queue.waiting.length > 0) queue.timer ??= setTimeout(() => this.#kick(sessionId, queue), this.#options.flushIntervalMs)
      else if (!queue.timer) this.#sessions.delete(sessionId)
    })
  }

  #takeBatch(queue: SessionQueue): Entry[] {
    let count = 0
    let bytes = 0
    for (const entry of queue.waiting) {
      if (count > 0 && (count >= this.#options.flushAt || bytes + entry.bytes > this.#options.maxBatchBytes)) break
      count++
      bytes += entry.bytes
    }
    return queue.waiting.splice(0, count)
  }

  async #sendBatch(sessionId: string, batch: Entry[]): Promise<void> {
    const settle = () => {
      this.#queuedMessages -= batch.length
      this.#queuedBytes -= batch.reduce((sum, entry) => sum + entry.bytes, 0)
    }
    try {
      const stored = await this.#options.send(
        sessionId,
        batch.map((entry) => entry.wire),
      )
      const byId = new Map(stored.map((message) => [message.id, message]))
      settle()
      this.#delivered += batch.length
      batch.forEach((entry, index) => entry.resolve(byId.get(entry.wire.id ?? '') ?? stored[index]!))
    } catch (error) {
      settle()
      // A sender that cannot say (an unexpected error) leaves the outcome open: resending is safe, skipping may lose.
      const outcome = (error instanceof ParleyError && error.outcome) || 'indeterminate'
      if (outcome === 'indeterminate') this.#indeterminate += batch.length
      else this.#failed += batch.length
      for (const entry of batch) entry.reject(concerning(error, entry.wire, outcome))
    }
  }
}

/** The error for one message: its class and code, naming the message's id and outcome. */
function concerning(error: unknown, wire: MessageInputWire, outcome: MessageOutcome): ParleyError {
  return asParleyError(error).concerning(wire.id === undefined ? [] : [wire.id], outcome)
}
