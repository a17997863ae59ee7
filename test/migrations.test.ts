import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Database, Queryable } from '../src/db/database.js'
import { openDatabase } from '../src/db/open-database.js'
import { ParleyError, UnavailableError } from '../src/model/errors.js'
import { migrations } from '../src/migrations/generated.js'
import { migrationChecksum, type MigrationSource } from '../src/migrations/migration.js'
import {
  MIGRATIONS_TABLE,
  migrate,
  planMigrations,
  readAppliedMigrations,
  type MigrationPlan,
  type MigrationResult,
} from '../src/migrations/migrator.js'
import { describeEachBackend } from './support/backends.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const oldSchemaSql = readFileSync(join(root, 'test/fixtures/old-schema.sql'), 'utf8')
const versions = migrations.map((m) => m.version)
const allApplied = migrations.map((m) => ({ version: m.version, name: m.name }))

// The CLI runs from dist/; build it from the current sources so it never tests stale SQL.
beforeAll(() => {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    })
  } catch (error) {
    // Type errors elsewhere still emit; only a missing build stops these tests.
    if (!existsSync(join(root, 'dist/cli/main.js'))) throw error
  }
})

interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/parley.js'), ...args], { cwd: root, env: process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function select<Row>(db: Queryable, sql: string, params?: unknown[]): Promise<Row[]> {
  return (await db.query<Row>(sql, params)).rows
}

async function caught(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(UnavailableError)
    return error as ParleyError
  }
  throw new Error('expected a rejection')
}

interface Column {
  name: string
  type: string
  not_null: boolean
  default: string | null
}

const columnsSql = /* sql */ `
  select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
         pg_get_expr(d.adbin, d.adrelid) as default
  from pg_attribute a
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
  order by a.attname`

async function columns(db: Queryable, table: string): Promise<Column[]> {
  return select<Column>(db, columnsSql, [table])
}

async function constraints(db: Queryable, table: string) {
  return select<{ name: string; type: string; def: string }>(
    db,
    `select conname as name, contype::text as type, pg_get_constraintdef(oid) as def
     from pg_constraint where conrelid = $1::regclass order by conname`,
    [table],
  )
}

async function indexes(db: Queryable, table: string) {
  return select<{ name: string; def: string }>(
    db,
    `select indexname as name, indexdef as def from pg_indexes
     where schemaname = 'public' and tablename = $1 order by indexname`,
    [table],
  )
}

async function triggers(db: Queryable, table: string) {
  return select<{ name: string; def: string }>(
    db,
    `select tgname as name, pg_get_triggerdef(oid) as def from pg_trigger
     where tgrelid = $1::regclass and not tgisinternal order by tgname`,
    [table],
  )
}

/** Everything about the two tables a writer can observe, minus the given columns. */
async function schemaOf(db: Queryable, ignoredColumns: string[] = []) {
  const schema: Record<string, unknown> = {}
  for (const table of ['conversation_sessions', 'conversation_messages']) {
    schema[table] = {
      columns: (await columns(db, table)).filter((c) => !ignoredColumns.includes(c.name)),
      constraints: await constraints(db, table),
      indexes: await indexes(db, table),
      triggers: await triggers(db, table),
    }
  }
  return schema
}

async function parleyTables(db: Queryable): Promise<string[]> {
  const rows = await select<{ name: string }>(db, `select tablename as name from pg_tables where schemaname = 'parley' order by tablename`)
  return rows.map((row) => row.name)
}

