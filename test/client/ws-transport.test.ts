import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { ParleyClient, type WebSocketConstructor, type WebSocketLike } from '../../src/client/index.js'
import { buildApp } from '../../src/server/app.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { liveServer } from './support.js'

describeEachBackend('client SDK websocket transport', (backend) => {
  const server = liveServer(backend)

  it('sends batches as frames on one socket, acked after commit', async () => {
    let sockets = 0
    class CountingSocket extends WebSocket {
      constructor(url: string) {
        super(url)
        sockets++
      }
    }
    const client = new ParleyClient({
      baseUrl: server.baseUrl,
      apiKey: server.adminKey,
      transport: 'websocket',
      WebSocket: CountingSocket as unknown as WebSocketConstructor,
      flushAt: 10,
    })
    const { sessionId } = await client.startSession()
    const contents = Array.from({ length: 35 }, (_, index) => `turn ${index}`)
    const stored = await Promise.all(contents.map((content) => client.addMessage({ sessionId, role: 'assistant', content })))
    expect((await client.endSession(sessionId)).messageCount).toBe(35)
    expect(await server.tracker.listMessages(sessionId)).toEqual(stored)
    expect(sockets).toBe(1)
    expect(await client.shutdown()).toEqual({ delivered: 35, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
  })

  /** `ws`, but the first server frame that acks stored messages is lost: the socket dies (`cut`) or says nothing (`silent`). */
  const losingFirstAck = (mode: 'cut' | 'silent') => {
    const seen = { sockets: 0, lost: false, closedByClient: 0 }
    class LosingSocket implements WebSocketLike {
      readonly inner: WebSocket
      onopen: WebSocketLike['onopen'] = null
      onmessage: WebSocketLike['onmessage'] = null
      onclose: WebSocketLike['onclose'] = null
      onerror: WebSocketLike['onerror'] = null
      constructor(url: string) {
        seen.sockets++
        this.inner = new WebSocket(url)
        this.inner.onopen = (event) => this.onopen?.(event)
        this.inner.onclose = (event) => this.onclose?.(event)
        this.inner.onerror = (event) => this.onerror?.(event)
        this.inner.onmessage = (event) => {
          if (!seen.lost && String(event.data).includes('"messages"')) {
            seen.lost = true
            if (mode === 'cut') this.inner.terminate()
            return
          }
          this.onmessage?.({ data: event.data })
        }
      }
      get readyState() {
        return this.inner.readyState
      }
      send(data: string) {
        this.inner.send(data)
      }
      close(code?: number) {
        seen.closedByClient++
        this.inner.close(code)
      }
    }
    return { seen, LosingSocket }
  }

  for (const mode of ['cut', 'silent'] as const) {
    it(`resends an unacknowledged frame on a new socket when the first one is ${mode} after commit: nothing stored twice`, async () => {
      const { seen, LosingSocket } = losingFirstAck(mode)
      const client = new ParleyClient({
        baseUrl: server.baseUrl,
        apiKey: server.adminKey,
        transport: 'websocket',
        WebSocket: LosingSocket,
        retryBaseMs: 5,
        requestTimeoutMs: 500,
      })
      const { sessionId } = await client.startSession()
      const stored = await client.addMessages([1, 2, 3].map((n) => ({ sessionId, role: 'user' as const, content: `${n}` })))
      expect(seen.lost).toBe(true)
      expect(seen.sockets).toBe(2)
      // A silent socket is closed by the client's per-frame timeout, not left hanging.
      if (mode === 'silent') expect(seen.closedByClient).toBe(1)
      expect(await server.tracker.listMessages(sessionId)).toEqual(stored)
      expect((await server.tracker.getSession(sessionId)).messageCount).toBe(3)
      await client.shutdown()
    })
  }
})

describeEachBackend('client SDK websocket transport across a server restart', (backend) => {
  it('retries what a shutting-down server refused or left unanswered, and delivers every message once', async () => {
    const database = await backend.migratedDatabase()
    const tracker = await createTracker({ database })
    const adminKey = (await createApiKey(database, { scope: 'admin' })).key
    // The first server commits slowly, so that frames queue behind the one in hand when it stops.
    const slowTracker = {
      ...tracker,
      addMessages: async (inputs: Parameters<typeof tracker.addMessages>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 50))
        return tracker.addMessages(inputs)
      },
    }
    let app = await buildApp({ tracker: slowTracker, rateLimit: false })
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    const port = Number(new URL(baseUrl).port)
    // Every frame the server answers with an error, as the SDK received it.
    const refusals: string[] = []
    class WatchingSocket extends WebSocket {
      constructor(url: string) {
        super(url)
        this.addEventListener('message', (event) => {
          const frame = JSON.parse(String(event.data)) as { type: string; status?: number; error?: { code: string } }
          if (frame.type === 'error') refusals.push(`${frame.status} ${frame.error?.code}`)
        })
      }
    }
    const client = new ParleyClient({
      baseUrl,
      apiKey: adminKey,
      transport: 'websocket',
      WebSocket: WatchingSocket as unknown as WebSocketConstructor,
      flushAt: 5,
      flushIntervalMs: 1,
      retryBaseMs: 20,
      retryMaxMs: 200,
      maxRetries: 50,
    })
    try {
      // Many sessions, so that frames queue on the one socket (a session sends one batch at a time).
      const sessions = await Promise.all(Array.from({ length: 20 }, () => client.startSession()))
      const writes = sessions.flatMap(({ sessionId }) =>
        Array.from({ length: 20 }, (_, index) => client.addMessage({ sessionId, role: 'user', content: `turn ${index}` })),
      )
      // Stop the server while batches are queued on its socket, then start another on the same port.
      await Promise.race(writes)
      await app.close()
      app = await buildApp({ tracker, rateLimit: false })
      await app.listen({ port, host: '127.0.0.1' })
      const stored = await Promise.all(writes)
      expect(new Set(stored.map((message) => message.id)).size).toBe(400)
      for (const { sessionId } of sessions) {
        const rows = await tracker.listMessages(sessionId, { limit: 1000 })
        expect(rows.map((row) => row.content)).toEqual(Array.from({ length: 20 }, (_, index) => `turn ${index}`))
      }
      expect(refusals.length).toBeGreaterThan(0)
      expect(refusals.every((refusal) => refusal.startsWith('503 '))).toBe(true)
      expect(await client.shutdown()).toMatchObject({ delivered: 400, failed: 0 })
    } finally {
      await app.close()
      await tracker.close()
    }
  })
})
