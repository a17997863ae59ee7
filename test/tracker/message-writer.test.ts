// The group-commit queue of the write path without a server: a fake database
// that answers the batch statement the way parley_insert_messages does
// (migrations/0004), so that what callers see can be checked exactly: who
// shares a statement, who waits, what each caller's promise settles with.
import { describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { ConflictError, NotFoundError, UnavailableError } from '../../src/model/errors.js'
import { DEFAULT_LIMITS } from '../../src/model/limits.js'
import { validateMessages } from '../../src/model/validate.js'
import { MAX_BATCH_ROWS, MessageWriter, type BatchRow, type BatchStats } from '../../src/tracker/message-writer.js'

const A = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f1'
const B = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f2'
const ENDED = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f3'
const NOBODY = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f4'
const USER = '9f8e7d6c-0000-4000-8000-000000000001'
const T = new Date('2026-11-29T10:00:00.000Z')

interface InputRow {
  ord: number
  caller: number
  id: string
  session_id: string
  content: string
}

interface Statement {
  rows: InputRow[]
  finish(): void
}

/** A database whose batch statement behaves like parley_insert_messages, held until `finish` unless `auto`. */
function fakeDatabase({ maxConcurrentWrites = 1, auto = true } = {}) {
  const stored = new Map<string, string>()
  const sessions = new Map<string, boolean>([
    [A, true],
    [B, true],
    [ENDED, false],
  ])
  const statements: Statement[] = []
  let seq = 0
  let failNext: unknown
  let notStoredOnce = new Set<string>()
  const answer = (rows: InputRow[]): BatchRow[] => {
    const callers = new Map<number, InputRow[]>()
    for (const row of rows) callers.set(row.caller, [...(callers.get(row.caller) ?? []), row])
    const out: BatchRow[] = []
    for (const group of callers.values()) {
      const outcome = group.map((row) => {
        const sessionFound = sessions.has(row.session_id)
        const sessionActive = sessions.get(row.session_id) === true
        const existing = stored.get(row.id)
        const lost = notStoredOnce.delete(row.id)
        return { row, sessionFound, sessionActive, existing, differs: existing !== undefined && existing !== row.content, lost }
      })
      const callerFailed = outcome.some((o) => (o.existing !== undefined ? o.differs : !(o.sessionFound && o.sessionActive)))
      for (const o of outcome) {
        const inserted = !callerFailed && o.existing === undefined && !o.lost
        if (inserted) stored.set(o.row.id, o.row.content)
        out.push({
          ord: o.row.ord,
          callerFailed,
          sessionFound: o.sessionFound,
          sessionActive: o.sessionActive,
          differs: o.differs,
          stored: !o.lost && (o.existing !== undefined || inserted),
          seq: ++seq,
          createdAt: T,
          userId: USER,
          inserted,
        })
      }
    }
    return out
  }
  const database = {
    description: 'fake',
    embedded: true,
    maxConcurrentWrites,
    async query(_sql: string, params: unknown[]) {
      const rows = JSON.parse(params[0] as string) as InputRow[]
      if (failNext !== undefined) {
        const error = failNext
        failNext = undefined
        statements.push({ rows, finish: () => {} })
        throw error
      }
      await new Promise<void>((resolve) => {
        statements.push({ rows, finish: resolve })
        if (auto) resolve()
      })
      return { rows: answer(rows) }
    },
  } as unknown as Database
  return {
    database,
    statements,
    stored,
    failNextWith: (error: unknown) => (failNext = error),
    loseOnce: (id: string) => (notStoredOnce = new Set([...notStoredOnce, id])),
  }
}

const messages = (sessionId: string, ...contents: string[]) =>
  validateMessages(
    contents.map((content) => ({ sessionId, role: 'user' as const, content })),
    DEFAULT_LIMITS,
  )
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
const settled = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }))

