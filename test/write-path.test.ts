// The group-commit write path at its edges: when a queue is shared out among
// connections, what a statement failing as a whole does to its callers and
// to /readyz's clock, and what the batch observer (metrics) is told.
import pg from 'pg'
import { beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/database.js'
import { UnavailableError } from '../src/model/errors.js'
import { createTracker, type Tracker } from '../src/tracker/tracker.js'
import { MAX_BATCH_ROWS, type BatchStats } from '../src/tracker/message-writer.js'
import { describeEachBackend } from './support/backends.js'
import { recordingDatabase } from './support/recording-database.js'
import { until } from './support/until.js'

/** The same database, counting the group-commit statements sent to it, however they are sent. */
function counted(database: Database): { database: Database; statements: () => number } {
  let statements = 0
  return {
    database: recordingDatabase(database, (sql) => {
      if (sql.includes('insert_messages(')) statements++
    }),
    statements: () => statements,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeEachBackend('the group-commit write path', (backend) => {
  let database: Database
  let tracker: Tracker
  let batches: BatchStats[]
  let statements: () => number

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    batches = []
    const counting = counted(database)
    statements = counting.statements
    tracker = await createTracker({ database: counting.database, onBatch: (batch) => batches.push(batch) })
  })

  /** A trigger that fails every message insert with `sqlstate`, until the returned function drops it. */
  async function failInserts(sqlstate: string, when = 'true'): Promise<() => Promise<void>> {
    await database.exec(`create function test_fail_insert() returns trigger language plpgsql as $$
      begin if ${when} then raise exception 'refused by a test trigger' using errcode = '${sqlstate}'; end if; return new; end $$;
      create trigger test_fail_insert before insert on conversation_messages for each row execute function test_fail_insert();`)
    return () => database.exec('drop trigger test_fail_insert on conversation_messages; drop function test_fail_insert();')
  }

  const sessions = (count: number) => Promise.all(Array.from({ length: count }, () => tracker.startSession({})))

  it('a queue of fewer than 32 rows goes in one statement; from 32 it is shared out among the free connections', async () => {
    const slots = database.maxConcurrentWrites
    for (const [count, expected] of [
      [31, [31]],
      [32, slots > 1 ? Array.from({ length: slots }, () => 32 / slots) : [32]],
    ] as const) {
      const started = await sessions(count)
      batches.length = 0
      await Promise.all(started.map(({ sessionId }) => tracker.addMessage({ sessionId, role: 'user', content: 'hi' })))
      expect(batches.map((batch) => batch.rows), `${count} callers`).toEqual(expected)
    }
  })

  /** A tracker whose group-commit statements wait until `open()`, counting those sent so far. */
  async function heldTracker() {
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    let sent = 0
    const held = await createTracker({
      database: recordingDatabase(database, async (sql) => {
        if (!sql.includes('insert_messages(')) return
        sent++
        await gate
      }),
    })
    return { held, open, sent: () => sent }
  }

  it('close waits for the writes in flight, which are stored', async () => {
    const { held, open, sent } = await heldTracker()
    const { sessionId } = await held.startSession({})
    const write = held.addMessage({ sessionId, role: 'user', content: 'in flight' })
    await until(() => sent() === 1, 'the write is sent')
    let closed = false
    const closing = held.close().then(() => (closed = true))
    await sleep(50)
    expect(closed).toBe(false)
    open()
    await closing
    await expect(write).resolves.toMatchObject({ content: 'in flight' })
    expect((await tracker.listMessages(sessionId)).map((message) => message.content)).toEqual(['in flight'])
  })

  it('never has more statements in flight than write connections, and sends none for a write waiting behind its session', async () => {
    const { held, open, sent } = await heldTracker()
    const slots = database.maxConcurrentWrites
    const [shared, ...others] = await Promise.all(Array.from({ length: slots + 1 }, () => held.startSession({})))
    const writes: Array<Promise<unknown>> = []
    const write = (sessionId: string, content: string) => writes.push(held.addMessage({ sessionId, role: 'user', content }))
    write(shared!.sessionId, 'first')
    await until(() => sent() === 1, 'the first write is sent')
    write(shared!.sessionId, 'second')
    await sleep(50)
    expect(sent()).toBe(1)
    // One write at a time, each its own statement while a connection is free; the last finds none.
    for (const [index, { sessionId }] of others.entries()) {
      write(sessionId, 'beside')
      if (index < slots - 1) await until(() => sent() === index + 2, `write ${index + 2} is sent`)
    }
    await sleep(50)
    expect(sent()).toBe(slots)
    open()
    await Promise.all(writes)
    expect((await held.listMessages(shared!.sessionId)).map((message) => message.content)).toEqual(['first', 'second'])
    for (const { sessionId } of others) expect(await held.listMessages(sessionId)).toHaveLength(1)
    await held.close()
  })

  it('a call writing to several sessions: a session busy in flight holds it back whole, and ending one of its sessions waits for it', async () => {
    const { held, open, sent } = await heldTracker()
    const [busy, other, ending] = await Promise.all([held.startSession({}), held.startSession({}), held.startSession({})])
    const first = held.addMessage({ sessionId: busy.sessionId, role: 'user', content: 'first' })
    await until(() => sent() === 1, 'the first write is sent')
    // One of its two sessions has a statement in flight: the call waits for it, even with a connection free.
    const both = held.addMessages([
      { sessionId: other.sessionId, role: 'user', content: 'beside' },
      { sessionId: busy.sessionId, role: 'user', content: 'second' },
    ])
    await sleep(50)
    expect(sent()).toBe(1)
    open()
    await Promise.all([first, both])
    expect((await held.listMessages(busy.sessionId)).map((message) => message.content)).toEqual(['first', 'second'])

    const { held: gated, open: release, sent: gatedSent } = await heldTracker()
    const call = gated.addMessages([
      { sessionId: other.sessionId, role: 'user', content: 'before the end' },
      { sessionId: ending.sessionId, role: 'user', content: 'before the end' },
    ])
    await until(() => gatedSent() === 1, 'the call is sent')
    let ended = false
    const end = gated.endSession(ending.sessionId).then((session) => ((ended = true), session))
    await sleep(50)
    expect(ended).toBe(false)
    release()
    await expect(call).resolves.toHaveLength(2)
    await expect(end).resolves.toMatchObject({ sessionId: ending.sessionId, messageCount: 1 })
    await Promise.all([held.close(), gated.close()])
  })

  it('an id another caller of the same batch stores first refuses the whole later call that repeats it with other content', async () => {
    const [one, two] = await sessions(2)
    const id = crypto.randomUUID()
    const fresh = crypto.randomUUID()
    const [stored, refused] = await Promise.allSettled([
      tracker.addMessage({ id, sessionId: one!.sessionId, role: 'user', content: 'one' }),
      tracker.addMessages([
        { id: fresh, sessionId: two!.sessionId, role: 'user', content: 'fresh' },
        { id, sessionId: one!.sessionId, role: 'user', content: 'two' },
      ]),
    ])
    expect(stored).toMatchObject({ status: 'fulfilled', value: { id, content: 'one' } })
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'MESSAGE_CONFLICT', details: { id, differing: ['content'] } } })
    expect(await tracker.listMessages(two!.sessionId)).toEqual([])
  })

  it(`callers' messages fill a statement up to ${MAX_BATCH_ROWS} rows exactly, never past it`, async () => {
    const seen: BatchStats[] = []
    const oneConnection = await createTracker({ database: { ...database, maxConcurrentWrites: 1 }, onBatch: (batch) => seen.push(batch) })
    const [session] = await sessions(1)
    const call = (count: number) =>
      oneConnection.addMessages(Array.from({ length: count }, (_, index) => ({ sessionId: session!.sessionId, role: 'user' as const, content: `${index}` })))
    // Five callers at once: four that fill a statement exactly, or one row short of it so that the fifth's
    // two rows would overflow it; the fifth goes next, whole.
    for (const [sizes, statements] of [
      [[500, 500, 500, 500, 1], [MAX_BATCH_ROWS, 1]],
      [[500, 500, 500, 499, 2], [MAX_BATCH_ROWS - 1, 2]],
    ]) {
      seen.length = 0
      await Promise.all(sizes!.map(call))
      expect(seen.map((batch) => batch.rows), `callers of ${sizes!.join(', ')} rows`).toEqual(statements)
    }
    await oneConnection.close()
  })

  it(`a call is never split across statements, and a queue shared out among connections still sends none past ${MAX_BATCH_ROWS} rows`, async () => {
    const [one] = await sessions(1)
    batches.length = 0
    const many = Array.from({ length: 100 }, (_, index) => ({ sessionId: one!.sessionId, role: 'user' as const, content: `${index}` }))
    await tracker.addMessages(many)
    expect(batches.map((batch) => batch.rows)).toEqual([100])
    // 4,500 rows from 18 callers: shared out between two connections, each share would be 2,250 rows.
    const callers = await sessions(18)
    batches.length = 0
    await Promise.all(
      callers.map(({ sessionId }) =>
        tracker.addMessages(Array.from({ length: 250 }, (_, index) => ({ sessionId, role: 'user' as const, content: `${index}` }))),
      ),
    )
    expect(batches.reduce((rows, batch) => rows + batch.rows, 0)).toBe(4_500)
    expect(Math.max(...batches.map((batch) => batch.rows))).toBe(MAX_BATCH_ROWS)
  })

  it('tells the observer how many rows each statement carried and how many were new', async () => {
    const [session] = await sessions(1)
    const messages = [
      { id: crypto.randomUUID(), sessionId: session!.sessionId, role: 'user' as const, content: 'one' },
      { id: crypto.randomUUID(), sessionId: session!.sessionId, role: 'assistant' as const, content: 'two' },
    ]
    batches.length = 0
    await tracker.addMessages(messages)
    await tracker.addMessages(messages)
    expect(batches).toEqual([
      { rows: 2, inserted: 2 },
      { rows: 2, inserted: 0 },
    ])
  })

  it('an observer that throws fails no write', async () => {
    const throwing = await createTracker({ database, onBatch: () => { throw new Error('metrics broke') } })
    const { sessionId } = await throwing.startSession({})
    await expect(throwing.addMessage({ sessionId, role: 'user', content: 'still stored' })).resolves.toMatchObject({ content: 'still stored' })
    await throwing.close()
  })

  it('an error no check foresaw fails only the caller whose row caused it; the others, retried at once, are stored', async () => {
    const stop = await failInserts('P0001', `new.content = 'boom'`)
    try {
      // Retried the moment the statement fails, on connections of their own, the others must not find its
      // locks still held: round after round (one connection, as PGlite has, leaves no such race).
      const rounds = database.maxConcurrentWrites > 1 ? 100 : 1
      let started: Awaited<ReturnType<typeof sessions>> = []
      for (let round = 0; round < rounds; round++) {
        started = await sessions(6)
        const results = await Promise.allSettled(
          started.map(({ sessionId }, index) => tracker.addMessage({ sessionId, role: 'user', content: index === 3 ? 'boom' : `fine ${index}` })),
        )
        const outcomes = results.map((result) => (result.status === 'fulfilled' ? 'stored' : String(result.reason)))
        expect(outcomes, `round ${round}`).toEqual(['stored', 'stored', 'stored', expect.stringContaining('refused by a test trigger'), 'stored', 'stored'])
      }
      // Such a failure is no outage, with others stored beside it or alone.
      expect(tracker.writeFailingForMs()).toBe(0)
      await expect(tracker.addMessage({ sessionId: started[0]!.sessionId, role: 'user', content: 'boom' })).rejects.toThrow('refused by a test trigger')
      await sleep(5)
      expect(tracker.writeFailingForMs()).toBe(0)
    } finally {
      await stop()
    }
  })

  it('while the database refuses writes, every caller hears it, no caller is retried alone, and the failing clock runs from the first failure until a commit', async () => {
    const started = await sessions(4)
    const stop = await failInserts('25006')
    let stopped = false
    try {
      const before = statements()
      const results = await Promise.allSettled(started.map(({ sessionId }) => tracker.addMessage({ sessionId, role: 'user', content: 'during the outage' })))
      for (const result of results) {
        expect(result.status).toBe('rejected')
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError)
      }
      // The callers of one statement are not sent again one by one to a database that is down.
      expect(statements() - before).toBeLessThanOrEqual(2)
      await sleep(120)
      await expect(tracker.addMessage({ sessionId: started[0]!.sessionId, role: 'user', content: 'still down' })).rejects.toBeInstanceOf(UnavailableError)
      // A later failure does not restart the clock, and the clock counts from the first one.
      expect(tracker.writeFailingForMs()).toBeGreaterThanOrEqual(100)
      expect(tracker.writeFailingForMs()).toBeLessThan(60_000)
      await stop()
      stopped = true
      await tracker.addMessage({ sessionId: started[0]!.sessionId, role: 'user', content: 'back' })
      expect(tracker.writeFailingForMs()).toBe(0)
    } finally {
      if (!stopped) await stop()
    }
  })

  it('a stored id sent again with other fields is refused naming them, as the wire spells them and as the library does', async () => {
    const [session] = await sessions(1)
    const id = crypto.randomUUID()
    await tracker.addMessage({ id, sessionId: session!.sessionId, role: 'user', content: 'first', audioUrl: 'https://audio.example/1.wav' })
    const error = await tracker.addMessage({ id, sessionId: session!.sessionId, role: 'user', content: 'second' }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      code: 'MESSAGE_CONFLICT',
      message: `message ${id} is already stored with a different content, audio_url; give a new message a new id`,
      details: { id, sessionId: session!.sessionId, differing: ['content', 'audioUrl'] },
    })
  })

  it('a missing or ended session is named in the error, with its id in the details', async () => {
    const missing = crypto.randomUUID()
    await expect(tracker.addMessage({ sessionId: missing, role: 'user', content: 'x' })).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
      message: `session ${missing} does not exist; start it first`,
      details: { sessionId: missing },
    })
    const [ended] = await sessions(1)
    await tracker.endSession(ended!.sessionId)
    await expect(tracker.addMessage({ sessionId: ended!.sessionId, role: 'user', content: 'late' })).rejects.toMatchObject({
      code: 'SESSION_ENDED',
      message: `session ${ended!.sessionId} has ended; start a new session`,
      details: { sessionId: ended!.sessionId },
    })
  })

  // Locks held by another connection: PGlite has one connection, so no other can hold one.
  if (backend.name !== 'postgres') return

  it('writes to sessions locked elsewhere wait in as many lanes as there are write connections; one more hears SESSION_LOCKED at once; after the locks go every session takes writes', async () => {
    const url = await backend.freshUrl()
    const locking = await createTracker({ database: url, migrate: true, lockTimeoutMs: 1_000 })
    const holder = new pg.Client({ connectionString: url })
    try {
      const lanes = locking.database.maxConcurrentWrites
      const locked = await Promise.all(Array.from({ length: lanes + 2 }, async () => (await locking.startSession({})).sessionId))
      await holder.connect()
      await holder.query('begin')
      await holder.query('select * from conversation_sessions where session_id = any($1::uuid[]) for update', [locked])
      // One write per lane, and last a call touching the two sessions left.
      const [alone, pair] = [locked.slice(0, lanes), locked.slice(lanes)]
      const results = await Promise.allSettled([
        ...alone.map((sessionId) => locking.addMessage({ sessionId, role: 'user', content: 'behind a lock' })),
        locking.addMessages(pair.map((sessionId) => ({ sessionId, role: 'user' as const, content: 'behind a lock' }))),
      ])
      const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as UnavailableError).code : 'stored'))
      expect(codes).toEqual([...alone.map(() => 'DATABASE_LOCK_TIMEOUT'), 'SESSION_LOCKED'])
      expect((results[lanes] as PromiseRejectedResult).reason).toMatchObject({
        message: `session ${pair[0]}, ${pair[1]} is locked by another transaction; retry shortly`,
        details: { sessionId: pair[0], retryAfterSeconds: 1 },
      })
      await holder.query('rollback')
      for (const sessionId of locked) {
        await locking.addMessage({ sessionId, role: 'user', content: 'after the lock' })
        expect((await locking.listMessages(sessionId)).map((message) => message.content)).toEqual(['after the lock'])
      }
      // The lanes are free again, and a lock let go within the timeout lets every waiting write commit.
      await holder.query('begin')
      await holder.query('select * from conversation_sessions where session_id = any($1::uuid[]) for update', [locked.slice(0, lanes)])
      const waiting = locked.slice(0, lanes).map((sessionId) => locking.addMessage({ sessionId, role: 'user', content: 'waited' }))
      await sleep(200)
      await holder.query('rollback')
      await expect(Promise.all(waiting)).resolves.toHaveLength(lanes)
      for (const sessionId of locked.slice(0, lanes)) {
        expect((await locking.listMessages(sessionId)).map((message) => message.content)).toEqual(['after the lock', 'waited'])
      }
    } finally {
      await holder.end().catch(() => {})
      await locking.close()
    }
  })

  it('an id another writer is storing at the same moment under another session is refused, never acknowledged unstored', async () => {
    const url = await backend.freshUrl()
    const first = await createTracker({ database: url, migrate: true })
    const second = await createTracker({ database: url })
    const slow = new pg.Client({ connectionString: url })
    try {
      await slow.connect()
      // Holds the first writer's transaction open after its row is in the index, so the second waits on that row.
      await slow.query(`create function test_slow_insert() returns trigger language plpgsql as $$
        begin if new.content = 'slow' then perform pg_sleep(0.5); end if; return null; end $$;
        create trigger test_slow_insert after insert on conversation_messages for each row execute function test_slow_insert();`)
      const [one, other] = [await first.startSession({}), await second.startSession({})]
      const id = crypto.randomUUID()
      const stored = first.addMessage({ id, sessionId: one.sessionId, role: 'user', content: 'slow' })
      // The second goes once the first has its row in and sleeps in the trigger, however loaded the machine.
      const sleeping = `select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`
      await until(async () => (await slow.query(sleeping)).rowCount! > 0, 'the first writer sleeps in its trigger')
      const refused = second.addMessage({ id, sessionId: other.sessionId, role: 'user', content: 'slow' }).catch((error: unknown) => error)
      await expect(stored).resolves.toMatchObject({ id, sessionId: one.sessionId })
      expect(await refused).toMatchObject({ code: 'MESSAGE_CONFLICT', details: { id, differing: ['sessionId'] } })
      expect(await second.listMessages(other.sessionId)).toEqual([])
    } finally {
      await slow.end().catch(() => {})
      await second.close()
      await first.close()
    }
  })
})
