// What a rejected addMessage(s) tells the caller, on both transports, against
// the real server: which messages (`messageIds`), and whether they may be
// stored (`outcome`); that resending those ids stores each message exactly
// once (compared with the table); and that a server's Retry-After holds the
// next attempt back (counted where the requests arrive, not timed).
import { v7 as uuidv7 } from 'uuid'
import { afterAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  ClientClosedError,
  NetworkError,
  ParleyClient,
  ParleyError,
  UnavailableError,
  ValidationError,
  type AddMessageInput,
  type ParleyClientOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from '../../src/client/index.js'
import { buildApp } from '../../src/server/app.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { faultyProxy, type FaultyProxy, type ProxyAction } from './proxy.js'
import { liveServer } from './support.js'

const Ws = WebSocket as unknown as WebSocketConstructor
const settle = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: ParleyError) => ({ error }))

/**
 * `ws`, but no `message.add` is ever answered: one frame in four reaches the
 * server, which commits, and the socket dies before the ack arrives; the
 * others are cut off before they leave.
 */
class AckLosingSocket implements WebSocketLike {
  static frames = 0
  readonly inner: WebSocket
  onopen: WebSocketLike['onopen'] = null
  onmessage: WebSocketLike['onmessage'] = null
  onclose: WebSocketLike['onclose'] = null
  onerror: WebSocketLike['onerror'] = null
  constructor(url: string) {
    this.inner = new WebSocket(url)
    this.inner.onopen = (event) => this.onopen?.(event)
    this.inner.onclose = (event) => this.onclose?.(event)
    this.inner.onerror = (event) => this.onerror?.(event)
    this.inner.onmessage = (event) => {
      if (String(event.data).includes('"messages"')) return this.inner.terminate()
      this.onmessage?.({ data: event.data })
    }
  }
  get readyState() {
    return this.inner.readyState
  }
  send(data: string) {
    if (data.includes('"message.add"') && AckLosingSocket.frames++ % 4 !== 0) return this.inner.terminate()
    this.inner.send(data)
  }
  close(code?: number) {
    this.inner.close(code)
  }
}

