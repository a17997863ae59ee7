// The WebSocket GET /v1/stream over real sockets: ingest acked after commit,
// error frames, auth, live events from the database (across apps and across
// `parley serve` processes on PostgreSQL), keepalive and slow readers.
import { spawn, type ChildProcess } from 'node:child_process'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { openDatabase } from '../../src/db/open-database.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend, type TestBackend } from '../support/backends.js'
import { BIN, ROOT, runCli } from '../support/cli.js'
import { buildDistIfStale, call, uuidv4, uuidv7 } from './support.js'
import { closeCode, connectStream, type Frame, type StreamClient } from './ws-client.js'

interface Keys {
  admin: string
  ingest: string
  read: string
  userIngest: string
  userRead: string
}

async function makeKeys(database: Database, user: string): Promise<Keys> {
  const make = async (scope: string, userId?: string) => (await createApiKey(database, { scope, ...(userId && { userId }) })).key
  return {
    admin: await make('admin'),
    ingest: await make('ingest'),
    read: await make('read'),
    userIngest: await make('ingest', user),
    userRead: await make('read', user),
  }
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

describeEachBackend('WebSocket /v1/stream', (backend) => {
  const user = uuidv4()
  const logLines: string[] = []
  const clients: StreamClient[] = []
  let database: Database
  let tracker: Tracker
  let app: FastifyInstance
  let base: string
  let keys: Keys

  const open = async (options: { key?: string; autoPong?: boolean } = {}, url = base) => {
    const client = await connectStream(url, options)
    clients.push(client)
    return client
  }
  const startOverHttp = async (body: Record<string, unknown> = {}) => {
    const response = await call(app, 'POST', '/v1/sessions', { key: keys.ingest, body })
    expect(response.statusCode, response.body).toBe(201)
    return response.data.session_id as string
  }

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    tracker = await createTracker({ database })
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) })
    app = await buildApp({ tracker, logger, stream: { authTimeoutMs: 500, maxBufferedBytes: 256 * 1024 } })
    base = await listen(app)
    keys = await makeKeys(database, user)
  })

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()))
    await app?.close()
    await tracker?.close()
  })

  it('ingests a whole conversation over one socket; each ack carries the stored rows, committed before it is sent', async () => {
    const client = await open({ key: keys.ingest })
    const committed: Array<Promise<boolean>> = []
    // Look the rows up the moment each ack arrives, before anything else can run.
    client.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame
      if (frame.type !== 'ack' || !frame.messages) return
      const ids = (frame.messages as Frame[]).map((message) => message.id)
      committed.push(
        database
          .query<{ n: number }>('select count(*)::int as n from conversation_messages where id = any($1::uuid[])', [ids])
          .then(({ rows }) => rows[0]!.n === ids.length),
      )
    })

    const sessionId = uuidv7()
    const turnId = uuidv7()
    // Sent back to back without waiting: handled in order, so the messages find their session.
    const answers = [
      client.request({ type: 'session.start', session_id: sessionId, user_id: user, metadata: { channel: 'phone' } }),
      client.request({ type: 'message.add', session_id: sessionId, message: { role: 'system', content: 'You are a voice assistant.' } }),
      client.request({
        type: 'message.add',
        session_id: sessionId,
        message: { id: turnId, role: 'user', content: 'Book a table for two 🍽', audio_url: 'https://audio.example.com/1.wav' },
      }),
      client.request({
        type: 'message.add',
        session_id: sessionId,
        messages: [
          { role: 'assistant', content: 'For what time?' },
          { role: 'user', content: 'Eight.' },
          { role: 'assistant', content: 'Done.', metadata: { latency_ms: 412 } },
        ],
      }),
      client.request({ type: 'session.end', session_id: sessionId, reason: 'hangup' }),
    ]
    const [started, system, turn, batch, ended] = await Promise.all(answers)

    expect(started).toMatchObject({
      type: 'ack',
      created: true,
      session: { session_id: sessionId, user_id: user, is_active: true, metadata: { channel: 'phone' }, message_count: 0 },
    })
    expect(system!.messages).toHaveLength(1)
    expect(turn).toEqual({
      type: 'ack',
      ref: turn!.ref,
      messages: [
        {
          id: turnId,
          session_id: sessionId,
          user_id: user,
          role: 'user',
          content: 'Book a table for two 🍽',
          audio_url: 'https://audio.example.com/1.wav',
          metadata: {},
          created_at: expect.stringMatching(/Z$/),
          seq: expect.any(Number),
        },
      ],
    })
    expect(batch!.messages.map((message: Frame) => message.content)).toEqual(['For what time?', 'Eight.', 'Done.'])
    const seqs = [system!, turn!, batch!].flatMap((ack) => ack.messages.map((message: Frame) => message.seq as number))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(ended).toMatchObject({ type: 'ack', ended: { session_id: sessionId, message_count: 5, duration_seconds: expect.any(Number) } })

    expect(await Promise.all(committed)).toEqual([true, true, true])
    const stored = await tracker.listMessages(sessionId)
    expect(stored.map((message) => message.id)).toEqual([system!, turn!, batch!].flatMap((ack) => ack.messages.map((m: Frame) => m.id)))

    // A retry with the same ids stores nothing twice and answers with the stored rows.
    const started2 = await client.request({ type: 'session.start', session_id: sessionId })
    expect(started2).toMatchObject({ type: 'ack', created: false, session: { session_id: sessionId } })
    const ended2 = await client.request({ type: 'session.end', session_id: sessionId })
    expect(ended2.ended).toEqual(ended!.ended)
  })

  it('answers bad frames with error frames carrying the HTTP codes, and keeps the socket open', async () => {
    const client = await open({ key: keys.ingest })
    const sessionId = await startOverHttp()

    client.send('{not json')
    const invalid = await client.next((frame) => frame.type === 'error' && frame.error.code === 'INVALID_JSON')
    expect(invalid).toMatchObject({ ref: null, error: { details: { field: 'frame' } } })

    const unknown = await client.request({ type: 'session.pause', session_id: sessionId })
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'UNKNOWN_FRAME_TYPE', details: { field: 'type' } } })

    const badRole = await client.request({ type: 'message.add', session_id: sessionId, message: { role: 'robot', content: 'hi' } })
    expect(badRole).toMatchObject({ type: 'error', error: { code: 'VALIDATION_FAILED', details: { field: 'message.role' } } })
    expect(badRole.error.message).toMatch(/^message\.role: /)

    const missing = await client.request({ type: 'message.add', session_id: sessionId, messages: [{ role: 'user' }] })
    expect(missing.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'messages[0].content' } })

    const extra = await client.request({ type: 'session.end', session_id: sessionId, why: 'x' })
    expect(extra.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'why' } })

    const badId = await client.request({ type: 'session.end', session_id: 'nope' })
    expect(badId.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'session_id' } })

    const tooBig = await client.request({ type: 'message.add', session_id: sessionId, message: { role: 'user', content: 'x'.repeat(300 * 1024) } })
    expect(tooBig.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'message.content' } })

    const noSession = uuidv7()
    const notFound = await client.request({ type: 'message.add', session_id: noSession, message: { role: 'user', content: 'hi' } })
    expect(notFound).toMatchObject({ type: 'error', error: { code: 'SESSION_NOT_FOUND' } })
    const endUnknown = await client.request({ type: 'session.end', session_id: noSession })
    expect(endUnknown.error.code).toBe('SESSION_NOT_FOUND')

    const id = uuidv7()
    expect((await client.request({ type: 'message.add', session_id: sessionId, message: { id, role: 'user', content: 'a' } })).type).toBe('ack')
    const conflict = await client.request({ type: 'message.add', session_id: sessionId, message: { id, role: 'user', content: 'b' } })
    expect(conflict.error.code).toBe('MESSAGE_CONFLICT')

    await client.request({ type: 'session.end', session_id: sessionId })
    const afterEnd = await client.request({ type: 'message.add', session_id: sessionId, message: { role: 'user', content: 'late' } })
    expect(afterEnd.error.code).toBe('SESSION_ENDED')

    const again = await client.request({ type: 'auth', key: keys.ingest })
    expect(again.error.code).toBe('ALREADY_AUTHENTICATED')

    // Nothing of the above closed the socket.
    expect((await client.request({ type: 'session.start' })).type).toBe('ack')
    expect(client.socket.readyState).toBe(client.socket.OPEN)
  })

  it('checks scopes per frame, and a user-bound key reaches only its own user’s sessions', async () => {
    const reader = await open({ key: keys.read })
    const denied = await reader.request({ type: 'session.start' })
    expect(denied.error).toMatchObject({ code: 'FORBIDDEN' })
    const ingester = await open({ key: keys.ingest })
    const sessionId = await startOverHttp()
    expect((await ingester.request({ type: 'subscribe', session_id: sessionId })).error.code).toBe('FORBIDDEN')

    const someoneElses = await startOverHttp({ user_id: uuidv4() })
    const bound = await open({ key: keys.userIngest })
    const write = await bound.request({ type: 'message.add', session_id: someoneElses, message: { role: 'user', content: 'hi' } })
    expect(write.error.code).toBe('SESSION_NOT_FOUND')
    expect((await bound.request({ type: 'session.end', session_id: someoneElses })).error.code).toBe('SESSION_NOT_FOUND')
    expect((await bound.request({ type: 'session.start', user_id: uuidv4() })).error.code).toBe('USER_MISMATCH')
    expect((await bound.request({ type: 'session.start', session_id: someoneElses })).error.code).toBe('SESSION_NOT_FOUND')
    const own = await bound.request({ type: 'session.start' })
    expect(own.session.user_id).toBe(user)
    expect((await bound.request({ type: 'message.add', session_id: own.session.session_id, message: { role: 'user', content: 'mine' } })).type).toBe('ack')

    const boundReader = await open({ key: keys.userRead })
    expect((await boundReader.request({ type: 'subscribe', session_id: someoneElses })).error.code).toBe('SESSION_NOT_FOUND')
    expect((await boundReader.request({ type: 'subscribe', user_id: uuidv4() })).error.code).toBe('USER_MISMATCH')
    expect((await boundReader.request({ type: 'subscribe', user_id: user })).type).toBe('ack')
    expect((await boundReader.request({ type: 'subscribe', session_id: own.session.session_id })).type).toBe('ack')
  })

  it('authenticates by header or by a first auth frame, and closes unauthenticated sockets with 4401', async () => {
    const byFrame = await open()
    const ack = await byFrame.request({ type: 'auth', key: keys.userRead })
    expect(ack).toMatchObject({ type: 'ack', principal: { scope: 'read', user_id: user } })
    expect((await byFrame.request({ type: 'subscribe', user_id: user })).type).toBe('ack')

    await expect(connectStream(base, { key: 'pk_00000000_not-a-real-key-not-a-real-key-not-a-real-k' })).rejects.toThrow(/401/)

    const silent = await open()
    expect(await closeCode(silent)).toBe(4401)
    expect(silent.received).toMatchObject([{ type: 'error', ref: null, error: { code: 'UNAUTHORIZED' } }])

    const wrongKey = await open()
    wrongKey.send({ type: 'auth', ref: 'a', key: 'pk_00000000_wrong' })
    expect(await closeCode(wrongKey)).toBe(4401)
    expect(wrongKey.received).toMatchObject([{ type: 'error', ref: 'a', error: { code: 'UNAUTHORIZED' } }])

    const skipsAuth = await open()
    skipsAuth.send({ type: 'session.start', ref: 'b' })
    expect(await closeCode(skipsAuth)).toBe(4401)
    expect(skipsAuth.received).toMatchObject([{ type: 'error', ref: 'b', error: { code: 'UNAUTHORIZED' } }])
    expect(await tracker.listSessions({ limit: 500 })).toBeDefined()
  })

  it('delivers message.created and session.ended for writes made over HTTP, to session and user subscribers', async () => {
    const sessionId = await startOverHttp({ user_id: user })
    const otherUsers = await startOverHttp({ user_id: uuidv4() })
    const bySession = await open({ key: keys.read })
    const byUser = await open({ key: keys.userRead })
    expect(await bySession.request({ type: 'subscribe', session_id: sessionId })).toMatchObject({ type: 'ack', subscribed: { session_id: sessionId } })
    expect(await byUser.request({ type: 'subscribe', user_id: user })).toMatchObject({ type: 'ack', subscribed: { user_id: user } })

    const post = async (session: string, body: unknown) => {
      const response = await call(app, 'POST', `/v1/sessions/${session}/messages`, { key: keys.ingest, body })
      expect(response.statusCode, response.body).toBe(201)
      return response.data.messages as Frame[]
    }
    await post(otherUsers, { role: 'user', content: 'not for you' })
    const written = [
      ...(await post(sessionId, { role: 'user', content: 'Hello?' })),
      ...(await post(sessionId, { messages: [{ role: 'assistant', content: 'Hi!' }, { role: 'user', content: 'Bye.' }] })),
    ]
    const end = await call(app, 'POST', `/v1/sessions/${sessionId}/end`, { key: keys.ingest, body: { reason: 'done' } })
    expect(end.statusCode).toBe(200)

    for (const client of [bySession, byUser]) {
      const ended = await client.next((frame) => frame.type === 'session.ended')
      expect(ended).toEqual({
        type: 'session.ended',
        session_id: sessionId,
        user_id: user,
        ended_at: end.data.ended_at,
        duration_seconds: end.data.duration_seconds,
        message_count: 3,
        ended_reason: 'done',
      })
      const events = client.received.filter((frame) => frame.type === 'message.created')
      // Events come in commit order; the other user's message never came.
      expect(events).toEqual(written.map((message) => ({ type: 'message.created', session_id: sessionId, message })))
    }

    // After unsubscribe, nothing more: a write to a session still followed arrives alone.
    const second = await startOverHttp()
    expect((await bySession.request({ type: 'subscribe', session_id: second })).type).toBe('ack')
    expect(await bySession.request({ type: 'unsubscribe', session_id: sessionId })).toMatchObject({ type: 'ack', unsubscribed: { session_id: sessionId } })
    const before = bySession.received.length
    await post(second, { role: 'user', content: 'still here' })
    await bySession.next((frame) => frame.type === 'message.created' && frame.session_id === second)
    expect(bySession.received.slice(before).map((frame) => frame.session_id)).toEqual([second])
  })

  it('a burst over many sessions and a 500-message call: every row arrives once, each session in its order', async () => {
    const follower = await open({ key: keys.userRead })
    expect((await follower.request({ type: 'subscribe', user_id: user })).type).toBe('ack')
    const sessions = await Promise.all(Array.from({ length: 150 }, async () => (await tracker.startSession({ userId: user })).sessionId))
    const written: { sessionId: string; id: string; seq: number }[] = []
    const keep = (messages: { sessionId: string; id: string; seq: number }[]) => written.push(...messages)
    for (let round = 0; round < 3; round++) {
      // Concurrent calls: the group commit puts many sessions in one statement.
      await Promise.all(sessions.map(async (sessionId) => keep([await tracker.addMessage({ sessionId, role: 'user', content: `round ${round}` })])))
    }
    keep(await tracker.addMessages(Array.from({ length: 500 }, (_, index) => ({ sessionId: sessions[0]!, role: 'assistant' as const, content: `long ${index}` }))))

    const last = written.at(-1)!.id
    await follower.next((frame) => frame.type === 'message.created' && frame.message.id === last)
    const events = follower.received.filter((frame) => frame.type === 'message.created')
    expect(events).toHaveLength(written.length)
    expect(new Set(events.map((frame) => frame.message.id))).toEqual(new Set(written.map((message) => message.id)))
    for (const sessionId of sessions) {
      const seqs = events.filter((frame) => frame.session_id === sessionId).map((frame) => frame.message.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    }
  })

  it('cuts off a client that does not read, while another socket keeps receiving', async () => {
    const sessionId = await startOverHttp()
    const slow = await open({ key: keys.read })
    const fast = await open({ key: keys.read })
    await slow.request({ type: 'subscribe', session_id: sessionId })
    await fast.request({ type: 'subscribe', session_id: sessionId })
    slow.socket.pause()

    const content = 'x'.repeat(200_000)
    let posts = 0
    let lastId = ''
    while (!logLines.some((line) => line.includes('not reading')) && posts < 300) {
      const response = await call(app, 'POST', `/v1/sessions/${sessionId}/messages`, { key: keys.ingest, body: { role: 'user', content } })
      expect(response.statusCode).toBe(201)
      lastId = response.data.messages[0].id
      posts++
      // Let the fast socket read as it goes.
      await fast.next((frame) => frame.type === 'message.created' && frame.message.id === lastId)
    }
    expect(logLines.some((line) => line.includes('not reading'))).toBe(true)
    expect(fast.received.filter((frame) => frame.type === 'message.created')).toHaveLength(posts)

    slow.socket.resume()
    expect([1008, 1006]).toContain(await closeCode(slow))
    expect(slow.received.filter((frame) => frame.type === 'message.created').length).toBeLessThan(posts)
    expect((await fast.request({ type: 'unsubscribe', session_id: sessionId })).type).toBe('ack')
  })

  it('pings: a socket that does not answer is closed, one that does stays; shutdown closes with 1001', async () => {
    const pinging = await buildApp({ tracker, stream: { pingIntervalMs: 100 } })
    const url = await listen(pinging)
    try {
      const deaf = await open({ key: keys.read, autoPong: false }, url)
      const alive = await open({ key: keys.read }, url)
      expect(await closeCode(deaf, 5000)).toBe(1006)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(alive.socket.readyState).toBe(alive.socket.OPEN)
      expect((await alive.request({ type: 'subscribe', user_id: user })).type).toBe('ack')
      const closing = pinging.close()
      expect(await closeCode(alive)).toBe(1001)
      await closing
    } finally {
      await pinging.close()
    }
  })

  if (backend.name === 'postgres') postgresOnly(backend)
})

