// Drifted databases for the doctor's tests, and the ways a test asks the doctor about them.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, expect } from 'vitest'
import { main } from '../../src/cli/main.js'
import type { Database, Queryable } from '../../src/db/database.js'
import { openDatabase } from '../../src/db/open-database.js'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import type { Problem, SchemaReport } from '../../src/doctor/compare.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import { MIGRATION_LOCK_KEY, migrate } from '../../src/migrations/migrator.js'
import { ADMIN_URL, type TestBackend } from '../support/backends.js'
import { captureContext, ROOT, runCli } from '../support/cli.js'

export { buildDistIfStale } from '../support/cli.js'

export const oldSchemaSql = readFileSync(join(ROOT, 'test/fixtures/old-schema.sql'), 'utf8')


export interface Run {
  code: number
  out: string
  err: string
}

/** A database of the test's own, and `parley doctor` pointed at it. */
export interface Fixture {
  readonly url: string
  /** PGlite: the folder is open in one place at a time. */
  readonly embedded: boolean
  /** The test's handle. On PGlite it is reopened after each CLI run: read it again after one. */
  readonly db: Database
  /** `parley doctor --database-url <this> ...args`, in-process through main(), or the real binary. */
  doctor(args?: string[], how?: 'main' | 'binary'): Promise<Run>
  /** Runs fn while the test's handle is closed (a PGlite folder is open in one place at a time). */
  whileClosed<T>(fn: () => Promise<T>): Promise<T>
}

/** Opens fixtures on a backend; they are closed after the suite. */
export function fixtures(backend: TestBackend): () => Promise<Fixture> {
  const open: Fixture[] = []
  afterAll(async () => {
    for (const fixture of open.splice(0)) await fixture.db.close().catch(() => {})
  })
  return async () => {
    const url = await backend.freshUrl()
    let db = await openDatabase(url)
    const whileClosed = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (backend.name !== 'pglite') return fn()
      await db.close()
      try {
        return await fn()
      } finally {
        db = await openDatabase(url)
      }
    }
    const fixture: Fixture = {
      url,
      embedded: backend.name === 'pglite',
      get db() {
        return db
      },
      whileClosed,
      doctor: (args = [], how = 'main') =>
        whileClosed(async () => {
          const argv = ['doctor', '--database-url', url, ...args]
          if (how === 'binary') {
            const run = await runCli(argv)
            return { code: run.code, out: run.stdout, err: run.stderr }
          }
          const context = captureContext()
          const code = await main(argv, context)
          return { code, out: context.out(), err: context.err() }
        }),
    }
    open.push(fixture)
    return fixture
  }
}

const problemKeys = ['kind', 'table', 'column', 'name', 'expected', 'actual', 'severity', 'fix']

/** `--json`: one JSON document on stdout, of the documented shape, and nothing on stderr. */
export async function doctorJson(fixture: Fixture, how: 'main' | 'binary' = 'main') {
  const run = await fixture.doctor(['--json'], how)
  expect(run.err).toBe('')
  expect(run.out.endsWith('\n')).toBe(true)
  expect(run.out.trim().split('\n')).toHaveLength(1)
  const json = JSON.parse(run.out) as { ok: boolean; problems: Problem[]; pending_migrations: unknown[] }
  expect(Object.keys(json).sort()).toEqual(['ok', 'pending_migrations', 'problems'])
  expect(typeof json.ok).toBe('boolean')
  for (const problem of json.problems) {
    expect(problemKeys).toEqual(expect.arrayContaining(Object.keys(problem)))
    expect(['error', 'warning']).toContain(problem.severity)
    expect(['safe', 'data', 'manual']).toContain(problem.fix)
  }
  expect(json.ok).toBe(json.problems.every((problem) => problem.severity === 'warning'))
  expect(run.code).toBe(json.ok ? 0 : 1)
  return { code: run.code, json }
}

/**
 * `--fix-sql`: the script, checked for what it must never do. On PGlite each
 * CLI run reopens the folder (seconds), so there the script is built
 * in-process unless the binary is asked for; it is the same function.
 */
export async function fixSql(fixture: Fixture, how: 'main' | 'binary' = 'main'): Promise<string> {
  let sql: string
  if (how === 'main' && fixture.embedded) {
    sql = buildFixSql(await checkSchema(fixture.db), expectedSchema, fixture.db.description)
  } else {
    const run = await fixture.doctor(['--fix-sql'], how)
    expect(run.err).toBe('')
    expect([0, 1]).toContain(run.code)
    sql = run.out
  }
  expect(sql).toMatch(/^-- Parley: bring .* to the schema this version expects\.\n/)
  expect(sql).toContain('\nbegin;\n')
  expect(sql).toMatch(/\ncommit;\n\nnotify pgrst, 'reload schema';\n/)
  expect(sql).not.toMatch(/\b(drop\s+(table|column|index|schema)|truncate|delete\s+from)\b/i)
  return sql
}