async function publicTables(db: Queryable): Promise<string[]> {
  const rows = await select<{ name: string }>(
    db,
    `select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
  )
  return rows.map((row) => row.name)
}

async function migrationRows(db: Queryable) {
  return select<{ version: number; name: string; checksum: string; applied_at: Date }>(
    db,
    `select version, name, checksum, applied_at from ${MIGRATIONS_TABLE} order by version`,
  )
}

async function versionCounts(db: Queryable) {
  return select<{ version: number; n: number }>(
    db,
    `select version, count(*)::int as n from ${MIGRATIONS_TABLE} group by version order by version`,
  )
}

const sessionsSql = /* sql */ `
  select id, session_id, user_id, session_start, session_end, started_at, ended_at, is_active,
         duration_seconds, topics_discussed, metadata, message_count, mood
  from conversation_sessions order by id`

const messagesSql = /* sql */ `
  select id, session_id, user_id, role, content, audio_url, metadata, created_at, seq::int as seq, tokens
  from conversation_messages order by id`

interface OldSession {
  id: string
  user_id: string | null
  session_start: Date
  session_end: Date | null
  is_active: boolean
  topics_discussed: string[] | null
  mood: string | null
}

interface NewSession extends OldSession {
  session_id: string
  started_at: Date
  ended_at: Date | null
  duration_seconds: number | null
  metadata: unknown
  message_count: number
}

interface OldMessage {
  id: string
  session_id: string
  user_id: string
  role: string
  content: string
  created_at: Date
  tokens: number | null
}

interface NewMessage extends OldMessage {
  audio_url: string | null
  metadata: unknown
  seq: number
}

const seedColumns = {
  conversation_sessions: {
    id: 'uuid',
    session_id: 'uuid',
    user_id: 'uuid',
    session_start: 'timestamp with time zone',
    session_end: 'timestamp with time zone',
    started_at: 'timestamp with time zone',
    ended_at: 'timestamp with time zone',
    is_active: 'boolean',
    duration_seconds: 'double precision',
    topics_discussed: 'text[]',
    metadata: 'jsonb',
  },
  conversation_messages: {
    id: 'uuid',
    session_id: 'uuid',
    user_id: 'uuid',
    role: 'text',
    content: 'text',
    audio_url: 'text',
    metadata: 'jsonb',
    created_at: 'timestamp with time zone',
  },
}

// Columns the design adds to the seed's: the kept message count, why a session
// ended, and the total order of messages.
const designColumns = {
  conversation_sessions: { message_count: 'integer', ended_reason: 'text' },
  conversation_messages: { seq: 'bigint' },
}

const nullable = {
  conversation_sessions: ['user_id', 'session_end', 'ended_at', 'duration_seconds', 'ended_reason'],
  conversation_messages: ['user_id', 'audio_url'],
}

describe('generated migrations module', () => {
  it('equals what scripts/build-sql-module.mjs produces from migrations/*.sql', () => {
    const copy = mkdtempSync(join(tmpdir(), 'parley-gen-'))
    try {
      cpSync(join(root, 'scripts'), join(copy, 'scripts'), { recursive: true })
      cpSync(join(root, 'migrations'), join(copy, 'migrations'), { recursive: true })
      mkdirSync(join(copy, 'src/migrations'), { recursive: true })
      execFileSync(process.execPath, [join(copy, 'scripts/build-sql-module.mjs')], { stdio: 'pipe' })
      const expected = readFileSync(join(copy, 'src/migrations/generated.ts'), 'utf8')
      expect(readFileSync(join(root, 'src/migrations/generated.ts'), 'utf8')).toBe(expected)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  it('holds every file of migrations/, numbered 1..N', () => {
    const files = readdirSync(join(root, 'migrations')).filter((file) => file.endsWith('.sql')).sort()
    expect(files.length).toBeGreaterThanOrEqual(3)
    expect(migrations.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}.sql`)).toEqual(files)
    expect(versions).toEqual(files.map((_, index) => index + 1))
    for (const migration of migrations) {
      const file = `${String(migration.version).padStart(4, '0')}_${migration.name}.sql`
      expect(migration.sql).toBe(readFileSync(join(root, 'migrations', file), 'utf8'))
    }
  })
})

