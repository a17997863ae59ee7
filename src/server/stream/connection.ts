import type { FastifyBaseLogger } from 'fastify'
import type { RawData, WebSocket } from 'ws'
import { ConflictError, UnavailableError, ValidationError } from '../../model/errors.js'
import type { ClientFrame, Ref, ServerFrame, SubscribeFrameWire, TopicWire } from '../../protocol/stream-frames.js'
import type { Tracker } from '../../tracker/tracker.js'
import { ForbiddenError, UnauthorizedError } from '../../model/errors.js'
import { assertScope, type Authenticate, type Principal } from '../plugins/auth.js'
import { errorFrame } from './error-frame.js'
import { ingestFrames, type AckBody } from './ingest.js'
import { parseFrame } from './parse-frame.js'
import type { ChangeFeed, Subscriber, Topic } from './subscriptions.js'
import { reachableSession, userScope } from '../session-access.js'
import { validateSessionId } from '../../model/validate.js'

/** Close code for a socket that did not authenticate (the 4000s are the application's). */
export const CLOSE_UNAUTHORIZED = 4401
/** Close code for a client that does not read what it is sent (policy violation). */
export const CLOSE_SLOW_READER = 1008
/** Close code when the server shuts down. */
export const CLOSE_GOING_AWAY = 1001

// After a close frame, how long a client that does not answer keeps its socket.
const CLOSE_GRACE_MS = 2000
const SHUTDOWN_WAIT_MS = 10_000

/** The per-socket limits of `GET /v1/stream`. */
export interface ConnectionLimits {
  /** Without a header, the `auth` frame must arrive within this. */
  authTimeoutMs: number
  /** A socket whose unsent data passes this is cut off (1008): it is not reading. */
  maxBufferedBytes: number
  /** Frames queued behind the one being handled before the socket stops reading. */
  maxPendingFrames: number
  maxSubscriptions: number
}

/** What a connection works with: shared by every socket of one app. */
export interface ConnectionDeps {
  tracker: Tracker
  feed: ChangeFeed
  authenticate: Authenticate
  log: FastifyBaseLogger
  limits: ConnectionLimits
}

/**
 * One client's socket. Its frames are handled one at a time in the order
 * sent, so a `message.add` right behind its `session.start` finds the session,
 * and the conversation is stored in the order it was spoken; each is answered
 * once its rows are committed.
 */