/** Cross-process delivery needs a database shared by separate connections. */
function postgresOnly(backend: TestBackend) {
  describe('across servers', () => {
    let url: string
    const cleanups: Array<() => Promise<unknown>> = []
    beforeAll(async () => {
      const empty = await backend.emptyDatabase()
      url = empty.url
      await migrate(empty.database)
    })
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
    })

    it('a subscriber on app A sees writes made through app B (two pools on one database)', async () => {
      const apps = []
      for (let i = 0; i < 2; i++) {
        const database = await openDatabase(url)
        const tracker = await createTracker({ database })
        const app = await buildApp({ tracker })
        cleanups.push(() => database.close(), () => tracker.close(), () => app.close())
        apps.push({ database, app, base: await listen(app) })
      }
      const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]]
      const user = uuidv4()
      const keys = await makeKeys(a.database, user)
      const subscriber = await connectStream(a.base, { key: keys.read })
      const writer = await connectStream(b.base, { key: keys.ingest })
      cleanups.push(() => subscriber.close(), () => writer.close())

      expect((await subscriber.request({ type: 'subscribe', user_id: user })).type).toBe('ack')
      const started = await writer.request({ type: 'session.start', user_id: user })
      const sessionId = started.session.session_id as string
      const added = await writer.request({ type: 'message.add', session_id: sessionId, messages: [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'two' }] })
      const viaHttp = await call(b.app, 'POST', `/v1/sessions/${sessionId}/messages`, { key: keys.ingest, body: { role: 'user', content: 'three' } })
      expect(viaHttp.statusCode).toBe(201)
      await writer.request({ type: 'session.end', session_id: sessionId })

      await subscriber.next((frame) => frame.type === 'session.ended' && frame.session_id === sessionId)
      const events = subscriber.received.filter((frame) => frame.type === 'message.created')
      expect(events.map((event) => event.message)).toEqual([...added.messages, ...viaHttp.data.messages])
    })

    it('listens again after its connection is killed', async () => {
      const database = await openDatabase(url)
      // Other tests' servers listen on this database too: find this one's connection as the new one.
      const listeners = async () =>
        (
          await database.query<{ pid: number }>(`
            select pid from pg_stat_activity
            where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`)
        ).rows.map((row) => row.pid)
      // Taken before the app exists: it starts listening as soon as it is ready.
      const others = await listeners()
      const tracker = await createTracker({ database })
      const app = await buildApp({ tracker })
      cleanups.push(() => database.close(), () => tracker.close(), () => app.close())
      const keys = await makeKeys(database, uuidv4())
      const subscriber = await connectStream(await listen(app), { key: keys.read })
      cleanups.push(() => subscriber.close())
      const session = await tracker.startSession()
      expect((await subscriber.request({ type: 'subscribe', session_id: session.sessionId })).type).toBe('ack')
      const ours = (await listeners()).filter((pid) => !others.includes(pid))
      expect(ours).toHaveLength(1)

      await database.query('select pg_terminate_backend($1)', [ours[0]])
      let again: number[] = []
      for (let i = 0; i < 100 && again.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        again = (await listeners()).filter((pid) => !others.includes(pid) && pid !== ours[0])
      }
      expect(again).toHaveLength(1)

      const message = await tracker.addMessage({ sessionId: session.sessionId, role: 'user', content: 'after the outage' })
      const event = await subscriber.next((frame) => frame.type === 'message.created')
      expect(event.message.id).toBe(message.id)
    })

    it('two `parley serve` processes: a subscriber on one sees what is ingested through the other', async () => {
      buildDistIfStale()
      const created = await runCli(['keys', 'create', '--scope', 'admin', '--database-url', url])
      expect(created.code, created.stderr).toBe(0)
      const key = created.stdout.trim().split('\n').at(-1)!
      const servers = await Promise.all([serveProcess(url), serveProcess(url)])
      cleanups.push(...servers.map((server) => () => stopProcess(server.child)))
      const [a, b] = servers

      const subscriber = await connectStream(a.base, { key })
      const writer = await connectStream(b.base)
      cleanups.push(() => subscriber.close(), () => writer.close())
      expect((await writer.request({ type: 'auth', key })).type).toBe('ack')

      const started = await writer.request({ type: 'session.start' })
      const sessionId = started.session.session_id as string
      expect((await subscriber.request({ type: 'subscribe', session_id: sessionId })).type).toBe('ack')
      const turns = []
      for (const content of ['Hi, I need a taxi.', 'Where to?', 'The station.']) {
        const ack = await writer.request({ type: 'message.add', session_id: sessionId, message: { role: turns.length % 2 ? 'assistant' : 'user', content } })
        expect(ack.type, JSON.stringify(ack)).toBe('ack')
        turns.push(ack.messages[0])
      }
      const ended = await writer.request({ type: 'session.end', session_id: sessionId, reason: 'hangup' })

      const endEvent = await subscriber.next((frame) => frame.type === 'session.ended')
      expect(endEvent).toMatchObject({ session_id: sessionId, message_count: 3, ended_reason: 'hangup', ended_at: ended.ended.ended_at })
      expect(subscriber.received.filter((frame) => frame.type === 'message.created').map((frame) => frame.message)).toEqual(turns)

      // SIGTERM: sockets are closed with 1001 and the process exits 0.
      const closing = closeCode(subscriber)
      expect(await stopProcess(a.child)).toBe(0)
      expect(await closing).toBe(1001)
    })
  })
}

async function serveProcess(url: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--database-url', url, '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley serve did not start: ${stderr}`)), 30_000)
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk)
      const match = /listens on (http:\/\/[^\s]+)/.exec(stderr)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`parley serve exited with ${code}: ${stderr}`))
    })
  })
  return { child, base }
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}
