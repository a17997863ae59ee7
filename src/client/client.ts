// `ParleyClient`: the tracker's methods over the HTTP API, with batched writes.
import {
  endedFromWire,
  messageInputToWire,
  searchPageFromWire,
  statsFromWire,
  sessionFromWire,
  storedMessageFromWire,
} from '../protocol/convert.js'
import type { MessageInputWire, MessageWire, SessionWire } from '../protocol/schemas.js'
import type { SchemaReportWire, SearchPageWire, SessionListItemWire, StatsWire } from '../protocol/schemas.js'
import { schemaReportFromWire, type SchemaReport } from './reads.js'
import {
  type AddMessageInput,
  type ConversationStats,
  type EndedSession,
  type EndSessionOptions,
  type ListMessagesOptions,
  type ListSessionsOptions,
  type Message,
  type SearchOptions,
  type SearchPage,
  type Session,
  type SessionPage,
  type StartSessionInput,
  type StatsOptions,
} from '../model/types.js'
import { validateMessages } from '../model/validate.js'
import type { RedactedText } from '../model/redact.js'
import { DEFAULT_LIMITS, MAX_BODY_BYTES, MAX_MESSAGES_PER_REQUEST, type Limits } from '../model/limits.js'
import { Batcher, type DeliveryStats } from './batcher.js'
import { ClientClosedError, ParleyError, ValidationError } from '../model/errors.js'
import type { ExportFormatName } from '../model/export-formats.js'
import { createHttp, type FetchLike, type Http } from './http.js'
import { StreamSocket, type LiveEvent, type WebSocketConstructor } from './stream-socket.js'
import { wsSender } from './ws-ingest.js'
import { timeOrderedId } from '../model/time-ordered-id.js'


/** Defaults of the options below. */
export const CLIENT_DEFAULTS = {
  flushAt: 50,
  flushIntervalMs: 100,
  maxQueueMessages: 10_000,
  maxQueueBytes: 16 * 1024 * 1024,
  // Headroom under the server's body limit for the JSON around the messages.
  maxBatchBytes: Math.floor(MAX_BODY_BYTES * 0.75),
  maxRetries: Number.POSITIVE_INFINITY,
  // Covers an ordinary restart (seconds) and a database outage of half a minute with room to spare.
  retryBudgetMs: 60_000,
  retryBaseMs: 100,
  // Short enough that a batch waiting out a restart goes within seconds of the server's return.
  retryMaxMs: 5_000,
  requestTimeoutMs: 30_000,
} as const

export interface ParleyClientOptions {
  /** The server, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string
  /** An API key (`ingest` to write, `read` to read, `admin` for both) or a user's JWT. */
  apiKey: string
  /** Send a session's batch once this many messages wait (default 50, at most 500). */
  flushAt?: number
  /** Send a session's waiting messages at most this long after the first (default 100 ms). */
  flushIntervalMs?: number
  /** Most messages queued or in flight; beyond, `addMessage` rejects with `QueueFullError` (default 10,000). */
  maxQueueMessages?: number
  /** Most bytes of message JSON queued or in flight (default 16 MiB). */
  maxQueueBytes?: number
  /** Most bytes of JSON in one batch request (default 3 MiB; the server refuses bodies over 4 MiB). */
  maxBatchBytes?: number
  /**
   * How long a request (a batch of messages, a session start or end) keeps
   * being retried after a network error, 5xx or 429, from its first attempt
   * (default 60 s, enough to ride out a server restart); other 4xx are never
   * retried. A retry that could only start after the budget is not made.
   */
  retryBudgetMs?: number
  /** Most retries of one request, within the budget (default: no count, only the budget). */
  maxRetries?: number
  /** First backoff, doubled each retry, with full jitter (default 100 ms). */
  retryBaseMs?: number
  /** Longest backoff between attempts (default 5 s); a server's `Retry-After` is obeyed even when longer. */
  retryMaxMs?: number
  /** Abandon (and retry) an attempt without an answer after this long (default 30 s). */
  requestTimeoutMs?: number
  /**
   * The sizes a message is checked against before it is queued (default: the
   * server's defaults, 256 KiB of content and 64 KiB of metadata). A message
   * that fails is rejected at once with `ValidationError`, as the library would.
   */
  limits?: Partial<Pick<Limits, 'maxContentBytes' | 'maxMetadataBytes'>>
  /** The `fetch` to use (default `globalThis.fetch`): for proxies, tests, instrumentation. */
  fetch?: FetchLike
  /**
   * How batches of messages travel: `http` (default, a POST each) or
   * `websocket` (frames on one socket, acked after commit, resent on a new
   * socket when it drops). Sessions start and end over HTTP either way.
   */
  transport?: 'http' | 'websocket'
  /** The `WebSocket` for `subscribe` and the websocket transport (default `globalThis.WebSocket`; in Node 20 pass the ws package's). */
  WebSocket?: WebSocketConstructor
  /** Called with the number of messages refused each time the queue is full. */
  onDropped?: (count: number) => void
  /**
   * Cleans each message's `content` before it is checked, queued or sent, so
   * personal data never leaves this process. Return the text, or
   * `{ text, redacted }` to also record the kinds in `metadata.redacted`, as
   * the server's redaction does; `createRedactor(kinds)` from `parley` gives
   * the server's rules (`mask: redactor.redact`).
   */
  mask?: (text: string) => string | RedactedText
}