export class StreamConnection implements Subscriber {
  /** Cleared at each ping, set by the pong: a socket still false at the next ping is dead. */
  alive = true
  /** Who the socket authenticated as; undefined until then. */
  principal: Principal | undefined
  private ingest: ReturnType<typeof ingestFrames> | undefined
  private readonly queue: string[] = []
  private current: Promise<void> | undefined
  private readonly topics = new Map<string, Topic>()
  private authTimer: NodeJS.Timeout | undefined
  private authenticating = false
  private ending = false
  /** What frames that arrive while the socket ends are answered with. */
  private refusal: Error | undefined

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
    principal: Principal | undefined,
  ) {
    if (principal) this.authenticated(principal)
    else {
      this.authTimer = setTimeout(() => {
        if (this.principal || this.authenticating) return
        const seconds = deps.limits.authTimeoutMs / 1000
        this.refuse(null, new UnauthorizedError('UNAUTHORIZED', `send {"type": "auth", "key": "<key>"} within ${seconds}s, or Authorization: Bearer <key> on the upgrade`))
      }, deps.limits.authTimeoutMs)
    }
    socket.on('message', (data) => this.receive(data))
    socket.on('pong', () => {
      this.alive = true
    })
    socket.on('close', () => this.dispose())
  }

  /** A live event for one of this socket's subscriptions. */
  deliver(event: ServerFrame): void {
    this.send(event)
  }

  /** Pings, or ends a socket that did not answer the previous ping. */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate()
      return
    }
    this.alive = false
    if (this.socket.readyState === this.socket.OPEN) this.socket.ping()
  }

  /** For a server shutdown: refuses what is queued, finishes the frame in hand, closes with 1001. */
  async shutdown(): Promise<void> {
    this.ending = true
    this.refusal ??= new UnavailableError('SHUTTING_DOWN', 'the server is shutting down; send this frame again on a new connection')
    this.refuseQueued()
    if (this.current) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([this.current, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))])
      clearTimeout(timer)
    }
    this.close(CLOSE_GOING_AWAY, 'the server is shutting down')
  }

  /**
   * For a credential that stopped holding (a revoked key, an expired JWT):
   * queued frames are refused with 401, the frame in hand finishes and is
   * answered (it was allowed when it began), then the socket closes with 4401.
   */
  async revoke(reason: string): Promise<void> {
    if (this.ending) return
    this.ending = true
    this.refusal = new UnauthorizedError('UNAUTHORIZED', `${reason}; nothing more is accepted on this socket`)
    this.refuseQueued()
    if (this.current) await this.current
    this.refuse(null, this.refusal)
  }

  private receive(data: RawData): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8')
    this.queue.push(text)
    if (this.ending) return this.refuseQueued()
    // Stop reading rather than queue without end; TCP then slows the client down.
    if (this.queue.length > this.deps.limits.maxPendingFrames && !this.socket.isPaused) this.socket.pause()
    if (!this.current) this.current = this.drain()
  }

  private async drain(): Promise<void> {
    for (let text = this.queue.shift(); text !== undefined && !this.ending; text = this.queue.shift()) {
      if (this.socket.isPaused && this.queue.length <= this.deps.limits.maxPendingFrames / 2) this.socket.resume()
      await this.handle(text)
    }
    this.current = undefined
  }

  private async handle(text: string): Promise<void> {
    const parsed = parseFrame(text)
    if (!this.principal) return this.handleAuth(parsed.ref, parsed.frame)
    if (parsed.error) return void this.send(errorFrame(parsed.ref, parsed.error, this.deps.log))
    try {
      this.send({ type: 'ack', ref: parsed.ref, ...(await this.dispatch(parsed.frame)) } as ServerFrame)
    } catch (error) {
      this.send(errorFrame(parsed.ref, error, this.deps.log))
    }
  }

  private async handleAuth(ref: Ref, frame: ClientFrame | undefined): Promise<void> {
    if (frame?.type !== 'auth') {
      return this.refuse(ref, new UnauthorizedError('UNAUTHORIZED', 'the first frame must be {"type": "auth", "key": "<key>"}'))
    }
    this.authenticating = true
    try {
      const principal = await this.deps.authenticate(frame.key)
      this.authenticated(principal)
      this.send({ type: 'ack', ref, principal: { scope: principal.scope, user_id: principal.userId } })
    } catch (error) {
      this.refuse(ref, error)
    } finally {
      this.authenticating = false
    }
  }

  private authenticated(principal: Principal): void {
    clearTimeout(this.authTimer)
    this.principal = principal
    this.ingest = ingestFrames(this.deps.tracker, principal)
  }

  private async dispatch(frame: ClientFrame): Promise<AckBody> {
    const ingest = this.ingest!
    switch (frame.type) {
      case 'auth':
        throw new ConflictError('ALREADY_AUTHENTICATED', 'this socket is already authenticated')
      case 'session.start':
        assertScope(this.principal!, 'ingest')
        return ingest.start(frame)
      case 'message.add':
        assertScope(this.principal!, 'ingest')
        return ingest.add(frame)
      case 'session.end':
        assertScope(this.principal!, 'ingest')
        return ingest.end(frame)
      case 'subscribe':
        assertScope(this.principal!, 'read')
        return this.subscribe(frame)
      case 'unsubscribe': {
        const topic = this.topicOf(frame)
        this.deps.feed.unsubscribe(this, topic)
        this.topics.delete(topicKey(topic))
        return { unsubscribed: wireTopic(topic) }
      }
    }
  }

  private async subscribe(frame: SubscribeFrameWire): Promise<AckBody> {
    const topic = this.topicOf(frame)
    if ('sessionId' in topic) await reachableSession(this.deps.tracker, this.principal, topic.sessionId)
    else if ('userId' in topic) userScope(this.principal, topic.userId)
    const key = topicKey(topic)
    if (!this.topics.has(key) && this.topics.size >= this.deps.limits.maxSubscriptions) {
      throw new ValidationError(frame.session_id ? 'session_id' : 'user_id', `this socket already holds ${this.topics.size} subscriptions, the most allowed; unsubscribe first`, 'TOO_MANY_SUBSCRIPTIONS')
    }
    await this.deps.feed.subscribe(this, topic)
    // The socket may have closed while the feed started.
    if (this.socket.readyState !== this.socket.OPEN) this.deps.feed.unsubscribe(this, topic)
    else this.topics.set(key, topic)
    return { subscribed: wireTopic(topic) }
  }

  private topicOf(frame: SubscribeFrameWire): Topic {
    if ([frame.session_id, frame.user_id, frame.all].filter((given) => given !== undefined).length > 1) {
      throw new ValidationError(frame.all ? 'all' : 'user_id', 'send one of session_id, user_id or all')
    }
    if (frame.session_id) return { sessionId: frame.session_id.toLowerCase() }
    if (frame.user_id) return { userId: validateSessionId(frame.user_id, 'user_id') }
    // A key bound to a user follows all it may read: its user's sessions.
    if (frame.all) return this.principal!.userId ? { userId: this.principal!.userId } : { all: true }
    throw new ValidationError('session_id', 'is required (or user_id, for all of a user’s sessions, or all: true)')
  }

  private send(frame: ServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return
    if (this.socket.bufferedAmount > this.deps.limits.maxBufferedBytes) {
      this.deps.log.warn({ bufferedBytes: this.socket.bufferedAmount, keyPrefix: this.principal?.keyPrefix }, 'stream client is not reading; cut off')
      this.close(CLOSE_SLOW_READER, 'not reading: unsent data passed the limit')
      return
    }
    this.socket.send(JSON.stringify(frame))
  }

  private refuse(ref: Ref, error: unknown): void {
    this.send(errorFrame(ref, error, this.deps.log))
    this.close(CLOSE_UNAUTHORIZED, 'authentication required')
  }

  private refuseQueued(): void {
    const error = this.refusal
    const texts = this.queue.splice(0)
    if (error) for (const text of texts) this.send(errorFrame(parseFrame(text).ref, error, this.deps.log))
  }

  private close(code: number, reason: string): void {
    this.ending = true
    this.queue.length = 0
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason)
    // A client that does not read never answers the close frame either.
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref()
  }

  private dispose(): void {
    this.ending = true
    this.queue.length = 0
    clearTimeout(this.authTimer)
    for (const topic of this.topics.values()) this.deps.feed.unsubscribe(this, topic)
    this.topics.clear()
  }
}

const topicKey = (topic: Topic): string => ('sessionId' in topic ? `session:${topic.sessionId}` : 'userId' in topic ? `user:${topic.userId}` : 'all')

const wireTopic = (topic: Topic): TopicWire =>
  'sessionId' in topic ? { session_id: topic.sessionId } : 'userId' in topic ? { user_id: topic.userId } : { all: true }