/** Every row of both tables, whatever columns they have (compared regardless of column order). */
export async function rowsOf(db: Queryable) {
  const all = async (table: string) => (await db.query(`select * from ${table} order by id`)).rows
  return { sessions: await all('conversation_sessions'), messages: await all('conversation_messages') }
}

export const S1 = '10000000-0000-4000-8000-000000000001'
export const S2 = '10000000-0000-4000-8000-000000000002'
export const S3 = '10000000-0000-4000-8000-000000000003'

/**
 * Rows on a migrated database, written with plain SQL as the seed's code
 * would: an active session, an ended one, and one with no user and no
 * messages. Every message has a user; durations are exact in a float4.
 */
export async function seedRows(db: Queryable): Promise<void> {
  await db.exec(`
    insert into conversation_sessions (session_id, user_id, session_start, metadata, topics_discussed) values
      ('${S1}', 'a0000000-0000-4000-8000-00000000000a', '2024-03-01 10:00:00+00', '{"channel":"voice"}', '{weather,travel}'),
      ('${S2}', 'b0000000-0000-4000-8000-00000000000b', '2024-03-01 11:00:00+00', '{}', '{billing}'),
      ('${S3}', null, '2024-03-01 12:00:00+00', '{}', '{}');
    insert into conversation_messages (id, session_id, role, content, audio_url, metadata, created_at) values
      ('20000000-0000-4000-8000-000000000001', '${S1}', 'user', 'What is the weather?', 'https://example.com/1.wav', '{"lang":"en"}', '2024-03-01 10:00:05+00'),
      ('20000000-0000-4000-8000-000000000002', '${S1}', 'assistant', 'Sunny.', null, '{}', '2024-03-01 10:00:09+00'),
      ('20000000-0000-4000-8000-000000000003', '${S2}', 'user', 'My bill is wrong.', null, '{}', '2024-03-01 11:00:10+00'),
      ('20000000-0000-4000-8000-000000000004', '${S2}', 'tool', '{"ok":true}', null, '{}', '2024-03-01 11:00:20+00');
    update conversation_sessions set session_end = '2024-03-01 11:00:45.25+00', ended_reason = 'hangup' where session_id = '${S2}';
  `)
}

/** The problems without their long definitions, for exact comparisons. */
export function brief(problems: Problem[]) {
  return problems.map(({ kind, table, column, name, severity, fix }) => ({
    kind,
    table,
    ...(column === undefined ? {} : { column }),
    ...(name === undefined ? {} : { name }),
    severity,
    fix,
  }))
}

export function errors(report: Pick<SchemaReport, 'problems'>): Problem[] {
  return report.problems.filter((problem) => problem.severity === 'error')
}

/**
 * What every script promises whoever reads it before running it (psql runs it
 * statement by statement): what it is for, one transaction, the migration
 * lock so that no `parley migrate` runs beside it, PostgREST told at the end.
 */
export function expectScriptShape(sql: string, description: string): void {
  expect(sql.startsWith(`-- Parley: bring ${description} to the schema this version expects.
-- Generated by \`parley doctor --fix-sql\`. Idempotent; drops no table, column or row.
begin;
select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});
`)).toBe(true)
  expect(sql).toMatch(/\ncommit;\n\nnotify pgrst, 'reload schema';\n/)
  expect(sql).not.toMatch(/\b(drop\s+(table|column|index|schema)|truncate|delete\s+from)\b/i)
}

/** The comment lines that head each part of a script, in order. */
export const headings = (sql: string) => sql.split('\n').filter((line) => /^-- [A-Z]/.test(line)).slice(2)

/**
 * A migrated database. On PostgreSQL, a script that leaves its transaction
 * open (a bug, or a mutant of the script) fails the test within seconds
 * instead of holding its locks, and every later statement, until the run's
 * timeout.
 */
export async function migratedDatabase(backend: TestBackend): Promise<Database> {
  if (backend.name !== 'postgres') return backend.migratedDatabase()
  const url = await backend.freshUrl()
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    const name = new URL(url).pathname.slice(1)
    await admin.query(`alter database ${name} set lock_timeout = '3s'`)
    await admin.query(`alter database ${name} set idle_in_transaction_session_timeout = '3s'`)
  } finally {
    await admin.end()
  }
  const database = await openDatabase(url)
  await migrate(database)
  return database
}

/**
 * Drifts `db`, builds the fix from the doctor's report and applies it twice:
 * the second run changes no row and nothing in the schema.
 */
export async function driftAndFix(db: Database, drift: string): Promise<{ report: SchemaReport; sql: string; after: SchemaReport }> {
  await db.exec(drift)
  const report = await checkSchema(db)
  const sql = buildFixSql(report, expectedSchema, db.description)
  expectScriptShape(sql, db.description)
  await db.exec(sql)
  const after = await checkSchema(db)
  const rows = await rowsOf(db)
  await db.exec(sql)
  expect(await rowsOf(db), 'the second run changes no row').toEqual(rows)
  expect(await checkSchema(db), 'the second run changes nothing').toEqual(after)
  return { report, sql, after }
}

