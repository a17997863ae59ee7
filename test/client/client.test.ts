import { v7 as uuidv7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import {
  ClientClosedError,
  NotFoundError,
  ParleyClient,
  QueueFullError,
  UnauthorizedError,
  ValidationError,
  type Message,
  type ParleyClientOptions,
} from '../../src/client/index.js'
import { describeEachBackend } from '../support/backends.js'
import { errorResponse, liveServer, recordingFetch } from './support.js'

async function allMessages(client: ParleyClient, sessionId: string, limit?: number): Promise<{ pages: number; messages: Message[] }> {
  const messages: Message[] = []
  let pages = 0
  for await (const page of client.listMessages(sessionId, limit === undefined ? {} : { limit })) {
    pages++
    messages.push(...page)
  }
  return { pages, messages }
}

describeEachBackend('client SDK', (backend) => {
  const server = liveServer(backend)
  const client = (options: Partial<ParleyClientOptions> = {}) =>
    new ParleyClient({ baseUrl: server.baseUrl, apiKey: server.adminKey, retryBaseMs: 5, ...options })

  it('a whole conversation through the SDK equals what the database holds', async () => {
    const parley = client()
    const userId = uuidv7()
    const session = await parley.startSession({ userId, metadata: { channel: 'voice' } })
    expect(session).toMatchObject({ userId, isActive: true, messageCount: 0, metadata: { channel: 'voice' } })
    const turns = [
      { role: 'user', content: 'What is the weather?', audioUrl: 'https://example.test/1.wav' },
      { role: 'assistant', content: 'Sunny, 24 degrees.', metadata: { latency_ms: 420 } },
      { role: 'user', content: 'And tomorrow?' },
      { role: 'assistant', content: 'Rain.' },
    ] as const
    const sent = await Promise.all(turns.map((turn) => parley.addMessage({ sessionId: session.sessionId, ...turn })))
    expect(sent.map((message) => message.seq)).toEqual([...sent.map((message) => message.seq)].sort((a, b) => a - b))
    const ended = await parley.endSession(session.sessionId, { reason: 'hangup' })
    expect(ended).toMatchObject({ sessionId: session.sessionId, messageCount: 4 })
    expect(ended.endedAt).toBeInstanceOf(Date)

    expect(await parley.getSession(session.sessionId)).toEqual(await server.tracker.getSession(session.sessionId))
    const { messages, pages } = await allMessages(parley, session.sessionId, 3)
    expect(pages).toBe(2)
    expect(messages).toEqual(await server.tracker.listMessages(session.sessionId))
    expect(messages).toEqual(sent)
    expect(messages.map((message) => message.content)).toEqual(turns.map((turn) => turn.content))
    const page = await parley.listSessions({ userId, active: false })
    expect(page.sessions.map((row) => row.sessionId)).toEqual([session.sessionId])
    expect(page.sessions[0]).toMatchObject({ endedReason: 'hangup', messageCount: 4 })
    expect(await parley.shutdown()).toEqual({ delivered: 4, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
  })

  it('batches many addMessage calls into few POSTs, in call order', async () => {
    const recorder = recordingFetch()
    const parley = client({ fetch: recorder.fetch, flushAt: 50, flushIntervalMs: 200 })
    const { sessionId } = await parley.startSession()
    const stored = await Promise.all(
      Array.from({ length: 120 }, (_, index) => parley.addMessage({ sessionId, role: 'user', content: `turn ${index}` })),
    )
    expect(recorder.posts('/messages').map((call) => call.body.messages.length)).toEqual([50, 50, 20])
    expect(stored.map((message) => message.content)).toEqual(Array.from({ length: 120 }, (_, index) => `turn ${index}`))
    const inDatabase = await server.tracker.listMessages(sessionId, { limit: 1000 })
    expect(inDatabase.map((message) => message.content)).toEqual(stored.map((message) => message.content))
  })

  it('sends a small batch after flushIntervalMs', async () => {
    const recorder = recordingFetch()
    const parley = client({ fetch: recorder.fetch, flushIntervalMs: 20 })
    const { sessionId } = await parley.startSession()
    const started = Date.now()
    await Promise.all([1, 2, 3].map((n) => parley.addMessage({ sessionId, role: 'user', content: `${n}` })))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(recorder.posts('/messages')).toHaveLength(1)
  })

  it('retries a batch whose answer was lost, and stores nothing twice', async () => {
    const recorder = recordingFetch(async (call, _index, real) => {
      if (call.url.endsWith('/messages') && recorder.posts('/messages').length === 1) {
        await real() // the server commits; the answer never arrives
        throw new TypeError('fetch failed: socket hang up')
      }
      return undefined
    })
    const parley = client({ fetch: recorder.fetch })
    const { sessionId } = await parley.startSession()
    const stored = await parley.addMessages(
      Array.from({ length: 5 }, (_, index) => ({ sessionId, role: 'assistant' as const, content: `part ${index}` })),
    )
    const posts = recorder.posts('/messages')
    expect(posts).toHaveLength(2)
    expect(posts[1]!.body).toEqual(posts[0]!.body) // same ids
    expect(await server.tracker.listMessages(sessionId)).toEqual(stored)
    expect((await server.tracker.getSession(sessionId)).messageCount).toBe(5)
  })

  it('never retries other 4xx, and rejects with the typed error', async () => {
    const recorder = recordingFetch()
    const parley = client({ fetch: recorder.fetch })
    const missing = uuidv7()
    const notFound = await parley.addMessage({ sessionId: missing, role: 'user', content: 'hi' }).catch((error) => error)
    expect(notFound).toBeInstanceOf(NotFoundError)
    expect(notFound.code).toBe('SESSION_NOT_FOUND')
    expect(recorder.posts('/messages')).toHaveLength(1)

    await expect(parley.getSession(missing)).rejects.toBeInstanceOf(NotFoundError)

    const stranger = new ParleyClient({ baseUrl: server.baseUrl, apiKey: 'not-a-key', fetch: recorder.fetch })
    const before = recorder.calls.length
    await expect(stranger.startSession()).rejects.toBeInstanceOf(UnauthorizedError)
    expect(recorder.calls.length - before).toBe(1)
    expect(parley.stats()).toMatchObject({ failed: 1, pending: 0 })
  })

  it('checks messages as the library does before queueing: a bad field rejects at once and nothing is sent', async () => {
    const recorder = recordingFetch()
    const parley = client({ fetch: recorder.fetch, limits: { maxContentBytes: 10 } })
    const { sessionId } = await parley.startSession()
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ sessionId, role: 'robot', content: 'hi' }, 'role'],
      [{ sessionId: 'not-a-uuid', role: 'user', content: 'hi' }, 'sessionId'],
      [{ sessionId, role: 'user', content: 'far more than ten bytes' }, 'content'],
      [{ sessionId, role: 'user', content: 'hi', id: 'x' }, 'id'],
      [{ sessionId, role: 'user', content: 'hi', createdAt: 'yesterday' }, 'createdAt'],
      [{ sessionId, role: 'user', content: 'hi', colour: 'red' }, 'colour'],
    ]
    for (const [input, field] of cases) {
      const error = await parley.addMessage(input as never).catch((caught) => caught)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', field })
    }
    const batch = [{ sessionId, role: 'user' as const, content: 'ok' }, { sessionId, role: 'user' as const, content: 42 as never }]
    await expect(parley.addMessages(batch)).rejects.toMatchObject({ field: 'messages[1].content' })
    expect(await parley.flush()).toEqual({ delivered: 0, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
    expect(recorder.posts('/messages')).toHaveLength(0)
    expect((await server.tracker.getSession(sessionId)).messageCount).toBe(0)
  })

  it('retries 503 and 429, honouring Retry-After', async () => {
    const recorder = recordingFetch(async (call, index) => {
      if (!call.url.endsWith('/messages')) return undefined
      const attempt = recorder.posts('/messages').length
      if (attempt === 1) return errorResponse(503, 'DATABASE_UNAVAILABLE', { 'retry-after': '0' })
      if (attempt === 2) return errorResponse(429, 'RATE_LIMITED', { 'retry-after': '1' })
      void index
      return undefined
    })
    const parley = client({ fetch: recorder.fetch })
    const { sessionId } = await parley.startSession()
    const started = Date.now()
    const message = await parley.addMessage({ sessionId, role: 'user', content: 'still there?' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(recorder.posts('/messages')).toHaveLength(3)
    expect(await server.tracker.listMessages(sessionId)).toEqual([message])
  })

  it('abandons an attempt without an answer after requestTimeoutMs and retries it', async () => {
    let hung = 0
    const parley = client({
      requestTimeoutMs: 100,
      fetch: (url, init) => {
        if (url.endsWith('/messages') && hung++ === 0) {
          return new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
        }
        return globalThis.fetch(url, init)
      },
    })
    const { sessionId } = await parley.startSession()
    const message = await parley.addMessage({ sessionId, role: 'user', content: 'hello?' })
    expect(hung).toBe(2)
    expect(await server.tracker.listMessages(sessionId)).toEqual([message])
  })

  it('exportSession retries like every request, and returns the body as sent', async () => {
    const recorder = recordingFetch(async (call) =>
      call.url.includes('/export') && recorder.calls.filter((seen) => seen.url.includes('/export')).length === 1
        ? errorResponse(503, 'DATABASE_UNAVAILABLE', { 'retry-after': '0' })
        : undefined,
    )
    const parley = client({ fetch: recorder.fetch })
    const { sessionId } = await parley.startSession()
    await parley.addMessage({ sessionId, role: 'user', content: 'Hello, "quoted", there' })
    const csv = await parley.exportSession(sessionId, 'csv')
    expect(recorder.calls.filter((call) => call.url.includes('/export'))).toHaveLength(2)
    expect(csv.split('\n')[0]).toMatch(/^session_id,seq,message_id,/)
    expect(csv).toContain('"Hello, ""quoted"", there"')
  })

  it('gives up after maxRetries with the last error', async () => {
    const recorder = recordingFetch(async (call) => (call.url.endsWith('/end') ? errorResponse(503, 'DATABASE_UNAVAILABLE', { 'retry-after': '0' }) : undefined))
    const parley = client({ fetch: recorder.fetch, maxRetries: 2 })
    const { sessionId } = await parley.startSession()
    await expect(parley.endSession(sessionId)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', name: 'UnavailableError' })
    expect(recorder.posts('/end')).toHaveLength(3)
  })

  it('rejects and counts messages when the queue is full, never silently', async () => {
    const dropped: number[] = []
    const parley = client({ maxQueueMessages: 3, flushIntervalMs: 10_000, onDropped: (count) => dropped.push(count) })
    const { sessionId } = await parley.startSession()
    const settling = Promise.allSettled(
      Array.from({ length: 5 }, (_, index) => parley.addMessage({ sessionId, role: 'user', content: `m${index}` })),
    )
    // The first three wait for the flush (the interval is long); the refused two are rejected at once.
    const flushed = await parley.flush()
    const results = await settling
    expect(flushed).toEqual({ delivered: 3, pending: 0, dropped: 2, failed: 0, indeterminate: 0 })
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
    const refusal = (results[3] as PromiseRejectedResult).reason
    expect(refusal).toBeInstanceOf(QueueFullError)
    expect(refusal.code).toBe('QUEUE_FULL')
    expect(dropped).toEqual([1, 1])
    expect((await server.tracker.getSession(sessionId)).messageCount).toBe(3)
  })

  it('bounds the queue by bytes too', async () => {
    const parley = client({ maxQueueBytes: 1000, flushIntervalMs: 10_000 })
    const { sessionId } = await parley.startSession()
    const first = parley.addMessage({ sessionId, role: 'user', content: 'x'.repeat(600) })
    await expect(parley.addMessage({ sessionId, role: 'user', content: 'y'.repeat(600) })).rejects.toBeInstanceOf(QueueFullError)
    expect(await parley.flush()).toEqual({ delivered: 1, pending: 0, dropped: 1, failed: 0, indeterminate: 0 })
    await first
  })

  it('endSession sends the session’s queued messages first', async () => {
    const parley = client({ flushIntervalMs: 60_000 })
    const { sessionId } = await parley.startSession()
    const adds = Array.from({ length: 7 }, (_, index) => parley.addMessage({ sessionId, role: 'user', content: `${index}` }))
    const ended = await parley.endSession(sessionId)
    expect(ended.messageCount).toBe(7)
    expect(await Promise.all(adds)).toHaveLength(7)
  })

  it('shutdown reports delivered, pending and dropped truthfully', async () => {
    const stalled: Array<(response: Response) => void> = []
    let stall = false
    const recorder = recordingFetch(async (call) => {
      if (stall && call.url.endsWith('/messages')) return new Promise<Response>((resolve) => stalled.push(resolve))
      return undefined
    })
    const parley = client({ fetch: recorder.fetch, flushAt: 2, flushIntervalMs: 10, maxQueueMessages: 4 })
    const { sessionId } = await parley.startSession()
    await parley.addMessages([1, 2].map((n) => ({ sessionId, role: 'user' as const, content: `${n}` })))
    stall = true
    const inFlight = [3, 4, 5, 6].map((n) => parley.addMessage({ sessionId, role: 'user', content: `${n}` }))
    inFlight.forEach((promise) => promise.catch(() => {}))
    const refused = parley.addMessage({ sessionId, role: 'user', content: '7' })
    await expect(refused).rejects.toBeInstanceOf(QueueFullError)

    const report = await parley.shutdown({ timeoutMs: 200 })
    expect(report).toEqual({ delivered: 2, pending: 4, dropped: 1, failed: 0, indeterminate: 0 })
    // 3 and 4 are in flight (their promises settle with the answer); 5 and 6 were never sent.
    await expect(inFlight[2]).rejects.toBeInstanceOf(ClientClosedError)
    await expect(inFlight[3]).rejects.toBeInstanceOf(ClientClosedError)
    await expect(parley.addMessage({ sessionId, role: 'user', content: 'late' })).rejects.toBeInstanceOf(ClientClosedError)
    expect((await server.tracker.getSession(sessionId)).messageCount).toBe(2)
    for (const resolve of stalled) resolve(errorResponse(400, 'VALIDATION_FAILED'))
    await expect(inFlight[0]).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('errorFromResponse', () => {
  it('rebuilds the library classes with the server’s codes', async () => {
    const { errorFromResponse, ConflictError, RateLimitedError, UnavailableError, ParleyError } = await import('../../src/client/index.js')
    const validation = errorFromResponse(400, {
      error: { code: 'VALIDATION_FAILED', message: 'content: must be a string', details: { field: 'content', reason: 'must be a string' } },
    })
    expect(validation).toBeInstanceOf(ValidationError)
    expect(validation).toMatchObject({ field: 'content', reason: 'must be a string', message: 'content: must be a string', code: 'VALIDATION_FAILED' })
    // By status, whatever the code says: codes that name no class still land in the right one.
    for (const code of ['SHUTTING_DOWN', 'TRACKER_CLOSED', 'DATABASE_TIMEOUT']) {
      expect(errorFromResponse(503, { error: { code, message: 'later', details: {} } })).toMatchObject({ code, constructor: UnavailableError })
    }
    for (const code of ['MESSAGE_CONFLICT', 'SESSION_USER_MISMATCH']) {
      expect(errorFromResponse(409, { error: { code, message: 'no', details: {} } })).toMatchObject({ code, constructor: ConflictError })
    }
    expect(errorFromResponse(409, { error: { code: 'SESSION_ENDED', message: 'ended', details: {} } })).toBeInstanceOf(ConflictError)
    expect(errorFromResponse(429, { error: { code: 'RATE_LIMITED', message: 'slow down', details: {} } })).toBeInstanceOf(RateLimitedError)
    expect(errorFromResponse(503, undefined)).toBeInstanceOf(UnavailableError)
    const unknown = errorFromResponse(502, 'Bad Gateway')
    expect(unknown).toBeInstanceOf(ParleyError)
    expect(unknown.code).toBe('HTTP_502')
  })
})
