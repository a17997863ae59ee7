import { v7 as uuidv7 } from 'uuid'
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { NotFoundError, ParleyClient, UnauthorizedError, type LiveEvent, type WebSocketConstructor } from '../../src/client/index.js'
import { describeEachBackend } from '../support/backends.js'
import { liveServer } from './support.js'

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describeEachBackend('client SDK subscribe', (backend) => {
  const server = liveServer(backend)
  const client = (apiKey = server.adminKey) =>
    new ParleyClient({ baseUrl: server.baseUrl, apiKey, WebSocket: WebSocket as unknown as WebSocketConstructor, retryBaseMs: 5 })

  it('delivers message.created and session.ended as writes commit, until unsubscribed', async () => {
    const writer = client()
    const reader = client()
    const { sessionId } = await writer.startSession()
    const events: LiveEvent[] = []
    const unsubscribe = await reader.subscribe(sessionId, (event) => events.push(event))
    const sent = await writer.addMessages([
      { sessionId, role: 'user', content: 'hello' },
      { sessionId, role: 'assistant', content: 'hi there' },
    ])
    await writer.endSession(sessionId, { reason: 'hangup' })
    await until(() => events.some((event) => event.type === 'session.ended'))
    const created = events.filter((event) => event.type === 'message.created')
    expect(created.map((event) => event.type === 'message.created' && event.message)).toEqual(sent)
    expect(events.at(-1)).toMatchObject({ type: 'session.ended', sessionId, messageCount: 2, endedReason: 'hangup' })

    await unsubscribe()
    const { sessionId: other } = await writer.startSession()
    const stop = await reader.subscribe(other, (event) => events.push(event))
    await stop()
    const count = events.length
    await writer.addMessage({ sessionId: other, role: 'user', content: 'elsewhere' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(events).toHaveLength(count)
    await reader.shutdown()
    await writer.shutdown()
  })

  it('rejects with the typed error: a missing session, a bad key', async () => {
    const reader = client()
    await expect(reader.subscribe(uuidv7(), () => {})).rejects.toBeInstanceOf(NotFoundError)
    await reader.shutdown()
    const stranger = client('not-a-key')
    await expect(stranger.subscribe(uuidv7(), () => {})).rejects.toBeInstanceOf(UnauthorizedError)
    await stranger.shutdown()
  })
})
