import { afterAll, expect, it } from 'vitest'
import { ParleyClient } from '../../src/client/index.js'
import { describeEachBackend } from '../support/backends.js'
import { faultyProxy, type FaultyProxy, type ProxyAction } from './proxy.js'
import { liveServer } from './support.js'

describeEachBackend('client SDK through a faulty proxy', (backend) => {
  const server = liveServer(backend)
  const proxies: FaultyProxy[] = []
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close()
  })
  const through = async (decide: (request: string, index: number) => ProxyAction) => {
    const proxy = await faultyProxy(server.baseUrl, decide)
    proxies.push(proxy)
    const client = new ParleyClient({ baseUrl: proxy.url, apiKey: server.adminKey, retryBaseMs: 5, flushAt: 10, flushIntervalMs: 20 })
    return { proxy, client }
  }

  it('dropped connections, 503 and 429 on the way: every message stored once, in order', async () => {
    let messagePosts = 0
    let sessionPosts = 0
    const faults: ProxyAction[] = ['drop-after-commit', { status: 503, retryAfter: '0' }, 'drop-before', { status: 429, retryAfter: '0' }, 'drop-after-commit']
    const { proxy, client } = await through((request) => {
      if (request.includes('/messages') && request.startsWith('POST')) return faults[messagePosts++] ?? 'forward'
      // The start is committed but its answer lost: the retry with the same session id gets the same session.
      return request === 'POST /v1/sessions' && sessionPosts++ === 0 ? 'drop-after-commit' : 'forward'
    })
    const { sessionId } = await client.startSession({ metadata: { via: 'proxy' } })
    const contents = Array.from({ length: 40 }, (_, index) => `turn ${index}`)
    const stored = await Promise.all(contents.map((content) => client.addMessage({ sessionId, role: 'user', content })))
    const ended = await client.endSession(sessionId)
    expect(ended.messageCount).toBe(40)
    const inDatabase = await server.tracker.listMessages(sessionId, { limit: 1000 })
    expect(inDatabase.map((message) => message.content)).toEqual(contents)
    expect(inDatabase).toEqual(stored)
    expect(proxy.seen.filter((request) => request.startsWith('POST /v1/sessions') && request.endsWith('/messages')).length).toBe(4 + faults.length)
    expect(sessionPosts).toBe(2)
    expect((await server.tracker.getSession(sessionId)).metadata).toEqual({ via: 'proxy' })
    expect(await client.shutdown()).toEqual({ delivered: 40, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
  })
})