describe('the write path: group commit', () => {
  it('resolves with each message as committed: its seq, the session user, inserted', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const input = messages(A, 'hello', 'world')
    const stored = await writer.write(input)
    expect(stored).toEqual(
      input.map((message, index) => ({
        inserted: true,
        message: {
          id: message.id,
          sessionId: A,
          userId: USER,
          role: 'user',
          content: message.content,
          audioUrl: null,
          metadata: {},
          createdAt: T,
          seq: index + 1,
        },
      })),
    )
  })

  it('puts callers of the same tick in one statement, numbered across them', async () => {
    const fake = fakeDatabase()
    const batches: BatchStats[] = []
    const writer = new MessageWriter(fake.database, (batch) => batches.push(batch))
    await Promise.all([writer.write(messages(A, 'a1')), writer.write(messages(B, 'b1', 'b2')), writer.write(messages(A, 'a2'))])
    expect(fake.statements).toHaveLength(1)
    expect(fake.statements[0]!.rows.map(({ ord, caller, content }) => [ord, caller, content])).toEqual([
      [0, 0, 'a1'],
      [1, 1, 'b1'],
      [2, 1, 'b2'],
      [3, 2, 'a2'],
    ])
    expect(batches).toEqual([{ rows: 4, inserted: 4 }])
  })

  it('a retry of a stored id is not inserted again; the same id with other content is a conflict for that caller only', async () => {
    const fake = fakeDatabase()
    const batches: BatchStats[] = []
    const writer = new MessageWriter(fake.database, (batch) => batches.push(batch))
    const [first] = messages(A, 'same')
    await writer.write([first!])
    const [again, changed, other] = await Promise.all([
      settled(writer.write([first!])),
      settled(writer.write([{ ...first!, content: 'changed' }])),
      settled(writer.write(messages(B, 'fine'))),
    ])
    expect(again).toMatchObject({ value: [{ inserted: false, message: { id: first!.id, content: 'same' } }] })
    const conflict = (changed as { error: ConflictError }).error
    expect(conflict).toBeInstanceOf(ConflictError)
    expect(conflict.code).toBe('MESSAGE_CONFLICT')
    expect(conflict.details).toMatchObject({ id: first!.id, sessionId: A })
    expect(conflict.message).toBe(`message ${first!.id} is already stored with different content; give a new message a new id`)
    expect(other).toMatchObject({ value: [{ inserted: true }] })
    // The changed write waits for the next statement: its id is in this one already.
    expect(batches.slice(1)).toEqual([
      { rows: 2, inserted: 1 },
      { rows: 1, inserted: 0 },
    ])
  })

  it('names a missing session as not found and an ended one as ended, storing none of that caller', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const missing = await settled(writer.write([...messages(A, 'ok'), ...messages(NOBODY, 'lost')]))
    expect((missing as { error: NotFoundError }).error).toBeInstanceOf(NotFoundError)
    expect((missing as { error: NotFoundError }).error.code).toBe('SESSION_NOT_FOUND')
    expect((missing as { error: NotFoundError }).error.message).toBe(`session ${NOBODY} does not exist; start it first`)
    const ended = await settled(writer.write(messages(ENDED, 'late')))
    expect((ended as { error: ConflictError }).error).toBeInstanceOf(ConflictError)
    expect((ended as { error: ConflictError }).error.code).toBe('SESSION_ENDED')
    expect((ended as { error: ConflictError }).error.details).toEqual({ sessionId: ENDED })
    expect((ended as { error: ConflictError }).error.message).toBe(`session ${ENDED} has ended; start a new session`)
    expect(fake.stored.size).toBe(0)
  })

  it('names the row that failed when its caller is not first in the statement', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const [first, failing] = await Promise.all([
      settled(writer.write(messages(A, 'a'))),
      settled(writer.write([...messages(B, 'b'), ...messages(NOBODY, 'lost')])),
    ])
    expect(first).toMatchObject({ value: [{ inserted: true }] })
    expect((failing as { error: NotFoundError }).error.message).toBe(`session ${NOBODY} does not exist; start it first`)
    expect(fake.statements).toHaveLength(1)
  })

  it('sends a write with an id already in the statement in the next one, even if its other ids are new', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const [m1, m2] = messages(A, 'one', 'two')
    await Promise.all([writer.write([m1!]), writer.write([m1!, m2!])])
    expect(fake.statements.map((statement) => statement.rows.map((row) => row.content))).toEqual([['one'], ['one', 'two']])
  })

  it('never has more statements in flight than the database has write connections', async () => {
    const fake = fakeDatabase({ maxConcurrentWrites: 1, auto: false })
    const writer = new MessageWriter(fake.database)
    const a = writer.write(messages(A, 'a'))
    await tick()
    const b = writer.write(messages(B, 'b'))
    await tick()
    expect(fake.statements).toHaveLength(1)
    fake.statements[0]!.finish()
    await a
    await tick()
    expect(fake.statements).toHaveLength(2)
    fake.statements[1]!.finish()
    await b
    const c = writer.write(messages(A, 'c'))
    await tick()
    expect(fake.statements).toHaveLength(3)
    fake.statements[2]!.finish()
    await c
  })

  it('does not split a large queue when only one connection is free', async () => {
    const fake = fakeDatabase({ maxConcurrentWrites: 2, auto: false })
    const writer = new MessageWriter(fake.database)
    const busy = writer.write(messages(A, 'a'))
    await tick()
    const queued = Array.from({ length: 33 }, (_, index) => writer.write(messages(B, `b${index}`)))
    await tick()
    expect(fake.statements.map((statement) => statement.rows.length)).toEqual([1, 33])
    for (const statement of fake.statements) statement.finish()
    await Promise.all([busy, ...queued])
  })

  it('keeps a many-row write whole: it waits for the next statement rather than overfill this one', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const singles = Array.from({ length: MAX_BATCH_ROWS - 1 }, (_, index) => writer.write(messages(A, `m${index}`)))
    const pair = writer.write(messages(B, 'p1', 'p2'))
    await Promise.all([...singles, pair])
    expect(fake.statements.map((statement) => statement.rows.length)).toEqual([MAX_BATCH_ROWS - 1, 2])
  })

  it('sends the same id queued twice in two statements, so the second is compared with the first', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const [message] = messages(A, 'x')
    const [one, two] = await Promise.all([writer.write([message!]), writer.write([message!])])
    expect(fake.statements).toHaveLength(2)
    expect([one![0]!.inserted, two![0]!.inserted]).toEqual([true, false])
  })

  it('holds a write for a session with a batch in flight, while another session uses a free connection', async () => {
    const fake = fakeDatabase({ maxConcurrentWrites: 2, auto: false })
    const writer = new MessageWriter(fake.database)
    const first = writer.write(messages(A, 'a1'))
    await tick()
    const second = writer.write(messages(A, 'a2'))
    const other = writer.write(messages(B, 'b1'))
    await tick()
    expect(fake.statements.map((statement) => statement.rows.map((row) => row.content))).toEqual([['a1'], ['b1']])
    fake.statements[0]!.finish()
    await first
    await tick()
    expect(fake.statements.map((statement) => statement.rows.map((row) => row.content))).toEqual([['a1'], ['b1'], ['a2']])
    fake.statements[1]!.finish()
    fake.statements[2]!.finish()
    expect((await second)[0]!.message.seq).toBeGreaterThan((await first)[0]!.message.seq)
    await other
  })

  it('keeps a later write of a held-back session behind it, in call order', async () => {
    const fake = fakeDatabase({ maxConcurrentWrites: 2, auto: false })
    const writer = new MessageWriter(fake.database)
    void writer.write(messages(A, 'a1'))
    await tick()
    void writer.write(messages(A, 'a2'))
    void writer.write([...messages(B, 'b1'), ...messages(A, 'a3')])
    void writer.write(messages(B, 'b2'))
    await tick()
    // b1 travels with a3, which must wait for a1; so b2 waits too.
    expect(fake.statements.map((statement) => statement.rows.map((row) => row.content))).toEqual([['a1']])
    fake.statements[0]!.finish()
    await tick()
    await tick()
    expect(fake.statements.slice(1).map((statement) => statement.rows.map((row) => row.content))).toEqual([['a2', 'b1', 'a3', 'b2']])
    fake.statements[1]!.finish()
  })

  it('shares a large queue among free connections, but not a small one', async () => {
    const fake = fakeDatabase({ maxConcurrentWrites: 2 })
    const writer = new MessageWriter(fake.database)
    await Promise.all(Array.from({ length: 32 }, (_, index) => writer.write(messages(index % 2 === 0 ? A : B, `m${index}`))))
    expect(fake.statements.map((statement) => statement.rows.length)).toEqual([16, 16])
    fake.statements.length = 0
    await Promise.all(Array.from({ length: 31 }, (_, index) => writer.write(messages(index % 2 === 0 ? A : B, `n${index}`))))
    expect(fake.statements.map((statement) => statement.rows.length)).toEqual([31])
  })

  it('puts at most MAX_BATCH_ROWS rows in one statement', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const writes = Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, index) => writer.write(messages(A, `m${index}`)))
    await Promise.all(writes)
    expect(fake.statements.map((statement) => statement.rows.length)).toEqual([MAX_BATCH_ROWS, 1])
  })

  it('a statement that fails for an unforeseen reason is retried caller by caller, so only the culprit fails', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const failure = new Error('a user trigger said no')
    fake.failNextWith(failure)
    const outcomes = await Promise.all([settled(writer.write(messages(A, 'a'))), settled(writer.write(messages(B, 'b')))])
    expect(outcomes.map((outcome) => 'value' in outcome)).toEqual([true, true])
    expect(fake.statements.map((statement) => statement.rows.length)).toEqual([2, 1, 1])
    fake.failNextWith(failure)
    expect(await settled(writer.write(messages(A, 'alone')))).toEqual({ error: failure })
  })

  it('an unavailable database fails every caller of the statement at once, without a retry', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const down = new UnavailableError('DATABASE_UNAVAILABLE', 'down')
    fake.failNextWith(down)
    const outcomes = await Promise.all([settled(writer.write(messages(A, 'a'))), settled(writer.write(messages(B, 'b')))])
    expect(outcomes).toEqual([{ error: down }, { error: down }])
    expect(fake.statements).toHaveLength(1)
  })

  it('goes round again when a concurrent writer stored a row between read and insert', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const [message] = messages(A, 'raced')
    fake.loseOnce(message!.id)
    const [stored] = await writer.write([message!])
    expect(fake.statements).toHaveLength(2)
    expect(stored!.inserted).toBe(true)
  })

  it('goes round again when any one of a write\'s rows was not stored', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database)
    const [kept, raced] = messages(A, 'kept', 'raced')
    fake.loseOnce(raced!.id)
    const stored = await writer.write([kept!, raced!])
    expect(fake.statements).toHaveLength(2)
    expect(stored.map((row) => row.message.content)).toEqual(['kept', 'raced'])
  })

  it('drain(sessionId) waits for a write that touches that session among others', async () => {
    const fake = fakeDatabase({ auto: false })
    const writer = new MessageWriter(fake.database)
    let done = false
    void writer.write([...messages(B, 'b'), ...messages(A, 'a')])
    await tick()
    void writer.drain(A).then(() => (done = true))
    await tick()
    expect(done).toBe(false)
    fake.statements[0]!.finish()
    await tick()
    await tick()
    expect(done).toBe(true)
    await writer.drain(NOBODY)
  })

  it('a batch observer that throws does not fail a committed write', async () => {
    const fake = fakeDatabase()
    const writer = new MessageWriter(fake.database, () => {
      throw new Error('metrics broke')
    })
    await expect(writer.write(messages(A, 'a'))).resolves.toHaveLength(1)
  })

  it('drain waits for the writes queued before it; drain(sessionId) only for that session', async () => {
    const fake = fakeDatabase({ maxConcurrentWrites: 2, auto: false })
    const writer = new MessageWriter(fake.database)
    let aDone = false
    let bDone = false
    void writer.write(messages(A, 'a')).then(() => (aDone = true))
    await tick()
    void writer.write(messages(B, 'b')).then(() => (bDone = true))
    await tick()
    expect(fake.statements).toHaveLength(2)
    let drainedA = false
    let drainedAll = false
    void writer.drain(A).then(() => (drainedA = true))
    void writer.drain().then(() => (drainedAll = true))
    fake.statements[0]!.finish()
    await tick()
    expect([aDone, drainedA, bDone, drainedAll]).toEqual([true, true, false, false])
    fake.statements[1]!.finish()
    await tick()
    await tick()
    expect([bDone, drainedAll]).toEqual([true, true])
    await expect(writer.drain()).resolves.toBeUndefined()
  })
})