describeEachBackend('migrations', (backend) => {
  // Migrated from empty; the upgrade's schema is compared with it.
  let fresh: Database | undefined

  describe('on an empty database', () => {
    let db: Database
    let plan: MigrationPlan
    let tablesAfterPlan: string[]
    let result: MigrationResult

    beforeAll(async () => {
      db = (await backend.emptyDatabase()).database
      plan = await planMigrations(db)
      tablesAfterPlan = await publicTables(db)
      result = await migrate(db)
      fresh = db
    })

    it('plans every migration and applies nothing while planning', () => {
      expect(plan.applied).toEqual([])
      expect(plan.pending).toEqual(migrations.map((m) => ({ version: m.version, name: m.name, sql: m.sql })))
      expect(tablesAfterPlan).toEqual([])
    })

    it('applies versions 1..N and records each with its checksum', async () => {
      expect(result).toEqual({ applied: allApplied, alreadyApplied: [] })
      const rows = await migrationRows(db)
      expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
        migrations.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m.sql) })),
      )
      expect(await readAppliedMigrations(db)).toHaveLength(migrations.length)
      expect(await publicTables(db)).toEqual(['conversation_messages', 'conversation_sessions'])
      expect(await parleyTables(db)).toEqual(['api_keys', 'audit_log', 'erased_sessions', 'migrations', 'webhook_secrets'])
    })

    it('creates exactly the seed columns (plus the design ones) with their types and nullability', async () => {
      for (const table of ['conversation_sessions', 'conversation_messages'] as const) {
        const actual = await columns(db, table)
        const expectedTypes: Record<string, string> = { ...seedColumns[table], ...designColumns[table] }
        expect(Object.fromEntries(actual.map((c) => [c.name, c.type]))).toEqual(expectedTypes)
        const nullableColumns: string[] = nullable[table]
        expect(actual.filter((c) => !c.not_null).map((c) => c.name).sort()).toEqual([...nullableColumns].sort())
      }
    })

    it('makes session_id unique and references it from messages with on delete cascade', async () => {
      const sessions = await constraints(db, 'conversation_sessions')
      expect(sessions).toContainEqual({ name: 'conversation_sessions_pkey', type: 'p', def: 'PRIMARY KEY (id)' })
      expect(sessions).toContainEqual({
        name: 'conversation_sessions_session_id_key',
        type: 'u',
        def: 'UNIQUE (session_id)',
      })
      const foreign = (await constraints(db, 'conversation_messages')).filter((c) => c.type === 'f')
      expect(foreign).toEqual([
        {
          name: 'conversation_messages_session_id_fkey',
          type: 'f',
          def: 'FOREIGN KEY (session_id) REFERENCES conversation_sessions(session_id) ON DELETE CASCADE',
        },
      ])
    })

    it('creates the read indexes', async () => {
      const sessions = await indexes(db, 'conversation_sessions')
      const messages = await indexes(db, 'conversation_messages')
      expect(sessions.map((i) => i.name)).toEqual([
        'conversation_sessions_active_idx',
        'conversation_sessions_metadata_idx',
        'conversation_sessions_pkey',
        'conversation_sessions_recent_idx',
        'conversation_sessions_session_id_key',
        'conversation_sessions_user_recent_idx',
      ])
      expect(messages.map((i) => i.name)).toEqual([
        'conversation_messages_content_search_idx',
        'conversation_messages_pkey',
        'conversation_messages_session_order_idx',
        'conversation_messages_user_time_idx',
      ])
      const def = (name: string) => [...sessions, ...messages].find((i) => i.name === name)?.def
      expect(def('conversation_messages_session_order_idx')).toMatch(/^CREATE UNIQUE INDEX .* \(session_id, seq\)$/)
      expect(def('conversation_messages_user_time_idx')).toMatch(/\(user_id, created_at\)$/)
      expect(def('conversation_sessions_user_recent_idx')).toMatch(/\(user_id, started_at DESC, session_id DESC\)$/)
      expect(def('conversation_sessions_recent_idx')).toMatch(/\(started_at DESC, session_id DESC\)$/)
      expect(def('conversation_sessions_active_idx')).toMatch(/\(started_at DESC\) WHERE is_active$/)
      expect(def('conversation_messages_content_search_idx')).toMatch(/USING gin \(to_tsvector\('simple'::regconfig, content\)\)$/)
      expect(def('conversation_sessions_metadata_idx')).toMatch(/USING gin \(metadata jsonb_path_ops\)$/)
    })

    it('applies nothing and changes nothing the second time', async () => {
      const before = { history: await migrationRows(db), schema: await schemaOf(db) }
      const again = await migrate(db)
      expect(again).toEqual({ applied: [], alreadyApplied: versions })
      expect((await planMigrations(db)).pending).toEqual([])
      expect({ history: await migrationRows(db), schema: await schemaOf(db) }).toEqual(before)
    })
  })

  describe("on the seed's old schema", () => {
    let db: Database
    let oldSessions: OldSession[]
    let oldMessages: OldMessage[]
    let result: MigrationResult
    let sessions: NewSession[]
    let messages: NewMessage[]

    beforeAll(async () => {
      db = (await backend.emptyDatabase()).database
      await db.exec(oldSchemaSql)
      oldSessions = await select<OldSession>(
        db,
        `select id, user_id, session_start, session_end, is_active, topics_discussed, mood
         from conversation_sessions order by id`,
      )
      oldMessages = await select<OldMessage>(
        db,
        `select id, session_id, user_id, role, content, created_at, tokens from conversation_messages order by id`,
      )
      result = await migrate(db)
      sessions = await select<NewSession>(db, sessionsSql)
      messages = await select<NewMessage>(db, messagesSql)
    })

    it('upgrades in place', () => {
      expect(oldSessions).toHaveLength(7)
      expect(oldMessages).toHaveLength(10)
      expect(result).toEqual({ applied: allApplied, alreadyApplied: [] })
    })

    it('backfills every session from its old columns', () => {
      expect(sessions.map((s) => s.id)).toEqual(oldSessions.map((s) => s.id))
      for (const old of oldSessions) {
        const row = sessions.find((s) => s.id === old.id)!
        const own = oldMessages.filter((m) => m.session_id === old.id)
        const lastMessage = Math.max(...own.map((m) => m.created_at.getTime()))
        const end =
          old.session_end?.getTime() ??
          (old.is_active === false ? Math.max(old.session_start.getTime(), lastMessage) : null)
        const context = `session ${old.id}`
        expect(row.session_id, context).toBe(old.id)
        expect(row.user_id, context).toBe(old.user_id)
        expect(row.session_start.getTime(), context).toBe(old.session_start.getTime())
        expect(row.started_at.getTime(), context).toBe(old.session_start.getTime())
        expect(row.session_end?.getTime() ?? null, context).toBe(end)
        expect(row.ended_at?.getTime() ?? null, context).toBe(end)
        expect(row.is_active, context).toBe(end === null)
        if (end === null) expect(row.duration_seconds, context).toBeNull()
        else expect(row.duration_seconds, context).toBeCloseTo((end - old.session_start.getTime()) / 1000, 6)
        expect(row.message_count, context).toBe(own.length)
        expect(row.metadata, context).toEqual({})
        expect(row.topics_discussed, context).toEqual(old.topics_discussed ?? [])
        expect(row.mood, context).toBe(old.mood)
      }
    })

    it('ends a session marked inactive without an end at its last message, or its start', () => {
      const byId = (id: string) => sessions.find((s) => s.id === `10000000-0000-4000-8000-00000000000${id}`)!
      expect(byId('3').ended_at).toEqual(new Date('2024-03-02T09:05:30Z'))
      expect(byId('3').duration_seconds).toBe(330)
      expect(byId('4').ended_at).toEqual(new Date('2024-03-02T12:00:00Z'))
      expect(byId('4').duration_seconds).toBe(0)
      expect(byId('2').duration_seconds).toBeCloseTo(45.2, 6)
      expect(byId('7').is_active).toBe(false)
      expect(sessions.filter((s) => s.is_active).map((s) => s.id)).toEqual([
        '10000000-0000-4000-8000-000000000001',
        '10000000-0000-4000-8000-000000000005',
      ])
    })

    it('keeps every message and numbers them in (created_at, id) order', () => {
      expect(messages.map((m) => m.id)).toEqual(oldMessages.map((m) => m.id))
      for (const old of oldMessages) {
        const row = messages.find((m) => m.id === old.id)!
        const context = `message ${old.id}`
        expect(row.session_id, context).toBe(old.session_id)
        expect(row.user_id, context).toBe(old.user_id)
        expect(row.role, context).toBe(old.role)
        expect(row.content, context).toBe(old.content)
        expect(row.created_at.getTime(), context).toBe(old.created_at.getTime())
        expect(row.tokens, context).toBe(old.tokens)
        expect(row.audio_url, context).toBeNull()
        expect(row.metadata, context).toEqual({})
      }
      const written = [...oldMessages].sort(
        (a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      const seqOf = new Map(messages.map((m) => [m.id, m.seq]))
      expect(written.map((m) => seqOf.get(m.id))).toEqual(written.map((_, index) => index + 1))
      // The two messages written at one instant, the larger id first.
      expect(seqOf.get('20000000-0000-4000-8000-00000000000e')).toBeLessThan(
        seqOf.get('20000000-0000-4000-8000-00000000000f')!,
      )
    })

    it('makes messages.user_id nullable and points the foreign key at session_id, cascading', async () => {
      const userId = (await columns(db, 'conversation_messages')).find((c) => c.name === 'user_id')
      expect(userId).toMatchObject({ type: 'uuid', not_null: false })
      const foreign = (await constraints(db, 'conversation_messages')).filter((c) => c.type === 'f')
      expect(foreign.map((c) => c.def)).toEqual([
        'FOREIGN KEY (session_id) REFERENCES conversation_sessions(session_id) ON DELETE CASCADE',
      ])
    })

    it('ends with the same schema as a fresh migrate, apart from the unknown columns', async () => {
      const upgraded = await schemaOf(db, ['mood', 'tokens'])
      expect(upgraded).toEqual(await schemaOf(fresh ?? (await backend.migratedDatabase())))
      const kept = async (table: string) =>
        (await columns(db, table)).filter((c) => ['mood', 'tokens'].includes(c.name))
      expect(await kept('conversation_sessions')).toEqual([
        { name: 'mood', type: 'text', not_null: false, default: null },
      ])
      expect(await kept('conversation_messages')).toEqual([
        { name: 'tokens', type: 'integer', not_null: false, default: null },
      ])
    })

    it('applies nothing and changes no row the second time', async () => {
      const history = await migrationRows(db)
      expect(await migrate(db)).toEqual({ applied: [], alreadyApplied: versions })
      expect(await migrationRows(db)).toEqual(history)
      expect(await select(db, sessionsSql)).toEqual(sessions)
      expect(await select(db, messagesSql)).toEqual(messages)
    })

    it("accepts the seed's own statements afterwards", async () => {
      const sessionId = '30000000-0000-4000-8000-000000000001'
      const userId = 'e0000000-0000-4000-8000-00000000000e'
      // The seed reads the clock twice: started_at is microseconds after session_start.
      await db.query(
        `insert into conversation_sessions (session_id, user_id, session_start, started_at, is_active, metadata)
         values ($1, $2, $3, $4, true, $5)`,
        [sessionId, userId, '2024-05-01T10:00:00.000001Z', '2024-05-01T10:00:00.000002Z', '{"channel":"voice"}'],
      )
      const [started] = await select<NewSession>(db, 'select * from conversation_sessions where session_id = $1', [
        sessionId,
      ])
      expect(started).toMatchObject({ id: sessionId, user_id: userId, is_active: true, message_count: 0 })
      expect(started!.metadata).toEqual({ channel: 'voice' })
      expect(started!.started_at).toEqual(started!.session_start)

      const [message] = await select<{ user_id: string; seq: number }>(
        db,
        `insert into conversation_messages (session_id, user_id, role, content, audio_url, metadata, created_at)
         values ($1, null, 'user', 'Hello there', 'https://example.com/a.wav', null, $2)
         returning user_id, seq::int as seq`,
        [sessionId, '2024-05-01T10:00:05Z'],
      )
      expect(message).toEqual({ user_id: userId, seq: oldMessages.length + 1 })

      // A session without a user now takes messages without one.
      const [anonymous] = await select<{ user_id: string | null }>(
        db,
        `insert into conversation_messages (session_id, user_id, role, content, created_at)
         values ('10000000-0000-4000-8000-000000000005', null, 'user', 'anyone there?', now()) returning user_id`,
      )
      expect(anonymous).toEqual({ user_id: null })

      await db.query(
        `update conversation_sessions set session_end = $1, ended_at = $2, is_active = false, duration_seconds = $3
         where session_id = $4`,
        ['2024-05-01T10:00:45.2Z', '2024-05-01T10:00:45.200001Z', 45.2, sessionId],
      )
      const [ended] = await select<NewSession>(db, 'select * from conversation_sessions where session_id = $1', [
        sessionId,
      ])
      expect(ended).toMatchObject({ is_active: false, duration_seconds: 45.2, message_count: 1 })
      expect(ended!.ended_at).toEqual(new Date('2024-05-01T10:00:45.200Z'))

      // The new foreign key cascades.
      await db.query(`delete from conversation_sessions where id = '10000000-0000-4000-8000-000000000002'`)
      const [left] = await select<{ n: number }>(
        db,
        `select count(*)::int as n from conversation_messages
         where session_id = '10000000-0000-4000-8000-000000000002'`,
      )
      expect(left).toEqual({ n: 0 })
    })
  })

  it('refuses an edited or unknown applied migration and applies nothing then', async () => {
    const { database: db } = await backend.emptyDatabase()
    expect((await migrate(db, migrations.slice(0, 2))).applied.map((m) => m.version)).toEqual([1, 2])
    expect((await planMigrations(db)).pending.map((m) => m.version)).toEqual(versions.slice(2))
    const lastVersionApplied = async () => {
      const [row] = await select<{ exists: boolean }>(
        db,
        `select to_regclass('conversation_messages_user_time_idx') is not null as exists`,
      )
      return { history: (await versionCounts(db)).map((r) => r.version), indexOf3: row!.exists }
    }

    const edited: MigrationSource[] = migrations.map((m) =>
      m.version === 1 ? { ...m, sql: `${m.sql}\n-- edited\n` } : m,
    )
    const modified = await caught(migrate(db, edited))
    expect(modified.code).toBe('MODIFIED_MIGRATION')
    expect(modified.details).toMatchObject({ version: 1, name: 'conversation_tables' })
    expect((await caught(planMigrations(db, edited))).code).toBe('MODIFIED_MIGRATION')
    expect(await lastVersionApplied()).toEqual({ history: [1, 2], indexOf3: false })

    // Line endings and trailing blanks are not an edit.
    const crlf = migrations.slice(0, 2).map((m) => ({ ...m, sql: `${m.sql.replace(/\n/g, '  \r\n')}\r\n\r\n` }))
    expect(await migrate(db, crlf)).toEqual({ applied: [], alreadyApplied: [1, 2] })

    const [recorded] = await select<{ checksum: string }>(
      db,
      `select checksum from ${MIGRATIONS_TABLE} where version = 2`,
    )
    await db.query(`update ${MIGRATIONS_TABLE} set checksum = 'not-the-checksum' where version = 2`)
    const changed = await caught(migrate(db))
    expect(changed.code).toBe('MODIFIED_MIGRATION')
    expect(changed.details).toMatchObject({ version: 2 })
    expect(await lastVersionApplied()).toEqual({ history: [1, 2], indexOf3: false })
    await db.query(`update ${MIGRATIONS_TABLE} set checksum = $1 where version = 2`, [recorded!.checksum])

    await db.query(`insert into ${MIGRATIONS_TABLE} (version, name, checksum) values (999, 'from_the_future', 'x')`)
    const unknown = await caught(migrate(db))
    expect(unknown.code).toBe('UNKNOWN_MIGRATION')
    expect(unknown.details).toMatchObject({ version: 999, name: 'from_the_future' })
    expect((await caught(planMigrations(db))).code).toBe('UNKNOWN_MIGRATION')
    expect(await lastVersionApplied()).toEqual({ history: [1, 2, 999], indexOf3: false })

    // Once restored, two calls at once (two pool connections, or one PGlite
    // connection queueing) apply the rest exactly once between them.
    await db.query(`delete from ${MIGRATIONS_TABLE} where version = 999`)
    const results = await Promise.all([migrate(db), migrate(db)])
    expect(results.flatMap((r) => r.applied.map((m) => m.version)).sort((a, b) => a - b)).toEqual(versions.slice(2))
    expect(await versionCounts(db)).toEqual(versions.map((version) => ({ version, n: 1 })))
    expect(await lastVersionApplied()).toEqual({ history: versions, indexOf3: true })
  })

  it('migrate --dry-run prints the pending SQL and applies nothing', async () => {
    const url = await backend.freshUrl()
    const text = await runCli(['migrate', '--database-url', url, '--dry-run'])
    expect(text.stderr).toBe('')
    expect(text.code).toBe(0)
    for (const migration of migrations) {
      expect(text.stdout).toContain(`-- migration ${migration.version}: ${migration.name}\n${migration.sql.trim()}\n`)
    }
    // Each PGlite run boots a database; the JSON form is checked on PostgreSQL only.
    if (backend.name === 'postgres') {
      const json = await runCli(['migrate', '--database-url', url, '--dry-run', '--json'])
      expect(json.code).toBe(0)
      expect(JSON.parse(json.stdout)).toEqual({ pending: [...migrations], applied: [] })
    }
    const db = await openDatabase(url)
    try {
      expect(await publicTables(db)).toEqual([])
    } finally {
      await db.close()
    }
  })

  if (backend.name === 'postgres') {
    it('applies each migration once when two connections migrate at the same time', async () => {
      const url = await backend.freshUrl()
      const first = await openDatabase(url)
      const second = await openDatabase(url)
      try {
        const results = await Promise.all([migrate(first), migrate(second)])
        expect(results.flatMap((r) => r.applied).sort((a, b) => a.version - b.version)).toEqual(allApplied)
        expect(await versionCounts(first)).toEqual(versions.map((version) => ({ version, n: 1 })))
        expect(await publicTables(second)).toEqual(['conversation_messages', 'conversation_sessions'])
      } finally {
        await first.close()
        await second.close()
      }
    })

    it('applies each migration once when two CLI processes migrate at the same time', async () => {
      const url = await backend.freshUrl()
      const runs = await Promise.all([
        runCli(['migrate', '--database-url', url, '--json']),
        runCli(['migrate', '--database-url', url, '--json']),
      ])
      for (const run of runs) {
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
      }
      const applied = runs.flatMap((run) => (JSON.parse(run.stdout) as MigrationResult).applied)
      expect(applied.sort((a, b) => a.version - b.version)).toEqual(allApplied)
      const db = await openDatabase(url)
      try {
        expect(await versionCounts(db)).toEqual(versions.map((version) => ({ version, n: 1 })))
      } finally {
        await db.close()
      }
    })

    it('exits 2 from the CLI on an unknown applied migration and 2 on a bad URL', async () => {
      const { database: db, url } = await backend.emptyDatabase()
      await migrate(db)
      await db.query(`insert into ${MIGRATIONS_TABLE} (version, name, checksum) values (999, 'from_the_future', 'x')`)
      const unknown = await runCli(['migrate', '--database-url', url])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toMatch(/migration 999 \(from_the_future\)/)
      const badUrl = await runCli(['migrate', '--database-url', 'mysql://nope'])
      expect(badUrl.code).toBe(2)
    })

    it("notifies pgrst with 'reload schema' when it applies migrations, and only then", async () => {
      const { database: db, url } = await backend.emptyDatabase()
      const listener = new pg.Client({ connectionString: url })
      await listener.connect()
      const received: Array<{ channel: string; payload: string | undefined }> = []
      listener.on('notification', ({ channel, payload }) => received.push({ channel, payload }))
      try {
        await listener.query('listen pgrst')
        await migrate(db)
        const deadline = Date.now() + 5000
        while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        expect(received).toEqual([{ channel: 'pgrst', payload: 'reload schema' }])

        await migrate(db)
        await listener.query('select 1') // a round trip delivers anything already sent
        await new Promise((r) => setTimeout(r, 300))
        expect(received).toHaveLength(1)
      } finally {
        await listener.end()
      }
    })
  }
})
