// Open WebSockets lose their credential as HTTP does: a key revoked on any
// replica, or a JWT past its exp, closes the socket with 4401, and what the
// socket sends after that is not stored.
import type { FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { openDatabase } from '../../src/db/open-database.js'
import { migrate } from '../../src/migrations/migrator.js'
import { buildApp } from '../../src/server/app.js'
import { createApiKey, revokeApiKey } from '../../src/tracker/api-keys.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { uuidv4, uuidv7 } from './support.js'
import { closeCode, connectStream, type Frame, type StreamClient } from './ws-client.js'

const SECRET = 'a-test-secret-of-at-least-32-bytes!!'

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

describeEachBackend('WebSocket credentials that stop holding', (backend) => {
  const clients: StreamClient[] = []
  const closers: Array<() => Promise<unknown>> = []
  let tracker: Tracker
  let base: string
  // Where the key is revoked: another instance's pool on the same database (PostgreSQL), the same one on PGlite.
  let elsewhere: Database

  beforeAll(async () => {
    const { database, url } = await backend.emptyDatabase()
    await migrate(database)
    tracker = await createTracker({ database })
    const app = await buildApp({ tracker, jwt: { secret: SECRET } })
    closers.push(() => app.close(), () => tracker.close())
    base = await listen(app)
    elsewhere = database
    if (backend.name === 'postgres') {
      elsewhere = await openDatabase(url)
      closers.push(() => elsewhere.close())
    }
  })

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()))
    for (const close of closers) await close().catch(() => {})
  })

  const open = async (key?: string) => {
    const client = await connectStream(base, key ? { key } : {})
    clients.push(client)
    return client
  }

  it('a key revoked elsewhere closes its open sockets with 4401, and frames sent after that are not stored', async () => {
    const { key, apiKey } = await createApiKey(elsewhere, { scope: 'ingest' })
    const writer = await open(key)
    // The other way in: the key in a first auth frame.
    const reader = await open()
    expect((await reader.request({ type: 'auth', key })).type).toBe('ack')
    const started = await writer.request({ type: 'session.start' })
    const sessionId = started.session.session_id as string
    const before = uuidv7()
    expect((await writer.request({ type: 'message.add', session_id: sessionId, messages: [{ id: before, role: 'user', content: 'before' }] })).type).toBe('ack')

    // The moment the farewell arrives, before the close frame is read, one more frame goes out.
    const late = uuidv7()
    writer.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame
      if (frame.type === 'error' && frame.ref === null) writer.send({ type: 'message.add', ref: 'late', session_id: sessionId, messages: [{ id: late, role: 'user', content: 'late' }] })
    })
    await revokeApiKey(elsewhere, apiKey.prefix)
    // Keep talking until the server hangs up.
    const sent: string[] = []
    const answers = new Map<string, Frame>()
    let connected = true
    void writer.closed.then(() => (connected = false))
    while (connected && sent.length < 200) {
      const id = uuidv7()
      sent.push(id)
      void writer.request({ type: 'message.add', session_id: sessionId, messages: [{ id, role: 'user', content: `after ${sent.length}` }] }).then(
        (answer) => answers.set(id, answer),
        () => {},
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
    }

    expect(await closeCode(writer, 5000)).toBe(4401)
    expect(await closeCode(reader, 5000)).toBe(4401)
    const farewell = writer.received.find((frame) => frame.type === 'error' && frame.ref === null)
    expect(farewell?.error.code).toBe('UNAUTHORIZED')
    expect(farewell?.error.message).toMatch(/revoked/)

    const stored = new Set((await tracker.listMessages(sessionId, { limit: 1000 })).map((message) => message.id))
    expect(stored.has(before)).toBe(true)
    const acked = sent.filter((id) => answers.get(id)?.type === 'ack')
    // What was acked is stored; nothing else the socket sent after the revocation is.
    expect(sent.filter((id) => stored.has(id))).toEqual(acked)
    expect(stored.has(late)).toBe(false)
    for (const [id, answer] of answers) if (answer.type === 'error') expect(answer.error.code, id).toBe('UNAUTHORIZED')
  })

  it('a key that is not revoked keeps its socket', async () => {
    const { key } = await createApiKey(elsewhere, { scope: 'ingest' })
    const writer = await open(key)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await writer.request({ type: 'session.start' })).type).toBe('ack')
  })

  it('a socket signed in with a JWT closes with 4401 when the token expires', async () => {
    const user = uuidv4()
    const token = await new SignJWT({ sub: user }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2s').sign(new TextEncoder().encode(SECRET))
    const socket = await open(token)
    expect((await socket.request({ type: 'session.start', user_id: user })).type).toBe('ack')
    expect(await closeCode(socket, 10_000)).toBe(4401)
    const farewell = socket.received.find((frame) => frame.type === 'error' && frame.ref === null)
    expect(farewell?.error.message).toMatch(/expired/)
  })
})
