import { v7 as uuidv7 } from 'uuid'
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { NotFoundError, ParleyClient, UnauthorizedError, type LiveEvent, type WebSocketConstructor } from '../../src/client/index.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { describeEachBackend } from '../support/backends.js'
import { liveServer } from './support.js'
import { until } from '../support/until.js'

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
    await until(() => events.some((event) => event.type === 'session.ended'), 'session.ended', 10_000)
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

  it('subscribeSessions: new sessions as they start, then their turns and end; a user-bound key sees only its user', async () => {
    const alice = uuidv7()
    const bob = uuidv7()
    const aliceKey = (await createApiKey(server.database, { scope: 'read', userId: alice })).key
    const writer = client()
    const everything: LiveEvent[] = []
    const aliceOnly: LiveEvent[] = []
    const bobsFeed: LiveEvent[] = []
    const watcher = client()
    const aliceWatcher = client(aliceKey)
    const stops = [
      await watcher.subscribeSessions((event) => everything.push(event)),
      await aliceWatcher.subscribeSessions((event) => aliceOnly.push(event)),
      await watcher.subscribeSessions((event) => bobsFeed.push(event), { userId: bob }),
    ]

    const bobs = await writer.startSession({ userId: bob })
    const alices = await writer.startSession({ userId: alice })
    await writer.addMessage({ sessionId: alices.sessionId, role: 'user', content: 'hello' })
    await writer.endSession(alices.sessionId)
    await until(() => everything.filter((event) => event.type === 'session.ended').length === 1 && aliceOnly.length === 3, 'both subscriptions', 10_000)

    expect(everything.map((event) => [event.type, event.sessionId])).toEqual([
      ['session.started', bobs.sessionId],
      ['session.started', alices.sessionId],
      ['message.created', alices.sessionId],
      ['session.ended', alices.sessionId],
    ])
    expect(everything[0]).toMatchObject({ userId: bob, startedAt: bobs.startedAt })
    // A key bound to Alice asked for all and got what it may read: Alice's sessions.
    expect(aliceOnly.map((event) => [event.type, event.sessionId])).toEqual(everything.slice(1).map((event) => [event.type, event.sessionId]))
    expect(bobsFeed.map((event) => [event.type, event.sessionId])).toEqual([['session.started', bobs.sessionId]])
    // Following another user is refused to a key bound to Alice.
    await expect(aliceWatcher.subscribeSessions(() => {}, { userId: bob })).rejects.toMatchObject({ code: 'USER_MISMATCH' })
    for (const stop of stops) await stop()
    for (const each of [writer, watcher, aliceWatcher]) await each.shutdown()
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
