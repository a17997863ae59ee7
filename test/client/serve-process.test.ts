// The SDK against the real binary: `parley serve` in its own process, reached
// through a proxy that drops connections and answers 503/429 on the way.
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ParleyClient, QueueFullError, type WebSocketConstructor } from '../../src/client/index.js'
import { describeEachBackend } from '../support/backends.js'
import { firstAdminKey, serve, stop, type Served } from '../support/serve.js'
import { buildDistIfStale } from '../server/support.js'
import { faultyProxy, type FaultyProxy, type ProxyAction } from './proxy.js'

describeEachBackend('client SDK against `parley serve`', (backend) => {
  let served: Served
  let adminKey: string
  const proxies: FaultyProxy[] = []

  beforeAll(async () => {
    buildDistIfStale()
    served = await serve(backend, await backend.freshUrl())
    adminKey = firstAdminKey(served)
  })
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close()
    if (served) expect(await stop(served)).toBe(0)
  })

  const readBack = async (sessionId: string) => {
    const reader = new ParleyClient({ baseUrl: served.base, apiKey: adminKey })
    const messages = []
    for await (const page of reader.listMessages(sessionId, { limit: 1000 })) messages.push(...page)
    return { session: await reader.getSession(sessionId), messages }
  }

  it('batches, retries through drops, 503 and 429, stores each message once and in order, and reports it truly', async () => {
    let messagePosts = 0
    const faults: ProxyAction[] = ['drop-after-commit', { status: 503, retryAfter: '0' }, 'drop-before', { status: 429, retryAfter: '0' }]
    const proxy = await faultyProxy(served.base, (request) =>
      request.startsWith('POST') && request.endsWith('/messages') ? (faults[messagePosts++] ?? 'forward') : 'forward',
    )
    proxies.push(proxy)
    const client = new ParleyClient({ baseUrl: proxy.url, apiKey: adminKey, retryBaseMs: 5, flushAt: 25, flushIntervalMs: 20 })
    const { sessionId } = await client.startSession({ metadata: { via: 'binary' } })
    const contents = Array.from({ length: 100 }, (_, index) => `turn ${index}`)
    const pending = contents.map((content, index) => client.addMessage({ sessionId, role: index % 2 ? 'assistant' : 'user', content }))
    // endSession right away: it must send the queued turns first, so all 100 are counted.
    const ended = await client.endSession(sessionId, { reason: 'hangup' })
    const stored = await Promise.all(pending)
    expect(ended.messageCount).toBe(100)

    const { session, messages } = await readBack(sessionId)
    expect(messages.map((message) => message.content)).toEqual(contents)
    expect(messages).toEqual(stored)
    expect(session).toMatchObject({ isActive: false, endedReason: 'hangup', messageCount: 100, metadata: { via: 'binary' } })
    // 100 messages at flushAt 25: four batches, plus one retry per fault.
    expect(messagePosts).toBe(4 + faults.length)
    expect(await client.shutdown()).toEqual({ delivered: 100, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
  })

  it('a full queue refuses and counts, never silently', async () => {
    const dropped: number[] = []
    const client = new ParleyClient({
      baseUrl: served.base,
      apiKey: adminKey,
      maxQueueMessages: 5,
      flushIntervalMs: 1000,
      flushAt: 500,
      onDropped: (count) => dropped.push(count),
    })
    const { sessionId } = await client.startSession()
    const queued = Array.from({ length: 5 }, (_, index) => client.addMessage({ sessionId, role: 'user', content: `kept ${index}` }))
    await expect(client.addMessage({ sessionId, role: 'user', content: 'one too many' })).rejects.toBeInstanceOf(QueueFullError)
    expect(dropped).toEqual([1])
    expect(await client.shutdown()).toEqual({ delivered: 5, pending: 0, dropped: 1, failed: 0, indeterminate: 0 })
    await Promise.all(queued)
    expect((await readBack(sessionId)).session.messageCount).toBe(5)
  })

  it('the WebSocket transport delivers to the binary too', async () => {
    const client = new ParleyClient({
      baseUrl: served.base,
      apiKey: adminKey,
      transport: 'websocket',
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      flushAt: 10,
    })
    const { sessionId } = await client.startSession()
    const stored = await client.addMessages(Array.from({ length: 30 }, (_, index) => ({ sessionId, role: 'user' as const, content: `${index}` })))
    expect((await client.endSession(sessionId)).messageCount).toBe(30)
    expect((await readBack(sessionId)).messages).toEqual(stored)
    expect(await client.shutdown()).toEqual({ delivered: 30, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
  })

  for (const transport of ['http', 'websocket'] as const) {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`${transport}: the server stopped (${signal}) and started again in the middle of a stream: nothing lost, nothing rejected, nothing twice`, async () => {
        const url = await backend.freshUrl()
        let server = await serve(backend, url)
        const key = firstAdminKey(server)
        const port = Number(new URL(server.base).port)
        const client = new ParleyClient({
          baseUrl: server.base,
          apiKey: key,
          flushAt: 10,
          flushIntervalMs: 5,
          ...(transport === 'websocket' && { transport, WebSocket: WebSocket as unknown as WebSocketConstructor }),
        })
        try {
          const { sessionId } = await client.startSession()
          const contents = Array.from({ length: 150 }, (_, index) => `turn ${index}`)
          const writes: Promise<unknown>[] = []
          let restarted: Promise<Served> | undefined
          for (const [index, content] of contents.entries()) {
            writes.push(client.addMessage({ sessionId, role: index % 2 ? 'assistant' : 'user', content }))
            if (index === 50) {
              const stopping = server
              restarted = (async () => {
                stopping.child.kill(signal)
                await stopping.exited
                return serve(backend, url, {}, { port })
              })()
            }
            await new Promise((resolve) => setTimeout(resolve, 10))
          }
          server = await restarted!
          const outcomes = await Promise.allSettled(writes)
          expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([])
          expect(await client.shutdown()).toEqual({ delivered: 150, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })

          const reader = new ParleyClient({ baseUrl: server.base, apiKey: key })
          const messages = []
          for await (const page of reader.listMessages(sessionId, { limit: 1000 })) messages.push(...page)
          expect(messages.map((message) => message.content)).toEqual(contents)
          expect(new Set(messages.map((message) => message.id)).size).toBe(150)
          expect((await reader.getSession(sessionId)).messageCount).toBe(150)
        } finally {
          await client.shutdown({ timeoutMs: 0 })
          await stop(server)
        }
      })
    }
  }
})