describeEachBackend('client SDK: honest outcomes', (backend) => {
  const server = liveServer(backend)
  const proxies: FaultyProxy[] = []
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close()
  })
  const proxied = async (decide: (request: string, index: number) => ProxyAction) => {
    const proxy = await faultyProxy(server.baseUrl, decide)
    proxies.push(proxy)
    return proxy
  }
  const client = (options: Partial<ParleyClientOptions> = {}) =>
    new ParleyClient({ baseUrl: server.baseUrl, apiKey: server.adminKey, retryBaseMs: 5, flushIntervalMs: 5, ...options })
  const storedIds = async (sessionId: string) => (await server.tracker.listMessages(sessionId, { limit: 1000 })).map((message) => message.id)

  for (const transport of ['http', 'websocket'] as const) {
    it(`${transport}: answers lost after commit reject as indeterminate naming each message; resending those ids stores each exactly once`, async () => {
      let messagePosts = 0
      // Every answer is lost. With one retry per batch, every other batch was committed (its first
      // attempt), and the rest never reached the server.
      const proxy = await proxied((request) =>
        request.startsWith('POST') && request.endsWith('/messages') ? (messagePosts++ % 4 === 0 ? 'drop-after-commit' : 'drop-before') : 'forward',
      )
      AckLosingSocket.frames = 0
      const lossy = client({
        maxRetries: 1,
        flushAt: 4,
        ...(transport === 'http' ? { baseUrl: proxy.url } : { transport, WebSocket: AckLosingSocket }),
      })
      const { sessionId } = await client().startSession()
      // SDK-chosen ids one by one, and a group with the caller's own ids.
      const singles: AddMessageInput[] = Array.from({ length: 12 }, (_, index) => ({ sessionId, role: 'user', content: `single ${index}` }))
      const group: AddMessageInput[] = Array.from({ length: 5 }, (_, index) => ({ sessionId, id: uuidv7(), role: 'assistant', content: `group ${index}` }))
      const outcomes = await Promise.all([...singles.map((input) => settle(lossy.addMessage(input))), settle(lossy.addMessages(group))])
      const errors = outcomes.map((outcome) => (outcome as { error: ParleyError }).error)
      for (const error of errors) {
        expect(error).toBeInstanceOf(transport === 'http' ? NetworkError : ClientClosedError)
        expect(error.outcome).toBe('indeterminate')
      }
      for (const error of errors.slice(0, 12)) expect(error.messageIds).toHaveLength(1)
      expect(errors[12]!.messageIds).toEqual(group.map((input) => input.id))
      const reported = errors.flatMap((error) => error.messageIds)
      expect(new Set(reported).size).toBe(17)
      expect(await lossy.flush()).toEqual({ delivered: 0, pending: 0, dropped: 0, failed: 0, indeterminate: 17 })
      // Batches of 4 (the group's last one alone): the first, third and fifth are stored already.
      expect((await storedIds(sessionId)).length).toBe(9)

      // Resend every message with the id its rejection named.
      const resender = client()
      const resent = await resender.addMessages([
        ...singles.map((input, index) => ({ ...input, id: errors[index]!.messageIds[0]! })),
        ...group.map((input, index) => ({ ...input, id: errors[12]!.messageIds[index]! })),
      ])
      expect(resent.map((message) => message.id)).toEqual(reported)
      const after = await storedIds(sessionId)
      expect(after).toHaveLength(17)
      expect([...after].sort()).toEqual([...reported].sort())
      const rows = await server.tracker.listMessages(sessionId, { limit: 1000 })
      expect(rows.map((row) => row.content).sort()).toEqual([...singles, ...group].map((input) => input.content).sort())
      await lossy.shutdown()
      await resender.shutdown()
    })

    it(`${transport}: a 400 from the server rejects as not_stored naming every message of the batch; nothing is stored`, async () => {
      // The client checks with looser limits than the server's, so the server is the one to refuse.
      const parley = client({ limits: { maxContentBytes: 1024 * 1024 }, flushAt: 10, ...(transport === 'websocket' && { transport, WebSocket: Ws }) })
      const { sessionId } = await parley.startSession()
      const inputs: AddMessageInput[] = [
        { sessionId, role: 'user', content: 'fine' },
        { sessionId, role: 'user', content: 'x'.repeat(300 * 1024) },
        { sessionId, id: uuidv7(), role: 'assistant', content: 'fine too' },
      ]
      const error = (await parley.addMessages(inputs).catch((caught: unknown) => caught)) as ValidationError
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.field).toMatch(/content$/)
      expect(error.outcome).toBe('not_stored')
      expect(error.messageIds).toHaveLength(3)
      expect(error.messageIds[2]).toBe(inputs[2]!.id)
      expect(await storedIds(sessionId)).toEqual([])
      expect(await parley.flush()).toEqual({ delivered: 0, pending: 0, dropped: 0, failed: 3, indeterminate: 0 })
      expect(await parley.shutdown()).toEqual({ delivered: 0, pending: 0, dropped: 0, failed: 3, indeterminate: 0 })
    })
  }

  it('a message the client itself refuses names its id too, not_stored', async () => {
    const parley = client()
    const sessionId = uuidv7()
    const id = uuidv7()
    const error = (await parley.addMessage({ sessionId, id, role: 'robot' as never, content: 'hi' }).catch((caught: unknown) => caught)) as ValidationError
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ field: 'role', messageIds: [id], outcome: 'not_stored' })
    const chosen = (await parley.addMessage({ sessionId, role: 'robot' as never, content: 'hi' }).catch((caught: unknown) => caught)) as ValidationError
    expect(chosen.messageIds).toHaveLength(1)
  })

  it('http: no retry before the Retry-After of a 503 or a 429, then delivered', async () => {
    for (const status of [503, 429]) {
      let messagePosts = 0
      const proxy = await proxied((request) =>
        request.startsWith('POST') && request.endsWith('/messages') && messagePosts++ === 0 ? { status, retryAfter: '1' } : 'forward',
      )
      const parley = client({ baseUrl: proxy.url })
      const { sessionId } = await parley.startSession()
      const adding = parley.addMessage({ sessionId, role: 'user', content: `after ${status}` })
      await new Promise((resolve) => setTimeout(resolve, 700))
      // At retryBaseMs 5 a client that ignored Retry-After would have tried many times by now.
      expect(messagePosts).toBe(1)
      const stored = await adding
      expect(messagePosts).toBe(2)
      expect(await storedIds(sessionId)).toEqual([stored.id])
      await parley.shutdown()
    }
  })
})

describeEachBackend('client SDK websocket transport: Retry-After of error frames', (backend) => {
  it('does not resend a frame the server refused with 503 before retry_after_seconds, then delivers it', async () => {
    const database = await backend.migratedDatabase()
    const tracker = await createTracker({ database })
    const adminKey = (await createApiKey(database, { scope: 'admin' })).key
    let attempts = 0
    const refusingOnce = {
      ...tracker,
      addMessages: async (inputs: Parameters<typeof tracker.addMessages>[0]) => {
        if (attempts++ === 0) throw new UnavailableError('DATABASE_UNAVAILABLE', 'down for a moment', { details: { retryAfterSeconds: 1 } })
        return tracker.addMessages(inputs)
      },
    }
    const app = await buildApp({ tracker: refusingOnce, rateLimit: false })
    try {
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
      const parley = new ParleyClient({ baseUrl, apiKey: adminKey, transport: 'websocket', WebSocket: Ws, retryBaseMs: 5, flushIntervalMs: 5 })
      const { sessionId } = await parley.startSession()
      const adding = parley.addMessage({ sessionId, role: 'user', content: 'after the refusal' })
      await new Promise((resolve) => setTimeout(resolve, 700))
      expect(attempts).toBe(1)
      const stored = await adding
      expect(attempts).toBe(2)
      expect((await tracker.listMessages(sessionId)).map((message) => message.id)).toEqual([stored.id])
      expect(await parley.shutdown()).toEqual({ delivered: 1, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
    } finally {
      await app.close()
      await tracker.close()
    }
  })
})
