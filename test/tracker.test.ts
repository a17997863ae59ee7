import { randomUUID } from 'node:crypto'
import { beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/database.js'
import { ConflictError, NotFoundError, ValidationError } from '../src/model/errors.js'
import type { Logger } from '../src/logger.js'
import { createTracker, type Tracker } from '../src/tracker/tracker.js'
import { describeEachBackend } from './support/backends.js'
import { recordingDatabase } from './support/recording-database.js'

/** The same database, with `hook` awaited before each group-commit statement, however it is sent. */
function beforeEachBatch(database: Database, hook: () => Promise<void>): Database {
  return recordingDatabase(database, (sql) => (sql.includes('insert_messages(') ? hook() : undefined))
}

describeEachBackend('tracker', (backend) => {
  let database: Database
  let tracker: Tracker
  let batchStatements = 0
  const logLines: string[] = []
  const logger: Logger = {
    info: (_fields, message) => logLines.push(message),
    warn: () => {},
    error: () => {},
    debug: () => {},
  }

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    // Counts the group-commit statements that reach the real database.
    const counting = beforeEachBatch(database, async () => {
      batchStatements++
    })
    tracker = await createTracker({ database: counting, logger })
  })

  const countRows = async (sessionId: string) => {
    const { rows } = await database.query<{ n: number }>(
      'select count(*)::int as n from conversation_messages where session_id = $1',
      [sessionId],
    )
    return rows[0]!.n
  }

  it('starts a session with the values given, and again with the same id returns it unchanged', async () => {
    const userId = randomUUID()
    const startedAt = new Date('2026-01-02T03:04:05.678Z')
    const session = await tracker.startSession({ userId, metadata: { channel: 'voice' }, startedAt })
    expect(session).toMatchObject({ userId, isActive: true, endedAt: null, messageCount: 0, metadata: { channel: 'voice' } })
    expect(session.startedAt.toISOString()).toBe(startedAt.toISOString())
    const again = await tracker.startSession({ sessionId: session.sessionId, userId })
    expect(again).toEqual(session)
    const { rows } = await database.query('select 1 from conversation_sessions where session_id = $1', [session.sessionId])
    expect(rows).toHaveLength(1)
  })

  it('refuses a session id reused for another user', async () => {
    const session = await tracker.startSession({ userId: randomUUID() })
    const error = await tracker.startSession({ sessionId: session.sessionId, userId: randomUUID() }).catch((e) => e)
    expect(error).toBeInstanceOf(ConflictError)
    expect(error.code).toBe('SESSION_USER_MISMATCH')
  })

  it('stores a message with a UUIDv7 id, the session user, and order', async () => {
    const userId = randomUUID()
    const { sessionId } = await tracker.startSession({ userId })
    const first = await tracker.addMessage({ sessionId, role: 'user', content: 'Hello', audioUrl: 'https://a.example/1.wav' })
    const second = await tracker.addMessage({ sessionId, role: 'assistant', content: 'Hi!', metadata: { voice: 'alloy' } })
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(first).toMatchObject({ sessionId, userId, role: 'user', content: 'Hello', audioUrl: 'https://a.example/1.wav' })
    expect(second.seq).toBeGreaterThan(first.seq)
    expect(second.metadata).toEqual({ voice: 'alloy' })
    expect((await tracker.getSession(sessionId)).messageCount).toBe(2)
  })

  it('stores a retried message id once and refuses the same id with other content', async () => {
    const { sessionId } = await tracker.startSession({})
    const id = randomUUID()
    const stored = await tracker.addMessage({ sessionId, id, role: 'user', content: 'once' })
    const retried = await tracker.addMessage({ sessionId, id, role: 'user', content: 'once' })
    expect(retried).toEqual(stored)
    expect(await countRows(sessionId)).toBe(1)
    const error = await tracker.addMessage({ sessionId, id, role: 'user', content: 'twice' }).catch((e) => e)
    expect(error).toBeInstanceOf(ConflictError)
    expect(error.code).toBe('MESSAGE_CONFLICT')
  })

  it('stores concurrent retries of one id once', async () => {
    const { sessionId } = await tracker.startSession({})
    const id = randomUUID()
    const results = await Promise.all(
      Array.from({ length: 5 }, () => tracker.addMessage({ sessionId, id, role: 'user', content: 'same' })),
    )
    expect(new Set(results.map((message) => message.seq)).size).toBe(1)
    expect(await countRows(sessionId)).toBe(1)
  })

  it('refuses messages to a missing or ended session with typed errors', async () => {
    const missing = await tracker.addMessage({ sessionId: randomUUID(), role: 'user', content: 'x' }).catch((e) => e)
    expect(missing).toBeInstanceOf(NotFoundError)
    expect(missing.code).toBe('SESSION_NOT_FOUND')
    const { sessionId } = await tracker.startSession({})
    await tracker.endSession(sessionId)
    const ended = await tracker.addMessage({ sessionId, role: 'user', content: 'late' }).catch((e) => e)
    expect(ended).toBeInstanceOf(ConflictError)
    expect(ended.code).toBe('SESSION_ENDED')
    expect(await countRows(sessionId)).toBe(0)
  })

  it('stores all of one addMessages call or none of it', async () => {
    const { sessionId } = await tracker.startSession({})
    const error = await tracker
      .addMessages([
        { sessionId, role: 'user', content: 'fine' },
        { sessionId: randomUUID(), role: 'assistant', content: 'to nowhere' },
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect(await countRows(sessionId)).toBe(0)
  })

  it('keeps the order of messages that share a timestamp', async () => {
    const { sessionId } = await tracker.startSession({})
    const createdAt = new Date('2026-03-01T10:00:00.000Z')
    const contents = ['one', 'two', 'three', 'four', 'five']
    await tracker.addMessages(contents.map((content) => ({ sessionId, role: 'user' as const, content, createdAt })))
    await tracker.addMessage({ sessionId, role: 'assistant', content: 'six', createdAt })
    const listed = await tracker.listMessages(sessionId)
    expect(listed.map((message) => message.content)).toEqual([...contents, 'six'])
    expect(listed.every((message) => message.createdAt.getTime() === createdAt.getTime())).toBe(true)
  })

  it('group-commits 256 concurrent callers; the one failing row fails only its caller', async () => {
    const sessions = await Promise.all(Array.from({ length: 16 }, () => tracker.startSession({})))
    const before = batchStatements
    const results = await Promise.allSettled(
      Array.from({ length: 256 }, (_, index) =>
        tracker.addMessage({
          sessionId: index === 100 ? randomUUID() : sessions[index % sessions.length]!.sessionId,
          role: index % 2 ? 'assistant' : 'user',
          content: `turn ${index}`,
        }),
      ),
    )
    const rejected = results.flatMap((result, index) => (result.status === 'rejected' ? [[index, result.reason]] : []))
    expect(rejected).toHaveLength(1)
    expect(rejected[0]![0]).toBe(100)
    expect(rejected[0]![1]).toBeInstanceOf(NotFoundError)
    // 256 callers shared a handful of statements instead of one each.
    expect(batchStatements - before).toBeLessThanOrEqual(8)
    let stored = 0
    for (const session of sessions) stored += await countRows(session.sessionId)
    expect(stored).toBe(255)
  })

  it('shares a large queue among the free connections, keeping each session’s rows in call order', async () => {
    const batches: number[] = []
    const sharing = await createTracker({ database, onBatch: ({ rows }) => batches.push(rows) })
    const sessions = await Promise.all(Array.from({ length: 256 }, () => sharing.startSession({})))
    await Promise.all(sessions.map((session, index) => sharing.addMessage({ sessionId: session.sessionId, role: 'user', content: `${index}` })))
    // One tick's 256 callers: one statement per free connection, the rows shared evenly.
    const slots = database.maxConcurrentWrites
    expect(batches).toEqual(Array.from({ length: slots }, () => 256 / slots))

    // Waves a tick apart, never awaited: a session's later rows wait for its batch in flight.
    const few = sessions.slice(0, 8)
    const writes: Array<Promise<unknown>> = []
    for (let wave = 0; wave < 30; wave++) {
      for (const session of few) writes.push(sharing.addMessage({ sessionId: session.sessionId, role: 'user', content: `wave ${wave}` }))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(writes)
    for (const session of few) {
      const contents = (await sharing.listMessages(session.sessionId, { limit: 100 })).map((message) => message.content)
      expect(contents.slice(1)).toEqual(Array.from({ length: 30 }, (_, wave) => `wave ${wave}`))
    }
    await sharing.close()
  })

  it('ends a session once: the second call returns the same figures', async () => {
    const { sessionId } = await tracker.startSession({ startedAt: new Date(Date.now() - 30_000) })
    await tracker.addMessages([
      { sessionId, role: 'user', content: 'a' },
      { sessionId, role: 'assistant', content: 'b' },
    ])
    const ended = await tracker.endSession(sessionId, { reason: 'hangup' })
    expect(ended.messageCount).toBe(2)
    expect(ended.durationSeconds).toBeGreaterThanOrEqual(30)
    expect(ended.durationSeconds).toBeLessThan(120)
    expect(await tracker.endSession(sessionId)).toEqual(ended)
    const session = await tracker.getSession(sessionId)
    expect(session).toMatchObject({ isActive: false, endedReason: 'hangup', durationSeconds: ended.durationSeconds })
  })

  it('ends a session whose client-stamped start is ahead of the database clock', async () => {
    const { sessionId } = await tracker.startSession({ startedAt: new Date(Date.now() + 60_000) })
    const ended = await tracker.endSession(sessionId)
    expect(ended.durationSeconds).toBe(0)
  })

  /** A tracker whose group-commit statements wait at a gate; `reached` resolves once one does. */
  async function gatedTracker() {
    let release = () => {}
    let reached = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const arrived = new Promise<void>((resolve) => (reached = resolve))
    const gated = await createTracker({
      database: beforeEachBatch(database, () => {
        reached()
        return gate
      }),
    })
    return { gated, release, arrived }
  }

  it('ends a session only after the writes to it that were in flight: they count, and are not refused as late', async () => {
    const { gated, release, arrived } = await gatedTracker()
    const { sessionId } = await gated.startSession({})
    const held = gated.addMessage({ sessionId, role: 'user', content: 'in flight' })
    await arrived
    let settled = false
    const ending = gated.endSession(sessionId).finally(() => (settled = true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(settled).toBe(false)
    release()
    await expect(held).resolves.toMatchObject({ content: 'in flight' })
    expect((await ending).messageCount).toBe(1)
    await gated.close()
  })

  it('ends a session without waiting for other sessions’ writes', async () => {
    const { gated, release, arrived } = await gatedTracker()
    const busy = await gated.startSession({})
    const quiet = await gated.startSession({})
    const held = gated.addMessage({ sessionId: busy.sessionId, role: 'user', content: 'held back' })
    await arrived
    const ended = await gated.endSession(quiet.sessionId)
    expect(ended.messageCount).toBe(0)
    release()
    await held
    await gated.close()
  })

  it('reports unknown sessions as not found', async () => {
    for (const call of [
      () => tracker.endSession(randomUUID()),
      () => tracker.getSession(randomUUID()),
      () => tracker.listMessages(randomUUID()),
    ]) {
      const error = await call().catch((e) => e)
      expect(error).toBeInstanceOf(NotFoundError)
      expect(error.code).toBe('SESSION_NOT_FOUND')
    }
  })

  it('pages through messages after a message id', async () => {
    const { sessionId } = await tracker.startSession({})
    await tracker.addMessages(
      Array.from({ length: 7 }, (_, index) => ({ sessionId, role: 'user' as const, content: `m${index}` })),
    )
    const first = await tracker.listMessages(sessionId, { limit: 3 })
    const second = await tracker.listMessages(sessionId, { limit: 3, after: first.at(-1)!.id })
    const third = await tracker.listMessages(sessionId, { limit: 3, after: second.at(-1)!.id })
    expect([...first, ...second, ...third].map((message) => message.content)).toEqual(
      Array.from({ length: 7 }, (_, index) => `m${index}`),
    )
    const error = await tracker.listMessages(sessionId, { after: randomUUID() }).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.field).toBe('after')
  })

  it('lists a user’s sessions newest first, filtered, in pages that neither skip nor repeat', async () => {
    const userId = randomUUID()
    const base = Date.parse('2026-05-01T00:00:00Z')
    const started: string[] = []
    for (let index = 0; index < 7; index++) {
      // Two pairs share a start time, so the cursor must also use the id.
      const startedAt = new Date(base + Math.floor(index / 2) * 1000 + 0.5)
      started.push((await tracker.startSession({ userId, startedAt })).sessionId)
    }
    await tracker.endSession(started[0]!)
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await tracker.listSessions({ userId, limit: 3, ...(cursor ? { cursor } : {}) })
      seen.push(...page.sessions.map((session) => session.sessionId))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(seen).toHaveLength(7)
    expect(new Set(seen)).toEqual(new Set(started))
    const { sessions } = await tracker.listSessions({ userId, limit: 10 })
    const times = sessions.map((session) => session.startedAt.getTime())
    expect(times).toEqual([...times].sort((a, b) => b - a))
    const window = await tracker.listSessions({ userId, from: new Date(base + 1000), to: new Date(base + 3000) })
    expect(window.sessions.map((session) => session.sessionId).sort()).toEqual(started.slice(2, 6).sort())
    const active = await tracker.listSessions({ userId, active: true })
    expect(active.sessions.map((session) => session.sessionId)).not.toContain(started[0])
    expect(active.sessions).toHaveLength(6)
    const error = await tracker.listSessions({ cursor: 'not-a-cursor' }).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.field).toBe('cursor')
  })

  it('refuses bad input with a ValidationError naming the field, storing nothing', async () => {
    const { sessionId } = await tracker.startSession({})
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['sessionId', () => tracker.addMessage({ sessionId: 'not-a-uuid', role: 'user', content: 'x' })],
      ['role', () => tracker.addMessage({ sessionId, role: 'bot' as 'user', content: 'x' })],
      ['content', () => tracker.addMessage({ sessionId, role: 'user', content: 'x'.repeat(256 * 1024 + 1) })],
      ['content', () => tracker.addMessage({ sessionId, role: 'user', content: 'nul \u0000 byte' })],
      ['content', () => tracker.addMessage({ sessionId, role: 'user', content: 42 as unknown as string })],
      ['metadata', () => tracker.addMessage({ sessionId, role: 'user', content: 'x', metadata: [1] as never })],
      ['metadata', () => tracker.addMessage({ sessionId, role: 'user', content: 'x', metadata: 'text' as never })],
      ['metadata', () => tracker.addMessage({ sessionId, role: 'user', content: 'x', metadata: { a: 'b\u0000' } })],
      ['id', () => tracker.addMessage({ sessionId, role: 'user', content: 'x', id: '1234' })],
      ['audioUrl', () => tracker.addMessage({ sessionId, role: 'user', content: 'x', audioUrl: 'not a url' })],
      ['createdAt', () => tracker.addMessage({ sessionId, role: 'user', content: 'x', createdAt: 'yesterday' })],
      ['sesionId', () => tracker.addMessage({ sesionId: sessionId, role: 'user', content: 'x' } as never)],
      ['messages[1].role', () => tracker.addMessages([
        { sessionId, role: 'user', content: 'ok' },
        { sessionId, role: 'narrator' as 'user', content: 'x' },
      ])],
      ['userId', () => tracker.startSession({ userId: 'nobody' })],
      ['userId', () => tracker.startSession({ userId: 5 as never })],
      ['metadata', () => tracker.startSession({ metadata: [] as never })],
      ['startedAt', () => tracker.startSession({ startedAt: 'soon' })],
      ['reason', () => tracker.endSession(sessionId, { reason: 'x'.repeat(201) })],
      ['limit', () => tracker.listMessages(sessionId, { limit: 0 })],
    ]
    for (const [field, call] of cases) {
      const error = await call().catch((e) => e)
      expect(error, field).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).field).toBe(field)
      expect((error as ValidationError).message.startsWith(`${field}: `)).toBe(true)
    }
    expect(await countRows(sessionId)).toBe(0)
    expect((await tracker.getSession(sessionId)).isActive).toBe(true)
  })

  it('writes the seed’s log lines', async () => {
    logLines.length = 0
    const userId = '9f8e7d6c-5b4a-4321-8fed-cba987654321'
    const sessionId = '1a2b3c4d-0000-4000-8000-000000000001'
    await tracker.startSession({ sessionId, userId, startedAt: new Date(Date.now() - 45_200) })
    await tracker.addMessage({ sessionId, role: 'user', content: 'hi' })
    await tracker.addMessage({ sessionId, role: 'assistant', content: 'hello' })
    await tracker.endSession(sessionId)
    await tracker.startSession({ sessionId: '2b3c4d5e-0000-4000-8000-000000000002' })
    expect(logLines[0]).toBe('✅ Started session 1a2b3c4d... for user 9f8e7d6c...')
    expect(logLines[1]).toBe('✅ Saved user message for session 1a2b3c4d...')
    expect(logLines[2]).toBe('✅ Saved assistant message for session 1a2b3c4d...')
    expect(logLines[3]).toMatch(/^✅ Ended session 1a2b3c4d\.\.\. \(duration: 45\.\ds, messages: 2\)$/)
    expect(logLines[4]).toBe('✅ Started session 2b3c4d5e... for user anonymous')
  })

  it('close() waits for queued writes', async () => {
    const own = await createTracker({ database })
    const { sessionId } = await own.startSession({})
    const pending = own.addMessage({ sessionId, role: 'user', content: 'last words' })
    await own.close()
    await pending
    expect(await countRows(sessionId)).toBe(1)
    const error = await own.addMessage({ sessionId, role: 'user', content: 'after close' }).catch((e) => e)
    expect(error.code).toBe('TRACKER_CLOSED')
  })
})
