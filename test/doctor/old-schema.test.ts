import { beforeAll, expect, it } from 'vitest'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import {
  brief,
  buildDistIfStale,
  doctorJson,
  errors,
  fixSql,
  fixtures,
  oldSchemaSql,
  rowsOf,
  seedRows,
  type Fixture,
} from './support.js'

const versions = migrations.map((migration) => migration.version)

// The seed's "What I Found", and the columns the design adds to its schema.
const seedMissing = {
  conversation_sessions: ['metadata', 'session_id', 'started_at', 'ended_at', 'duration_seconds'],
  conversation_messages: ['audio_url', 'metadata'],
}
const designMissing = {
  conversation_sessions: ['message_count', 'ended_reason'],
  conversation_messages: ['seq'],
}

beforeAll(buildDistIfStale)

describeEachBackend("parley doctor on the seed's old schema", (backend) => {
  const open = fixtures(backend)
  let fixture: Fixture
  let oldRows: Awaited<ReturnType<typeof rowsOf>>

  beforeAll(async () => {
    fixture = await open()
    await fixture.db.exec(oldSchemaSql)
    oldRows = await rowsOf(fixture.db)
  })

  it('reports every missing column and the NOT NULL user_id by name, and exits 1 (--json, the real binary)', async () => {
    const { code, json } = await doctorJson(fixture, 'binary')
    expect(code).toBe(1)
    expect(json.ok).toBe(false)
    expect(json.pending_migrations).toEqual(migrations.map(({ version, name }) => ({ version, name })))

    for (const table of ['conversation_sessions', 'conversation_messages'] as const) {
      const missing = json.problems.filter((problem) => problem.kind === 'missing_column' && problem.table === table)
      expect(missing.map((problem) => problem.column).sort(), table).toEqual(
        [...seedMissing[table], ...designMissing[table]].sort(),
      )
      for (const problem of missing) {
        const want = expectedSchema.tables[table]!.columns[problem.column!]!
        expect(problem, `${table}.${problem.column}`).toMatchObject({
          severity: 'error',
          actual: null,
          // NOT NULL with nothing to default to: the backfill must fill it.
          fix: !want.nullable && want.default === null ? 'data' : 'safe',
        })
        expect(problem.expected).toMatch(new RegExp(`^${want.type.replace(/[[\]]/g, '\\$&')}`))
      }
    }
    expect(json.problems.find((p) => p.column === 'session_id' && p.kind === 'missing_column')?.fix).toBe('data')
    expect(json.problems).toContainEqual({
      kind: 'nullability_mismatch',
      table: 'conversation_messages',
      column: 'user_id',
      expected: 'nullable',
      actual: 'not null',
      severity: 'error',
      fix: 'safe',
    })
    // The columns the old schema has beyond Parley's are warnings, never errors.
    expect(brief(json.problems.filter((problem) => problem.severity === 'warning'))).toEqual([
      { kind: 'extra_column', table: 'conversation_messages', column: 'tokens', severity: 'warning', fix: 'manual' },
      { kind: 'extra_column', table: 'conversation_sessions', column: 'mood', severity: 'warning', fix: 'manual' },
    ])
    expect(json.problems).toEqual((await checkSchema(fixture.db)).problems)
  })

  it('prints a verdict, each table as a heading, and the missing columns by name', async () => {
    const report = await checkSchema(fixture.db)
    const run = await fixture.doctor()
    expect(run.code).toBe(1)
    expect(run.err).toBe('')
    const lines = run.out.split('\n')
    const needBackfill = errors(report).filter((problem) => problem.fix === 'data').length
    expect(lines[0]).toMatch(
      new RegExp(`^⚠️ .+ does not match the schema Parley expects: ${errors(report).length} problems \\(${needBackfill} need a backfill\\)\\.$`),
    )
    expect(lines[2]).toBe('What I found:')
    for (const table of ['conversation_sessions', 'conversation_messages'] as const) {
      const heading = lines.indexOf(table)
      expect(heading, table).toBeGreaterThan(0)
      expect(lines[heading - 1]).toBe('')
      expect(lines[heading + 1]).toMatch(/^ {2}Missing: /)
      expect(lines[heading + 1]!.slice('  Missing: '.length).split(', ').sort()).toEqual(
        [...seedMissing[table], ...designMissing[table]].sort(),
      )
    }
    const messages = lines.slice(lines.indexOf('conversation_messages'))
    const group = messages.slice(0, messages.indexOf(''))
    expect(group).toContainEqual(expect.stringMatching(/^ {2}nullability_mismatch +user_id +expected nullable +found not null +fix: safe$/))
    expect(group).toContainEqual(expect.stringMatching(/^ {2}extra_column \(warning\) +tokens +/))
    expect(lines).toContain('parley.migrations')
    expect(run.out).toContain('Next: run `parley migrate`')
  })

  it('--fix-sql upgrades every row as the upgrade migration does; twice is harmless; migrate has nothing left', async () => {
    // The same rows, upgraded by the migrations instead.
    const twin = (await backend.emptyDatabase()).database
    await twin.exec(oldSchemaSql)
    await migrate(twin)

    const sql = await fixSql(fixture, 'binary')
    await fixture.db.exec(sql)
    const fixed = await rowsOf(fixture.db)
    expect(fixed).toEqual(await rowsOf(twin))

    // Nothing the old rows held is lost or changed.
    expect(fixed.sessions).toHaveLength(oldRows.sessions.length)
    expect(fixed.messages).toHaveLength(oldRows.messages.length)
    // (An end, and so is_active, is derived for sessions marked inactive without one.)
    for (const [index, { id, user_id, session_start, topics_discussed, mood }] of oldRows.sessions.entries()) {
      expect(fixed.sessions[index]).toMatchObject({ id, session_id: id, user_id, session_start, topics_discussed: topics_discussed ?? [], mood })
    }
    for (const [index, old] of oldRows.messages.entries()) expect(fixed.messages[index]).toMatchObject(old)

    const report = await checkSchema(fixture.db)
    expect(report.ok).toBe(true)
    expect(errors(report)).toEqual([])
    expect(report.problems.map((problem) => problem.column).sort()).toEqual(['mood', 'tokens'])

    await fixture.db.exec(sql)
    expect(await rowsOf(fixture.db)).toEqual(fixed)
    expect(await checkSchema(fixture.db)).toEqual(report)
    expect(await migrate(fixture.db)).toEqual({ applied: [], alreadyApplied: versions })

    const after = await fixture.doctor([], 'binary')
    expect(after.code).toBe(0)
    expect(after.err).toBe('')
    expect(after.out.split('\n')[0]).toMatch(/^✅ .+ matches the schema Parley expects \(2 warnings\)\.$/)
  })

  it('is then "one SQL script away from working": the tracker starts and writes', async () => {
    const tracker = await createTracker({ database: fixture.db })
    const session = await tracker.startSession({ userId: 'a0000000-0000-4000-8000-00000000000a' })
    await tracker.addMessage({ sessionId: session.sessionId, role: 'user', content: 'Hello again' })
    expect(await tracker.endSession(session.sessionId)).toMatchObject({ messageCount: 1 })
    await tracker.close()
  })
})

