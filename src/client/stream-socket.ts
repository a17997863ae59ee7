// `subscribe`: live events of a session over the WebSocket `/v1/stream`, one
// socket per client, reconnected with backoff and re-subscribed when it drops.
import { storedMessageFromWire } from '../protocol/convert.js'
import type { AckFrame, ServerFrame, TopicWire } from '../protocol/stream-frames.js'
import type { Message } from '../model/types.js'
import { backoffDelay } from './backoff.js'
import { ClientClosedError, errorFromWire, ParleyError } from '../model/errors.js'

/** What a subscriber receives, in the library's camelCase shapes. */
export type LiveEvent =
  | { type: 'session.started'; sessionId: string; userId: string | null; startedAt: Date }
  | { type: 'message.created'; sessionId: string; message: Message }
  | {
      type: 'session.ended'
      sessionId: string
      userId: string | null
      endedAt: Date
      durationSeconds: number
      messageCount: number
      endedReason: string | null
    }

/** The parts of the standard `WebSocket` the client uses (browsers' own, or `ws` in Node 20). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number): void
  onopen: ((event: any) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: any) => void) | null
  onerror: ((event: any) => void) | null
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

export interface LiveOptions {
  baseUrl: string
  apiKey: string
  WebSocket: WebSocketConstructor | undefined
  retryBaseMs: number
  retryMaxMs: number
  /** A frame without its ack (or error) by then fails with `STREAM_TIMEOUT`, and the socket is replaced. */
  requestTimeoutMs: number
}

type Handler = (event: LiveEvent) => void

interface Waiter {
  resolve(ack: AckFrame): void
  reject(error: ParleyError): void
}

const OPEN = 1

/** The client's WebSocket: live events for `subscribe`, and ingest with `transport: 'websocket'`. Opened on first use. */
export class StreamSocket {
  readonly #options: LiveOptions
  /** Who follows what, by topic key (`session:…`, `user:…`, `all`). */
  readonly #handlers = new Map<string, { topic: TopicWire; handlers: Set<Handler> }>()
  readonly #waiters = new Map<number, Waiter>()
  #socket: WebSocketLike | undefined
  #ready: Promise<void> | undefined
  #nextRef = 1
  #attempt = 0
  #closed = false

  constructor(options: LiveOptions) {
    this.#options = options
  }

  /** Calls `handler` for each event of the session; resolves once the server confirmed, with a function that stops it. */
  subscribe(sessionId: string, handler: Handler): Promise<() => Promise<void>> {
    return this.follow({ session_id: sessionId }, handler)
  }

