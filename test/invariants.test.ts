// The invariants of migrations/0002 as every writer meets them: raw SQL, the
// way psql and the seed's Python code (through PostgREST) write, never the tracker.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Database, Queryable } from '../src/db/database.js'
import { NotFoundError, ParleyError, ValidationError } from '../src/model/errors.js'
import { describeEachBackend } from './support/backends.js'

interface SessionRow {
  id: string
  session_id: string
  user_id: string | null
  is_active: boolean
  duration_seconds: number | null
  metadata: unknown
  topics_discussed: string[]
  message_count: number
  // Epoch seconds (float8): microseconds survive, unlike a JS Date.
  session_start: number
  started_at: number
  session_end: number | null
  ended_at: number | null
}

interface MessageRow {
  id: string
  session_id: string
  user_id: string | null
  role: string
  content: string
  audio_url: string | null
  metadata: unknown
  created_at: number
  // int8 comes back as a string from pg and a number from PGlite.
  seq: string
}

const sessionColumns = /* sql */ `
  id, session_id, user_id, is_active, duration_seconds, metadata, topics_discussed, message_count,
  extract(epoch from session_start)::float8 as session_start,
  extract(epoch from started_at)::float8 as started_at,
  extract(epoch from session_end)::float8 as session_end,
  extract(epoch from ended_at)::float8 as ended_at`

const messageColumns = /* sql */ `
  id, session_id, user_id, role, content, audio_url, metadata, seq::text as seq,
  extract(epoch from created_at)::float8 as created_at`

// Python's datetime.utcnow().isoformat(): no zone, microseconds.
const T0 = '2025-03-14T09:26:53.589793'
const T0_LATER = '2025-03-14T09:26:53.589801'
const T1 = '2025-03-14T09:27:38.789793'
const T1_LATER = '2025-03-14T09:27:38.789812'
const SECONDS_T0_T1 = 45.2

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError)
    return error as ParleyError
  }
  throw new Error('expected the statement to be rejected, but it succeeded')
}

function sqlstate(error: ParleyError): unknown {
  return (error.cause as { code?: unknown } | undefined)?.code
}

async function expectCheckViolation(promise: Promise<unknown>, constraint: string): Promise<void> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(ValidationError)
  expect(error.code).toBe('DATABASE_REJECTED')
  expect(sqlstate(error)).toBe('23514')
  // The right constraint caught it, not some other one by accident.
  expect((error as ValidationError).field).toBe(constraint)
}

function expectClose(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull()
  expect(Math.abs((actual as number) - expected)).toBeLessThan(1e-6)
}