/** What `flush()` and `shutdown()` report: never "ok" while something was lost. */
export type { DeliveryStats }

/**
 * The Parley SDK for Node 20 and browsers: the tracker's methods and shapes
 * over the HTTP API, using only `fetch`. `addMessage` is batched per session
 * and resolves once its row is committed; retries never store a message twice
 * because each message gets its UUIDv7 id when it is queued. A rejection names
 * its messages (`error.messageIds`) and says whether they may be stored
 * (`error.outcome`: `indeterminate` or `not_stored`); resending them with
 * those ids stores each once.
 *
 * @example
 * const parley = new ParleyClient({ baseUrl: 'http://127.0.0.1:8787', apiKey: process.env.PARLEY_KEY! })
 * const { sessionId } = await parley.startSession({ userId })
 * void parley.addMessage({ sessionId, role: 'user', content: 'Hello' })
 * const { messageCount } = await parley.endSession(sessionId, { reason: 'hangup' })
 * await parley.shutdown({ timeoutMs: 5000 })
 */
export class ParleyClient {
  readonly #http: Http
  readonly #batcher: Batcher
  readonly #live: StreamSocket
  readonly #limits: Limits
  readonly #mask: ParleyClientOptions['mask']

  constructor(options: ParleyClientOptions) {
    // Else every request would go out as `Bearer undefined` and come back as "key not valid".
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new ValidationError('apiKey', 'is missing: pass the API key (parley keys create --scope ingest) as apiKey')
    }
    if (options.mask !== undefined && typeof options.mask !== 'function') {
      throw new ValidationError('mask', 'must be a function from text to text (or to { text, redacted })')
    }
    this.#mask = options.mask
    const settings = { ...CLIENT_DEFAULTS, ...definedOnly(options) }
    // Batches are split by the client, so a call may hold any number of messages.
    this.#limits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}), maxMessagesPerCall: Number.POSITIVE_INFINITY }
    const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init))
    this.#http = createHttp({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      fetch: fetchImpl,
      maxRetries: settings.maxRetries,
      retryBudgetMs: settings.retryBudgetMs,
      retryBaseMs: settings.retryBaseMs,
      retryMaxMs: settings.retryMaxMs,
      requestTimeoutMs: settings.requestTimeoutMs,
    })
    this.#live = new StreamSocket({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      WebSocket: options.WebSocket,
      retryBaseMs: settings.retryBaseMs,
      retryMaxMs: settings.retryMaxMs,
      requestTimeoutMs: settings.requestTimeoutMs,
    })
    const overSocket = wsSender(this.#live, settings)
    this.#batcher = new Batcher({
      flushAt: Math.max(1, Math.min(MAX_MESSAGES_PER_REQUEST, settings.flushAt)),
      flushIntervalMs: settings.flushIntervalMs,
      maxQueueMessages: settings.maxQueueMessages,
      maxQueueBytes: settings.maxQueueBytes,
      maxBatchBytes: settings.maxBatchBytes,
      send:
        options.transport === 'websocket'
          ? overSocket
          : async (sessionId, messages) =>
              (await this.#http<{ messages: MessageWire[] }>('POST', `${sessionPath(sessionId)}/messages`, { messages })).messages,
      ...(options.onDropped && { onDropped: options.onDropped }),
    })
  }

  /** Starts a session (idempotent on `sessionId`; one is generated when absent, so a retry is safe). */
  async startSession(input: StartSessionInput = {}): Promise<Session> {
    const body = {
      session_id: input.sessionId ?? timeOrderedId(),
      ...(input.userId !== undefined && { user_id: input.userId }),
      ...(input.metadata !== undefined && { metadata: input.metadata }),
      ...(input.startedAt !== undefined && { started_at: new Date(input.startedAt).toISOString() }),
    }
    return sessionFromWire(await this.#http<SessionWire>('POST', '/v1/sessions', body))
  }

  /**
   * Queues one message (with a UUIDv7 id unless given); resolves with the
   * stored row once its batch is committed. A rejection keeps the error's
   * class and carries `messageIds` (this message's id) and `outcome`.
   *
   * @example
   * await parley.addMessage(input).catch((error) => {
   *   // Safe to resend either way: the server stores an id once.
   *   if (error.outcome === 'indeterminate') return parley.addMessage({ ...input, id: error.messageIds[0] })
   *   throw error
   * })
   */
  async addMessage(input: AddMessageInput): Promise<Message> {
    const [wire] = this.#toWire([input])
    const [promise] = this.#batcher.enqueue(input.sessionId, [wire!])
    return storedMessageFromWire(await promise!)
  }

  /**
   * Queues messages in order (a session's messages all or none when the queue
   * is full); resolves with the stored rows. A rejection has the class of the
   * first failure and names every message of the call that was not
   * acknowledged (`messageIds`, in call order); `outcome` is `indeterminate`
   * when any of them may be stored.
   */
  async addMessages(inputs: readonly AddMessageInput[]): Promise<Message[]> {
    const wires = this.#toWire(inputs)
    const bySession = new Map<string, number[]>()
    inputs.forEach((input, index) => bySession.set(input.sessionId, [...(bySession.get(input.sessionId) ?? []), index]))
    const promises: Promise<MessageWire>[] = []
    for (const [sessionId, indexes] of bySession) {
      const queued = this.#batcher.enqueue(sessionId, indexes.map((index) => wires[index]!))
      indexes.forEach((index, position) => (promises[index] = queued[position]!))
    }
    // Every promise is awaited so none rejects unobserved.
    const settled = await Promise.allSettled(promises)
    const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as ParleyError] : []))
    if (failures.length > 0) {
      const outcome = failures.some((failure) => failure.outcome === 'indeterminate') ? 'indeterminate' : 'not_stored'
      throw failures[0]!.concerning(
        failures.flatMap((failure) => failure.messageIds),
        outcome,
      )
    }
    return settled.map((result) => storedMessageFromWire((result as PromiseFulfilledResult<MessageWire>).value))
  }

  /** Sends the session's queued messages, then ends it: the count returned includes them. */
  async endSession(sessionId: string, options: EndSessionOptions = {}): Promise<EndedSession> {
    await this.#batcher.drainSession(sessionId)
    const body = options.reason === undefined ? {} : { reason: options.reason }
    return endedFromWire(await this.#http('POST', `${sessionPath(sessionId)}/end`, body))
  }

  /** The session with its message count; `NotFoundError` when there is none. */
  async getSession(sessionId: string): Promise<Session> {
    return sessionFromWire(await this.#http<SessionWire>('GET', sessionPath(sessionId)))
  }

  /**
   * The session's messages in conversation order, one page at a time.
   *
   * @example
   * for await (const page of parley.listMessages(sessionId)) for (const message of page) console.log(message.content)
   */
  async *listMessages(sessionId: string, options: ListMessagesOptions = {}): AsyncGenerator<Message[], void, undefined> {
    let after = options.after
    do {
      const query = new URLSearchParams()
      if (after !== undefined) query.set('after', after)
      if (options.limit !== undefined) query.set('limit', String(options.limit))
      const suffix = query.size > 0 ? `?${query}` : ''
      const page = await this.#http<{ messages: MessageWire[]; next_cursor: string | null }>('GET', `${sessionPath(sessionId)}/messages${suffix}`)
      if (page.messages.length > 0) yield page.messages.map(storedMessageFromWire)
      after = page.next_cursor ?? undefined
    } while (after !== undefined)
  }

  /** One page of sessions, newest first; pass `nextCursor` as `cursor` for the next. */
  async listSessions(options: ListSessionsOptions = {}): Promise<SessionPage> {
    const query = new URLSearchParams()
    if (options.userId !== undefined) query.set('user_id', options.userId)
    if (options.active !== undefined) query.set('active', String(options.active))
    if (options.from !== undefined) query.set('from', new Date(options.from).toISOString())
    if (options.to !== undefined) query.set('to', new Date(options.to).toISOString())
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.cursor !== undefined) query.set('cursor', options.cursor)
    if (options.metadata !== undefined) query.set('metadata', JSON.stringify(options.metadata))
    if (options.minDuration !== undefined) query.set('min_duration', String(options.minDuration))
    const suffix = query.size > 0 ? `?${query}` : ''
    const page = await this.#http<{ sessions: SessionListItemWire[]; next_cursor: string | null }>('GET', `/v1/sessions${suffix}`)
    return {
      sessions: page.sessions.map((wire) => ({ ...sessionFromWire(wire), preview: wire.preview })),
      nextCursor: page.next_cursor,
    }
  }

  /** Messages whose content matches `q`, newest first, with highlighted snippets; pass `nextCursor` as `cursor` for more. */
  async search(options: SearchOptions): Promise<SearchPage> {
    const query = new URLSearchParams({ q: options.q })
    if (options.userId !== undefined) query.set('user_id', options.userId)
    if (options.role !== undefined) query.set('role', options.role)
    if (options.from !== undefined) query.set('from', new Date(options.from).toISOString())
    if (options.to !== undefined) query.set('to', new Date(options.to).toISOString())
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.cursor !== undefined) query.set('cursor', options.cursor)
    return searchPageFromWire(await this.#http<SearchPageWire>('GET', `/v1/search?${query}`))
  }

  /** Sessions per day, durations, messages per session and busiest hours, over sessions started in [from, to). */
  async getStats(options: StatsOptions = {}): Promise<ConversationStats> {
    const query = new URLSearchParams()
    if (options.from !== undefined) query.set('from', new Date(options.from).toISOString())
    if (options.to !== undefined) query.set('to', new Date(options.to).toISOString())
    if (options.userId !== undefined) query.set('user_id', options.userId)
    const suffix = query.size > 0 ? `?${query}` : ''
    return statsFromWire(await this.#http<StatsWire>('GET', `/v1/stats${suffix}`))
  }

  /** The doctor's report on the server's database: the same as `parley doctor --json`. */
  async getSchemaReport(): Promise<SchemaReport> {
    return schemaReportFromWire(await this.#http<SchemaReportWire>('GET', '/v1/schema-report'))
  }

  /**
   * A session exported as `parley export --format <format>` writes it (default
   * json, the parley format), as text for a download; `NotFoundError` when the
   * caller may not read it.
   */
  exportSession(sessionId: string, format: ExportFormatName = 'json'): Promise<string> {
    return this.#http<string>('GET', `${sessionPath(sessionId)}/export?format=${encodeURIComponent(format)}`, undefined, 'text')
  }

  /**
   * Live events of a session (`message.created`, `session.ended`) over the
   * WebSocket `/v1/stream`, as they commit. Resolves once the server confirmed,
   * with a function that unsubscribes. The socket reconnects with backoff;
   * events sent while it was down are missed (re-read with `listMessages`).
   */
  subscribe(sessionId: string, handler: (event: LiveEvent) => void): Promise<() => Promise<void>> {
    return this.#live.subscribe(sessionId, handler)
  }

  /**
   * Live events of every session the key may read (of its user's, for a key
   * bound to one), or of one user's sessions: `session.started` as each
   * begins, then its `message.created` and `session.ended`. Resolves once the
   * server confirmed, with a function that unsubscribes.
   */
  subscribeSessions(handler: (event: LiveEvent) => void, options: { userId?: string } = {}): Promise<() => Promise<void>> {
    return this.#live.follow(options.userId === undefined ? { all: true } : { user_id: options.userId }, handler)
  }

  /** Sends everything queued and waits for it; reports what was delivered, is pending, was dropped or failed. */
  flush(): Promise<DeliveryStats> {
    return this.#batcher.drain()
  }

  /** The counters so far, without waiting. */
  stats(): DeliveryStats {
    return this.#batcher.stats()
  }

  /**
   * Accepts nothing more, sends what is queued for up to `timeoutMs` (default
   * 10 s) and reports the figures. Messages not sent by then are rejected with
   * `ClientClosedError` and counted in `pending`.
   */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<DeliveryStats> {
    this.#batcher.close()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 10_000)
    })
    const outcome = await Promise.race([this.#batcher.drain(), timedOut])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      this.#batcher.abandonWaiting(new ClientClosedError('CLIENT_CLOSED', 'the client shut down before this message was sent'))
    }
    this.#live.close()
    return this.#batcher.stats()
  }

  /**
   * Gives each message its id (before anything else, so that every rejection
   * can name it), then checks them as the library would: all or none queued.
   */
  #toWire(inputs: readonly AddMessageInput[]): MessageInputWire[] {
    const identified = Array.isArray(inputs) ? inputs.map(withId) : inputs
    try {
      const masked = this.#mask && Array.isArray(identified) ? identified.map((input) => maskedInput(input, this.#mask!)) : identified
      const valid = validateMessages(masked, this.#limits)
      return masked.map((input, index) => messageInputToWire({ ...input, id: valid[index]!.id }))
    } catch (error) {
      if (!(error instanceof ParleyError)) throw error
      const ids = Array.isArray(identified) ? identified.flatMap((input) => (typeof input?.id === 'string' ? [input.id] : [])) : []
      throw error.concerning(ids, 'not_stored')
    }
  }
}

/** A GET whose answer is text, not JSON (exports); errors as the library's typed ones. */
function sessionPath(sessionId: string): string {
  return `/v1/sessions/${encodeURIComponent(sessionId)}`
}

function maskedInput(input: AddMessageInput, mask: NonNullable<ParleyClientOptions['mask']>): AddMessageInput {
  if (typeof input !== 'object' || input === null || typeof input.content !== 'string') return input
  const result = mask(input.content)
  if (typeof result === 'string') return { ...input, content: result }
  if (typeof result !== 'object' || result === null || typeof result.text !== 'string' || !Array.isArray(result.redacted)) {
    throw new ValidationError('mask', 'must return a string or { text, redacted }')
  }
  if (result.redacted.length === 0) return { ...input, content: result.text }
  const metadata = input.metadata ?? {}
  return { ...input, content: result.text, metadata: { ...metadata, redacted: [...result.redacted] } }
}

/** The message with a new UUIDv7 id when it has none (anything that is not a message is left for validation to name). */
function withId(input: AddMessageInput): AddMessageInput {
  if (typeof input !== 'object' || input === null || input.id !== undefined) return input
  return { ...input, id: timeOrderedId() }
}

function definedOnly<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>
}