  /** Calls `handler` for each event of what `topic` names (a session, a user's sessions, or all). */
  async follow(topic: TopicWire, handler: Handler): Promise<() => Promise<void>> {
    if (this.#closed) throw new ClientClosedError('CLIENT_CLOSED', 'the client was shut down')
    const key = topicKey(topic)
    const followers = this.#handlers.get(key) ?? { topic, handlers: new Set<Handler>() }
    const first = followers.handlers.size === 0
    followers.handlers.add(handler)
    this.#handlers.set(key, followers)
    try {
      if (first) await this.request({ type: 'subscribe', ...topic })
      else await this.#connect()
    } catch (error) {
      followers.handlers.delete(handler)
      if (followers.handlers.size === 0) this.#handlers.delete(key)
      throw error
    }
    return async () => {
      followers.handlers.delete(handler)
      if (followers.handlers.size > 0 || this.#handlers.get(key) !== followers) return
      this.#handlers.delete(key)
      if (this.#socket?.readyState === OPEN) await this.request({ type: 'unsubscribe', ...topic }).catch(() => {})
    }
  }

  /** Closes the socket for good. */
  close(): void {
    this.#closed = true
    this.#socket?.close(1000)
    this.#socket = undefined
    this.#failWaiters(new ClientClosedError('CLIENT_CLOSED', 'the client was shut down'))
  }

  /**
   * Sends one frame (connecting and authenticating first) and resolves with its
   * ack once the server committed; rejects with the typed error of an error
   * frame, or `STREAM_CLOSED` when the socket closed before the answer. The
   * error's `outcome` is `indeterminate` once the frame went out unanswered,
   * else `not_stored`.
   */
  async request(frame: Record<string, unknown>): Promise<AckFrame> {
    if (this.#closed) throw new ClientClosedError('CLIENT_CLOSED', 'the client was shut down').concerning([], 'not_stored')
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeoutMs = this.#options.requestTimeoutMs
    const progress = { sent: false, abandoned: false }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        progress.abandoned = true
        reject(new ClientClosedError('STREAM_TIMEOUT', `no answer on the live connection within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    const answered = this.#send(frame, progress)
    answered.catch(() => {})
    try {
      return await Promise.race([answered, timedOut])
    } catch (error) {
      // A socket that leaves a frame unanswered is not trusted with the next one.
      if (error instanceof ClientClosedError && error.code === 'STREAM_TIMEOUT') this.#socket?.close()
      const parley = error instanceof ParleyError ? error : new ClientClosedError('STREAM_CLOSED', String(error), { cause: error })
      // An error frame is the server's answer: it stored nothing.
      const outcome = progress.sent && !(error instanceof ParleyError && error.outcome === 'not_stored') ? 'indeterminate' : 'not_stored'
      throw parley.concerning([], outcome)
    } finally {
      clearTimeout(timer)
    }
  }

  async #send(frame: Record<string, unknown>, progress: { sent: boolean; abandoned: boolean }): Promise<AckFrame> {
    await this.#connect()
    // Given up on while connecting: sending it now would only make its outcome unknowable.
    if (progress.abandoned) throw new ClientClosedError('STREAM_TIMEOUT', 'abandoned before it was sent')
    const ref = this.#nextRef++
    const done = new Promise<AckFrame>((resolve, reject) => this.#waiters.set(ref, { resolve, reject }))
    this.#socket!.send(JSON.stringify({ ...frame, ref }))
    progress.sent = true
    return done
  }

  #connect(): Promise<void> {
    if (this.#ready) return this.#ready
    const WebSocketImpl = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!WebSocketImpl) {
      return Promise.reject(new ClientClosedError('NO_WEBSOCKET', 'no WebSocket here: pass `WebSocket` (e.g. from the ws package) in the options'))
    }
    const url = `${this.#options.baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/stream`
    const socket = new WebSocketImpl(url)
    this.#socket = socket
    this.#ready = new Promise<void>((resolve, reject) => {
      socket.onopen = () => {
        const ref = this.#nextRef++
        this.#waiters.set(ref, {
          resolve: () => {
            this.#attempt = 0
            resolve()
          },
          reject,
        })
        socket.send(JSON.stringify({ type: 'auth', ref, key: this.#options.apiKey }))
      }
      socket.onmessage = (event) => this.#receive(String(event.data))
      socket.onerror = () => {}
      socket.onclose = () => {
        const lost = new ClientClosedError('STREAM_CLOSED', 'the live connection closed')
        reject(lost)
        this.#dropped(socket, lost)
      }
    })
    this.#ready.catch(() => {})
    return this.#ready
  }

  #receive(text: string): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(text) as ServerFrame
    } catch {
      return
    }
    if (frame.type === 'ack' || frame.type === 'error') {
      const waiter = typeof frame.ref === 'number' ? this.#waiters.get(frame.ref) : undefined
      if (!waiter) return
      this.#waiters.delete(frame.ref as number)
      if (frame.type === 'ack') waiter.resolve(frame)
      else waiter.reject(errorFromWire(frame.status, { error: frame.error }).concerning([], 'not_stored'))
      return
    }
    const event = eventFromFrame(frame)
    const userId = event.type === 'message.created' ? event.message.userId : event.userId
    const keys = [topicKey({ session_id: event.sessionId }), ...(userId ? [topicKey({ user_id: userId })] : []), topicKey({ all: true })]
    for (const key of keys) for (const handler of this.#handlers.get(key)?.handlers ?? []) handler(event)
  }

  /** The socket closed: fail what waited on it, and reconnect while someone listens. */
  #dropped(socket: WebSocketLike, error: ParleyError): void {
    if (this.#socket !== socket) return
    this.#socket = undefined
    this.#ready = undefined
    this.#failWaiters(error)
    if (this.#closed || this.#handlers.size === 0) return
    const delay = backoffDelay(this.#attempt++, this.#options.retryBaseMs, this.#options.retryMaxMs)
    setTimeout(() => {
      if (this.#closed) return
      // Events sent while disconnected are lost; readers that must not miss any re-read with listMessages.
      for (const [key, { topic }] of this.#handlers) {
        this.request({ type: 'subscribe', ...topic }).catch((error) => {
          // Refused by the server (key revoked, session gone): retrying would not help.
          if (!(error instanceof ClientClosedError)) this.#handlers.delete(key)
        })
      }
    }, delay)
  }

  #failWaiters(error: ParleyError): void {
    for (const waiter of this.#waiters.values()) waiter.reject(error)
    this.#waiters.clear()
  }
}

function topicKey(topic: TopicWire): string {
  return 'session_id' in topic ? `session:${topic.session_id.toLowerCase()}` : 'user_id' in topic ? `user:${topic.user_id.toLowerCase()}` : 'all'
}

function eventFromFrame(frame: Exclude<ServerFrame, { type: 'ack' | 'error' }>): LiveEvent {
  switch (frame.type) {
    case 'session.started':
      return { type: frame.type, sessionId: frame.session_id, userId: frame.user_id, startedAt: new Date(frame.started_at) }
    case 'message.created':
      return { type: frame.type, sessionId: frame.session_id, message: storedMessageFromWire(frame.message) }
    case 'session.ended':
      return {
        type: frame.type,
        sessionId: frame.session_id,
        userId: frame.user_id,
        endedAt: new Date(frame.ended_at),
        durationSeconds: frame.duration_seconds,
        messageCount: frame.message_count,
        endedReason: frame.ended_reason,
      }
  }
}