describeEachBackend('parley doctor with each expected column dropped', (backend) => {
  const open = fixtures(backend)
  const tables = ['conversation_sessions', 'conversation_messages'] as const
  const columns = tables.flatMap((table) => Object.keys(expectedSchema.tables[table]!.columns).map((column) => [table, column] as const))
  // Filled in again from the other columns by the fix's backfill, as they were.
  const rederived = new Set([
    'conversation_sessions.id',
    'conversation_sessions.session_id',
    'conversation_sessions.session_start',
    'conversation_sessions.started_at',
    'conversation_sessions.session_end',
    'conversation_sessions.ended_at',
    'conversation_sessions.is_active',
    'conversation_sessions.duration_seconds',
    'conversation_sessions.message_count',
    'conversation_messages.seq',
  ])
  // Nothing can fill these in: the script leaves them nullable and says so.
  const unfillable = new Set(['conversation_messages.session_id', 'conversation_messages.role', 'conversation_messages.content'])
  let fixture: Fixture

  beforeAll(async () => {
    fixture = await open()
    await migrate(fixture.db)
  })

  /** The rows without the columns whose values were dropped for good, in a stable order. */
  const comparable = (rows: Array<Record<string, unknown>>, lost: string | undefined) =>
    rows
      .map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== lost)))
      .sort((a, b) => JSON.stringify(Object.entries(a).sort()).localeCompare(JSON.stringify(Object.entries(b).sort())))

  it('covers every column of both tables', () => {
    expect(columns).toHaveLength(22)
    expect(columns).toContainEqual(['conversation_sessions', 'session_id'])
    expect(columns).toContainEqual(['conversation_messages', 'audio_url'])
  })

  it('reports exactly one missing_column naming it, and the fix SQL restores it with the other columns intact', async () => {
    for (const [table, column] of columns) {
      const where = `${table}.${column}`
      const db = fixture.db
      await db.exec(`truncate conversation_messages, conversation_sessions;
        alter sequence conversation_messages_seq_seq restart with 1;`)
      await seedRows(db)
      const before = await rowsOf(db)
      expect((await checkSchema(db)).problems, where).toEqual([])

      await db.exec(`alter table ${table} drop column ${column} cascade`)
      const report = await checkSchema(db)
      const want = expectedSchema.tables[table]!.columns[column]!
      expect(report.ok, where).toBe(false)
      const missing = report.problems.filter((problem) => problem.kind === 'missing_column')
      expect(brief(missing), where).toEqual([
        { kind: 'missing_column', table, column, severity: 'error', fix: !want.nullable && want.default === null ? 'data' : 'safe' },
      ])
      expect(missing[0]!.expected!.startsWith(want.type), where).toBe(true)
      // Anything else is what `drop column … cascade` took with it.
      for (const problem of report.problems.filter((p) => p.kind !== 'missing_column')) {
        expect(['missing_constraint', 'missing_index', 'missing_trigger', 'missing_policy'], `${where}: ${problem.kind}`).toContain(problem.kind)
      }
      expect(report.pendingMigrations, where).toEqual([])

      // The CLI agrees (every column on PostgreSQL; PGlite reopens its folder each time).
      if (backend.name === 'postgres' || column === columns.find(([t]) => t === table)![1]) {
        const { code, json } = await doctorJson(fixture)
        expect(code, where).toBe(1)
        expect(json.problems, where).toEqual(report.problems)
      }

      const sql = buildFixSql(report, expectedSchema, db.description)
      await fixture.db.exec(sql)
      let after = await checkSchema(fixture.db)
      if (unfillable.has(where)) {
        expect(brief(after.problems), where).toEqual([
          { kind: 'nullability_mismatch', table, column, severity: 'error', fix: 'data' },
        ])
        expect(sql, where).toContain(`--   * ${where} is set NOT NULL only once every row has a value`)
        // A person gives the rows their values back and runs the script again.
        for (const row of before[table === 'conversation_sessions' ? 'sessions' : 'messages']) {
          await fixture.db.query(`update ${table} set ${column} = $1 where id = $2`, [row[column], row.id])
        }
        await fixture.db.exec(sql)
        after = await checkSchema(fixture.db)
      } else {
        expect(sql, where).not.toContain(`--   * ${where}`)
      }
      expect(after.problems, where).toEqual([])

      const rows = await rowsOf(fixture.db)
      const lost = rederived.has(where) || unfillable.has(where) ? undefined : column
      const key = table === 'conversation_sessions' ? 'sessions' : 'messages'
      const other = table === 'conversation_sessions' ? 'messages' : 'sessions'
      expect(comparable(rows[key], lost), where).toEqual(comparable(before[key], lost))
      expect(comparable(rows[other], undefined), where).toEqual(comparable(before[other], undefined))

      await fixture.db.exec(sql)
      expect(await rowsOf(fixture.db), `${where}, fixed twice`).toEqual(rows)
    }
    expect(await migrate(fixture.db)).toEqual({ applied: [], alreadyApplied: versions })
  })
})