describeEachBackend('database invariants', (backend) => {
  let db: Database

  beforeAll(async () => {
    db = await backend.migratedDatabase()
  })

  // Raw `insert into <table> (<exactly these columns>) values ($1, …)`, as PostgREST builds it.
  async function insert(target: Queryable, table: string, row: Record<string, unknown>, returning = '*') {
    const columns = Object.keys(row)
    const values = columns.map((_, index) => `$${index + 1}`).join(', ')
    const sql = `insert into ${table} (${columns.join(', ')}) values (${values}) returning ${returning}`
    return target.query(sql, Object.values(row))
  }

  async function insertSession(row: Record<string, unknown>, target: Queryable = db): Promise<SessionRow> {
    const { rows } = await insert(target, 'conversation_sessions', row, sessionColumns)
    return rows[0] as unknown as SessionRow
  }

  async function insertMessage(row: Record<string, unknown>): Promise<MessageRow> {
    const { rows } = await insert(db, 'conversation_messages', { content: 'hi', role: 'user', ...row }, messageColumns)
    return rows[0] as unknown as MessageRow
  }

  async function readSession(sessionId: string, target: Queryable = db): Promise<SessionRow | undefined> {
    const { rows } = await target.query<SessionRow>(
      `select ${sessionColumns} from conversation_sessions where session_id = $1::uuid`,
      [sessionId],
    )
    return rows[0]
  }

  async function mustReadSession(sessionId: string): Promise<SessionRow> {
    const row = await readSession(sessionId)
    expect(row).toBeDefined()
    return row as SessionRow
  }

  async function readMessages(sessionId: string): Promise<MessageRow[]> {
    const { rows } = await db.query<MessageRow>(
      `select ${messageColumns} from conversation_messages where session_id = $1::uuid order by seq`,
      [sessionId],
    )
    return rows
  }

  // A timestamp as the server reads it, in epoch seconds.
  async function epoch(timestamp: string): Promise<number> {
    const { rows } = await db.query<{ epoch: number }>('select extract(epoch from $1::timestamptz)::float8 as epoch', [
      timestamp,
    ])
    return rows[0]!.epoch
  }

  async function newSession(row: Record<string, unknown> = {}): Promise<SessionRow> {
    return insertSession({ session_id: randomUUID(), user_id: randomUUID(), ...row })
  }

  async function messageCount(sessionId: string): Promise<number> {
    const session = await mustReadSession(sessionId)
    const { rows } = await db.query<{ n: number }>(
      'select count(*)::int as n from conversation_messages where session_id = $1::uuid',
      [sessionId],
    )
    // The stored counter and the real count agree.
    expect(session.message_count).toBe(rows[0]!.n)
    return session.message_count
  }

  describe("the seed's own statements", () => {
    it('session start: session_id, user_id, session_start, started_at, is_active, metadata', async () => {
      const sessionId = randomUUID()
      const userId = randomUUID()
      await db.query(
        `insert into conversation_sessions (session_id, user_id, session_start, started_at, is_active, metadata)
         values ($1, $2, $3, $4, $5, $6)`,
        [sessionId, userId, T0, T0_LATER, true, '{}'],
      )
      const session = await mustReadSession(sessionId)
      expect(session.id).toBe(sessionId)
      expect(session.user_id).toBe(userId)
      // Two clock reads microseconds apart: session_start wins.
      expect(session.session_start).toBe(await epoch(T0))
      expect(session.started_at).toBe(session.session_start)
      expect(session.is_active).toBe(true)
      expect(session.session_end).toBeNull()
      expect(session.ended_at).toBeNull()
      expect(session.duration_seconds).toBeNull()
      expect(session.metadata).toEqual({})
      expect(session.topics_discussed).toEqual([])
      expect(session.message_count).toBe(0)
    })

    it('message insert: session_id, user_id (null), role, content, audio_url, metadata (null), created_at', async () => {
      const session = await newSession({ session_start: T0 })
      const statement = `insert into conversation_messages
           (session_id, user_id, role, content, audio_url, metadata, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)`
      // A process that did not start the session knows no user_id.
      await db.query(statement, [session.session_id, null, 'user', 'Hello there', null, null, T0_LATER])
      const otherUser = randomUUID()
      await db.query(statement, [
        session.session_id,
        otherUser,
        'assistant',
        'Hi! How can I help?',
        'https://cdn.example.com/a.mp3',
        '{"voice":"alloy"}',
        T1,
      ])
      const [first, second] = await readMessages(session.session_id)
      expect(first).toMatchObject({
        user_id: session.user_id,
        role: 'user',
        content: 'Hello there',
        audio_url: null,
        metadata: {},
      })
      expect(first!.created_at).toBe(await epoch(T0_LATER))
      expect(second).toMatchObject({
        user_id: otherUser,
        role: 'assistant',
        audio_url: 'https://cdn.example.com/a.mp3',
        metadata: { voice: 'alloy' },
      })
      expect(await messageCount(session.session_id)).toBe(2)
    })

    it("session end: session_end, ended_at, is_active=false, duration_seconds (the writer's duration is kept)", async () => {
      const session = await newSession({ session_start: T0, started_at: T0_LATER, is_active: true, metadata: '{}' })
      // Python measured from its own clock, so its duration differs a little from the row's.
      await db.query(
        `update conversation_sessions set session_end = $1, ended_at = $2, is_active = $3, duration_seconds = $4
         where session_id = $5`,
        [T1, T1_LATER, false, 45.213, session.session_id],
      )
      const ended = await mustReadSession(session.session_id)
      expect(ended.session_end).toBe(await epoch(T1))
      expect(ended.ended_at).toBe(ended.session_end)
      expect(ended.is_active).toBe(false)
      expect(ended.duration_seconds).toBe(45.213)
    })
  })

  describe('id and session_id', () => {
    it('only session_id: id takes it', async () => {
      const sessionId = randomUUID()
      const session = await insertSession({ session_id: sessionId })
      expect(session.id).toBe(sessionId)
      expect(session.session_id).toBe(sessionId)
    })

    it('only id: session_id takes it', async () => {
      const id = randomUUID()
      const session = await insertSession({ id })
      expect(session.id).toBe(id)
      expect(session.session_id).toBe(id)
    })

    it('neither: both are the same generated UUID', async () => {
      const session = await insertSession({ user_id: randomUUID() })
      expect(session.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(session.session_id).toBe(session.id)
    })

    it('both, equal: stored', async () => {
      const id = randomUUID()
      const session = await insertSession({ id, session_id: id })
      expect(session.session_id).toBe(id)
    })

    it('both, different: rejected, nothing stored', async () => {
      const id = randomUUID()
      const sessionId = randomUUID()
      await expectCheckViolation(insertSession({ id, session_id: sessionId }), 'conversation_sessions_id_is_session_id')
      const { rows } = await db.query(
        'select 1 from conversation_sessions where id in ($1, $2) or session_id in ($1, $2)',
        [id, sessionId],
      )
      expect(rows).toHaveLength(0)
    })

    it('an update of only id moves session_id along, and the other way round', async () => {
      const session = await newSession()
      const moved = randomUUID()
      await db.query('update conversation_sessions set id = $1 where session_id = $2', [moved, session.session_id])
      expect((await mustReadSession(moved)).id).toBe(moved)
      const back = randomUUID()
      await db.query('update conversation_sessions set session_id = $1 where id = $2', [back, moved])
      expect((await mustReadSession(back)).id).toBe(back)
    })
  })

  describe('started_at = session_start', () => {
    it('only session_start', async () => {
      const session = await newSession({ session_start: T0 })
      expect(session.session_start).toBe(await epoch(T0))
      expect(session.started_at).toBe(session.session_start)
    })

    it('only started_at', async () => {
      const session = await newSession({ started_at: T0 })
      expect(session.started_at).toBe(await epoch(T0))
      expect(session.session_start).toBe(session.started_at)
    })

    it('neither: both now()', async () => {
      // now() is the transaction's start, so inside one transaction it is exact.
      const { session, now } = await db.transaction(async (tx) => {
        const session = await insertSession({ session_id: randomUUID() }, tx)
        const { rows } = await tx.query<{ now: number }>('select extract(epoch from now())::float8 as now')
        return { session, now: rows[0]!.now }
      })
      expect(session.session_start).toBe(now)
      expect(session.started_at).toBe(now)
    })

    it('both, different: session_start wins', async () => {
      const session = await newSession({ session_start: T0, started_at: T1 })
      expect(session.session_start).toBe(await epoch(T0))
      expect(session.started_at).toBe(session.session_start)
    })

    it('an update of only started_at moves session_start; both: session_start wins', async () => {
      const session = await newSession({ session_start: T0 })
      await db.query('update conversation_sessions set started_at = $1 where session_id = $2', [
        T0_LATER,
        session.session_id,
      ])
      let updated = await mustReadSession(session.session_id)
      expect(updated.session_start).toBe(await epoch(T0_LATER))
      expect(updated.started_at).toBe(updated.session_start)
      await db.query('update conversation_sessions set session_start = $1, started_at = $2 where session_id = $3', [
        T0,
        T1,
        session.session_id,
      ])
      updated = await mustReadSession(session.session_id)
      expect(updated.session_start).toBe(await epoch(T0))
      expect(updated.started_at).toBe(updated.session_start)
    })
  })

  describe('ended_at = session_end', () => {
    it('an update of only session_end', async () => {
      const session = await newSession({ session_start: T0 })
      await db.query('update conversation_sessions set session_end = $1 where session_id = $2', [T1, session.session_id])
      const ended = await mustReadSession(session.session_id)
      expect(ended.session_end).toBe(await epoch(T1))
      expect(ended.ended_at).toBe(ended.session_end)
    })

    it('an update of only ended_at ends the session fully', async () => {
      const session = await newSession({ session_start: T0 })
      await db.query('update conversation_sessions set ended_at = $1 where session_id = $2', [T1, session.session_id])
      const ended = await mustReadSession(session.session_id)
      expect(ended.ended_at).toBe(await epoch(T1))
      expect(ended.session_end).toBe(ended.ended_at)
      expect(ended.is_active).toBe(false)
      expectClose(ended.duration_seconds, SECONDS_T0_T1)
    })

    it('an update of both, different: session_end wins', async () => {
      const session = await newSession({ session_start: T0 })
      await db.query('update conversation_sessions set session_end = $1, ended_at = $2 where session_id = $3', [
        T1,
        T1_LATER,
        session.session_id,
      ])
      const ended = await mustReadSession(session.session_id)
      expect(ended.session_end).toBe(await epoch(T1))
      expect(ended.ended_at).toBe(ended.session_end)
    })

    it('an insert of only ended_at, or both different (session_end wins)', async () => {
      const onlyAlias = await newSession({ session_start: T0, ended_at: T1 })
      expect(onlyAlias.session_end).toBe(await epoch(T1))
      expect(onlyAlias.ended_at).toBe(onlyAlias.session_end)
      const both = await newSession({ session_start: T0, session_end: T1, ended_at: T1_LATER })
      expect(both.session_end).toBe(await epoch(T1))
      expect(both.ended_at).toBe(both.session_end)
    })
  })

  describe('ending a session', () => {
    it('duration_seconds = end − start, and is_active becomes false', async () => {
      const session = await newSession({ session_start: T0 })
      expect(session.is_active).toBe(true)
      await db.query('update conversation_sessions set session_end = $1 where session_id = $2', [T1, session.session_id])
      const ended = await mustReadSession(session.session_id)
      expectClose(ended.duration_seconds, SECONDS_T0_T1)
      expect(ended.is_active).toBe(false)
    })

    it("the writer's duration_seconds, given in the ending statement, is kept", async () => {
      const session = await newSession({ session_start: T0 })
      await db.query('update conversation_sessions set session_end = $1, duration_seconds = $2 where session_id = $3', [
        T1,
        12.5,
        session.session_id,
      ])
      expect((await mustReadSession(session.session_id)).duration_seconds).toBe(12.5)
      const inserted = await newSession({ session_start: T0, session_end: T1, duration_seconds: 7 })
      expect(inserted.duration_seconds).toBe(7)
    })

    it('a session inserted already ended gets its duration and is not active', async () => {
      const session = await newSession({ session_start: T0, session_end: T1, is_active: true })
      expectClose(session.duration_seconds, SECONDS_T0_T1)
      expect(session.is_active).toBe(false)
    })

    it('moving the start of an ended session recomputes the duration', async () => {
      const session = await newSession({ session_start: T0, session_end: T1 })
      await db.query('update conversation_sessions set session_start = $1 where session_id = $2', [
        '2025-03-14T09:27:00.789793',
        session.session_id,
      ])
      expectClose((await mustReadSession(session.session_id)).duration_seconds, 38)
    })

    it('setting only is_active = false ends the session now', async () => {
      const session = await newSession({ session_start: T0 })
      const { ended, now } = await db.transaction(async (tx) => {
        await tx.query('update conversation_sessions set is_active = false where session_id = $1', [session.session_id])
        const { rows } = await tx.query<{ now: number }>('select extract(epoch from now())::float8 as now')
        return { ended: await readSession(session.session_id, tx), now: rows[0]!.now }
      })
      expect(ended?.is_active).toBe(false)
      expect(ended?.session_end).toBe(now)
      expect(ended?.ended_at).toBe(now)
      expectClose(ended?.duration_seconds ?? null, now - session.session_start)
    })

    it('inserting with is_active = false ends the session now', async () => {
      const { session, now } = await db.transaction(async (tx) => {
        const session = await insertSession({ session_id: randomUUID(), session_start: T0, is_active: false }, tx)
        const { rows } = await tx.query<{ now: number }>('select extract(epoch from now())::float8 as now')
        return { session, now: rows[0]!.now }
      })
      expect(session.is_active).toBe(false)
      expect(session.session_end).toBe(now)
    })

    it('setting only is_active = false works when the start is ahead of the database clock', async () => {
      // The seed's Python stamps session_start from its own clock, which may run ahead.
      const { rows } = await db.query<{ ahead: string }>(`select (now() + interval '1 minute')::text as ahead`)
      const session = await newSession({ session_start: rows[0]!.ahead })
      await db.query('update conversation_sessions set is_active = false where session_id = $1', [session.session_id])
      const ended = await mustReadSession(session.session_id)
      expect(ended.is_active).toBe(false)
      expect(ended.session_end).toBe(session.session_start)
      expect(ended.duration_seconds).toBe(0)
    })

    it('is_active is false exactly when session_end is set, whatever the writer says', async () => {
      const running = await newSession({ is_active: true })
      expect(running.is_active).toBe(true)
      const ended = await newSession({ session_start: T0, session_end: T1, is_active: true })
      expect(ended.is_active).toBe(false)
      // Switching an ended session back on does not reopen it.
      await db.query('update conversation_sessions set is_active = true where session_id = $1', [ended.session_id])
      expect(await mustReadSession(ended.session_id)).toMatchObject({ is_active: false, session_end: ended.session_end })
      // Clearing the end reopens it.
      await db.query('update conversation_sessions set session_end = null where session_id = $1', [ended.session_id])
      expect(await mustReadSession(ended.session_id)).toMatchObject({
        is_active: true,
        ended_at: null,
        duration_seconds: null,
      })
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from conversation_sessions where is_active <> (session_end is null)',
      )
      expect(rows[0]!.n).toBe(0)
    })

    it('session_end before session_start is rejected', async () => {
      await expectCheckViolation(
        newSession({ session_start: T1, session_end: T0 }),
        'conversation_sessions_ends_after_start',
      )
      const session = await newSession({ session_start: T1 })
      await expectCheckViolation(
        db.query('update conversation_sessions set session_end = $1 where session_id = $2', [T0, session.session_id]),
        'conversation_sessions_ends_after_start',
      )
      await expectCheckViolation(
        db.query('update conversation_sessions set ended_at = $1 where session_id = $2', [T0, session.session_id]),
        'conversation_sessions_ends_after_start',
      )
      expect(await mustReadSession(session.session_id)).toMatchObject({ is_active: true, session_end: null })
    })
  })

  describe('messages', () => {
    it("user_id omitted or NULL takes the session's; an explicit one is kept", async () => {
      const session = await newSession()
      const omitted = await insertMessage({ session_id: session.session_id })
      const explicitNull = await insertMessage({ session_id: session.session_id, user_id: null })
      const someoneElse = randomUUID()
      const explicit = await insertMessage({ session_id: session.session_id, user_id: someoneElse })
      expect(omitted.user_id).toBe(session.user_id)
      expect(explicitNull.user_id).toBe(session.user_id)
      expect(explicit.user_id).toBe(someoneElse)
    })

    it('roles user, assistant, system and tool are stored; bot is rejected and nothing is stored', async () => {
      const session = await newSession()
      for (const role of ['user', 'assistant', 'system', 'tool']) {
        expect((await insertMessage({ session_id: session.session_id, role })).role).toBe(role)
      }
      const id = randomUUID()
      await expectCheckViolation(
        insertMessage({ id, session_id: session.session_id, role: 'bot' }),
        'conversation_messages_role_known',
      )
      const { rows } = await db.query('select 1 from conversation_messages where id = $1', [id])
      expect(rows).toHaveLength(0)
      expect(await messageCount(session.session_id)).toBe(4)
    })

    it("metadata NULL becomes '{}' in both tables", async () => {
      const session = await newSession({ metadata: null })
      expect(session.metadata).toEqual({})
      await db.query(`update conversation_sessions set metadata = '{"a":1}' where session_id = $1`, [session.session_id])
      await db.query('update conversation_sessions set metadata = null where session_id = $1', [session.session_id])
      expect((await mustReadSession(session.session_id)).metadata).toEqual({})
      const message = await insertMessage({ session_id: session.session_id, metadata: null })
      expect(message.metadata).toEqual({})
      await db.query('update conversation_messages set metadata = null where id = $1', [message.id])
      expect((await readMessages(session.session_id))[0]!.metadata).toEqual({})
    })

    it('non-object metadata is rejected in both tables', async () => {
      await expectCheckViolation(
        db.query(`insert into conversation_sessions (session_id, metadata) values ($1, '[1]'::jsonb)`, [randomUUID()]),
        'conversation_sessions_metadata_is_object',
      )
      const session = await newSession()
      await expectCheckViolation(
        db.query(`update conversation_sessions set metadata = '"text"'::jsonb where session_id = $1`, [
          session.session_id,
        ]),
        'conversation_sessions_metadata_is_object',
      )
      await expectCheckViolation(
        db.query(
          `insert into conversation_messages (session_id, role, content, metadata)
           values ($1, 'user', 'x', '[1]'::jsonb)`,
          [session.session_id],
        ),
        'conversation_messages_metadata_is_object',
      )
      expect(await messageCount(session.session_id)).toBe(0)
    })

    it('messages with the same created_at keep their insertion order (seq)', async () => {
      const session = await newSession()
      for (const content of ['m0', 'm1', 'm2', 'm3', 'm4']) {
        await insertMessage({ session_id: session.session_id, content, created_at: T1 })
      }
      // One multi-row statement, as a batch writer sends it.
      await db.query(
        `insert into conversation_messages (session_id, role, content, created_at)
         values ($1, 'user', 'm5', $2), ($1, 'assistant', 'm6', $2), ($1, 'user', 'm7', $2)`,
        [session.session_id, T1],
      )
      const messages = await readMessages(session.session_id)
      expect(messages.map((message) => message.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'])
      expect(new Set(messages.map((message) => message.created_at)).size).toBe(1)
      const seqs = messages.map((message) => BigInt(message.seq))
      for (let index = 1; index < seqs.length; index++) {
        expect(seqs[index]! > seqs[index - 1]!).toBe(true)
      }
    })

    it('a message for a session that does not exist is rejected', async () => {
      const id = randomUUID()
      const error = await rejection(insertMessage({ id, session_id: randomUUID() }))
      expect(error).toBeInstanceOf(NotFoundError)
      expect(error.code).toBe('REFERENCE_NOT_FOUND')
      expect(sqlstate(error)).toBe('23503')
      const { rows } = await db.query('select 1 from conversation_messages where id = $1', [id])
      expect(rows).toHaveLength(0)
    })

    it('deleting a session deletes its messages', async () => {
      const session = await newSession()
      const other = await newSession()
      await insertMessage({ session_id: session.session_id })
      await insertMessage({ session_id: session.session_id })
      await insertMessage({ session_id: other.session_id })
      await db.query('delete from conversation_sessions where session_id = $1', [session.session_id])
      expect(await readMessages(session.session_id)).toHaveLength(0)
      expect(await messageCount(other.session_id)).toBe(1)
    })

    it('messages reference conversation_sessions(session_id)', async () => {
      const { rows } = await db.query<{ definition: string }>(
        `select pg_get_constraintdef(oid) as definition from pg_constraint
         where conrelid = 'conversation_messages'::regclass and contype = 'f'`,
      )
      expect(rows).toHaveLength(1)
      expect(rows[0]!.definition).toMatch(
        /^FOREIGN KEY \(session_id\) REFERENCES (public\.)?conversation_sessions\(session_id\) ON DELETE CASCADE$/,
      )
      // A session written with only its id is still addressable by session_id.
      const id = randomUUID()
      await insertSession({ id })
      expect((await insertMessage({ session_id: id })).session_id).toBe(id)
    })
  })

  describe('message_count', () => {
    it('follows single and multi-row inserts and deletes', async () => {
      const session = await newSession()
      const other = await newSession()
      await insertMessage({ session_id: session.session_id })
      expect(await messageCount(session.session_id)).toBe(1)
      // One statement, two sessions.
      await db.query(
        `insert into conversation_messages (session_id, role, content)
         values ($1, 'user', 'a'), ($1, 'assistant', 'b'), ($2, 'user', 'c'), ($1, 'user', 'd')`,
        [session.session_id, other.session_id],
      )
      expect(await messageCount(session.session_id)).toBe(4)
      expect(await messageCount(other.session_id)).toBe(1)
      await db.query(`delete from conversation_messages where session_id = $1 and content = 'hi'`, [session.session_id])
      expect(await messageCount(session.session_id)).toBe(3)
      await db.query('delete from conversation_messages where session_id in ($1, $2)', [
        session.session_id,
        other.session_id,
      ])
      expect(await messageCount(session.session_id)).toBe(0)
      expect(await messageCount(other.session_id)).toBe(0)
    })

    it('follows a message moved to another session', async () => {
      const from = await newSession()
      const to = await newSession()
      const message = await insertMessage({ session_id: from.session_id })
      await db.query('update conversation_messages set session_id = $1 where id = $2', [to.session_id, message.id])
      expect(await messageCount(from.session_id)).toBe(0)
      expect(await messageCount(to.session_id)).toBe(1)
    })

    it('is not taken from the writer, on insert or on update', async () => {
      const session = await newSession({ message_count: 7 })
      expect(session.message_count).toBe(0)
      await insertMessage({ session_id: session.session_id })
      await db.query('update conversation_sessions set message_count = 99 where session_id = $1', [session.session_id])
      expect(await messageCount(session.session_id)).toBe(1)
      await db.query(
        'update conversation_sessions set message_count = message_count + 1, metadata = $2 where session_id = $1',
        [session.session_id, '{"touched":true}'],
      )
      expect(await messageCount(session.session_id)).toBe(1)
    })

    it("follows the group commit's batch function, and a writer's value is still ignored after it in the same transaction", async () => {
      const first = await newSession()
      const second = await newSession()
      const batch = [first, second, first].map((session, ord) => ({
        ord,
        caller: ord,
        id: randomUUID(),
        session_id: session.session_id,
        role: 'user',
        content: `turn ${ord}`,
        audio_url: null,
        metadata: {},
        created_at: null,
      }))
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ inserted: boolean }>('select * from parley.insert_messages($1::jsonb)', [JSON.stringify(batch)])
        expect(rows.map((row) => row.inserted)).toEqual([true, true, true])
        // The batch function's shortcuts end with its statement.
        await tx.query('update conversation_sessions set message_count = 99 where session_id = $1', [first.session_id])
        await tx.query('update conversation_sessions set is_active = false where session_id = $1', [second.session_id])
      })
      expect(await messageCount(first.session_id)).toBe(2)
      expect(await messageCount(second.session_id)).toBe(1)
      const ended = await mustReadSession(second.session_id)
      expect(ended.is_active).toBe(false)
      expect(ended.session_end).not.toBeNull()
      expect(ended.ended_at).toEqual(ended.session_end)
    })

    it("an update another trigger makes during the count update still keeps every invariant", async () => {
      // A user's trigger that ends a session once it has two messages: its
      // update runs inside the count update, one trigger level deeper.
      await db.query(`
        create or replace function test_end_after_two() returns trigger language plpgsql as $$
        begin
          if new.message_count >= 2 and new.metadata ? 'end_after_two' and new.is_active then
            update conversation_sessions set is_active = false where session_id = new.session_id;
          end if;
          return null;
        end $$`)
      await db.query(`
        create trigger test_end_after_two after update of message_count on conversation_sessions
          for each row execute function test_end_after_two()`)
      try {
        const session = await newSession({ metadata: { end_after_two: true } })
        await insertMessage({ session_id: session.session_id })
        expect((await mustReadSession(session.session_id)).is_active).toBe(true)
        await insertMessage({ session_id: session.session_id })
        const ended = await mustReadSession(session.session_id)
        expect(ended.is_active).toBe(false)
        expect(ended.session_end).not.toBeNull()
        expect(ended.ended_at).toEqual(ended.session_end)
        expect(ended.duration_seconds).toBeGreaterThanOrEqual(0)
        expect(await messageCount(session.session_id)).toBe(2)
      } finally {
        await db.query('drop trigger test_end_after_two on conversation_sessions')
        await db.query('drop function test_end_after_two()')
      }
    })
  })
})
