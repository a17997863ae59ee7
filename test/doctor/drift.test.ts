import { beforeAll, describe, expect, it } from 'vitest'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import type { SchemaReport } from '../../src/doctor/compare.js'
import { reportText } from '../../src/doctor/format-report.js'
import { UnavailableError } from '../../src/model/errors.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrationChecksum } from '../../src/migrations/migration.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { brief, buildDistIfStale, doctorJson, errors, fixSql, fixtures, rowsOf, S1, seedRows, type Fixture } from './support.js'

const versions = migrations.map((migration) => migration.version)

beforeAll(buildDistIfStale)

/**
 * Applies `parley doctor --fix-sql` and checks what it promises: no row
 * changes, the second run changes nothing, `migrate()` has nothing left.
 */
async function applyFix(fixture: Fixture, { historyIntact = true } = {}): Promise<{ sql: string; report: SchemaReport }> {
  const before = await rowsOf(fixture.db)
  const sql = await fixSql(fixture)
  await fixture.db.exec(sql)
  const report = await checkSchema(fixture.db)
  expect(await rowsOf(fixture.db)).toEqual(before)
  await fixture.db.exec(sql)
  expect(await rowsOf(fixture.db)).toEqual(before)
  expect(await checkSchema(fixture.db)).toEqual(report)
  if (historyIntact) expect(await migrate(fixture.db)).toEqual({ applied: [], alreadyApplied: versions })
  return { sql, report }
}

/** A migrated database with rows, then drifted by `drift`. */
async function drifted(open: () => Promise<Fixture>, drift: string): Promise<Fixture> {
  const fixture = await open()
  await migrate(fixture.db)
  await seedRows(fixture.db)
  expect((await checkSchema(fixture.db)).problems).toEqual([])
  await fixture.db.exec(drift)
  return fixture
}

/** The human report's verdict line, from the CLI (exit code checked). */
async function firstLine(fixture: Fixture, code: number): Promise<string> {
  const run = await fixture.doctor()
  expect(run.code).toBe(code)
  expect(run.err).toBe('')
  return run.out.split('\n')[0]!
}

/** The same verdict line, in-process: the CLI prints exactly this (see old-schema.test.ts). */
async function verdict(fixture: Fixture): Promise<string> {
  return reportText(await checkSchema(fixture.db), fixture.db.description).split('\n')[0]!
}

describeEachBackend('parley doctor on drifted databases', (backend) => {
  const open = fixtures(backend)

  describe('wrong types', () => {
    let fixture: Fixture
    beforeAll(async () => {
      fixture = await drifted(
        open,
        `alter table conversation_sessions alter column duration_seconds type real;
         alter table conversation_messages alter column audio_url type varchar(200);
         alter table conversation_sessions alter column ended_reason type integer using null;`,
      )
    })

    it('reports each: a widening as safe, a conversion that may fail as manual; exit 1', async () => {
      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(1)
      expect(json.pending_migrations).toEqual([])
      expect(json.problems).toEqual([
        { kind: 'type_mismatch', table: 'conversation_messages', column: 'audio_url', expected: 'text', actual: 'character varying(200)', severity: 'error', fix: 'safe' },
        { kind: 'type_mismatch', table: 'conversation_sessions', column: 'duration_seconds', expected: 'double precision', actual: 'real', severity: 'error', fix: 'safe' },
        { kind: 'type_mismatch', table: 'conversation_sessions', column: 'ended_reason', expected: 'text', actual: 'integer', severity: 'error', fix: 'manual' },
      ])
      expect(await verdict(fixture)).toMatch(/: 3 problems \(1 needs a person\)\.$/)
    })

    it('--fix-sql widens the safe ones with every row intact, and leaves the manual one to a person', async () => {
      const { sql, report } = await applyFix(fixture)
      expect(sql).toContain('alter table conversation_sessions alter column duration_seconds type double precision;')
      expect(sql).toContain('alter table conversation_messages alter column audio_url type text;')
      expect(sql).not.toMatch(/alter column ended_reason type/)
      expect(sql).toMatch(/\n--   \* conversation_sessions\.ended_reason is integer, expected text: convert it by hand/)
      expect(brief(report.problems)).toEqual([
        { kind: 'type_mismatch', table: 'conversation_sessions', column: 'ended_reason', severity: 'error', fix: 'manual' },
      ])
      expect(report.ok).toBe(false)

      await fixture.db.exec('alter table conversation_sessions alter column ended_reason type text')
      expect(await firstLine(fixture, 0)).toMatch(/^✅ .+ matches the schema Parley expects\.$/)
    })
  })

  describe('wrong nullability', () => {
    let fixture: Fixture
    beforeAll(async () => {
      fixture = await drifted(
        open,
        // The seed's NOT NULL user_id, and the opposite: a NOT NULL column relaxed.
        `alter table conversation_messages alter column user_id set not null;
         alter table conversation_messages alter column content drop not null;`,
      )
    })

    it('reports both, relaxing as safe and tightening as needing a backfill; exit 1', async () => {
      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(1)
      expect(json.problems).toEqual([
        { kind: 'nullability_mismatch', table: 'conversation_messages', column: 'content', expected: 'not null', actual: 'nullable', severity: 'error', fix: 'data' },
        { kind: 'nullability_mismatch', table: 'conversation_messages', column: 'user_id', expected: 'nullable', actual: 'not null', severity: 'error', fix: 'safe' },
      ])
      expect(await verdict(fixture)).toMatch(/: 2 problems \(1 needs a backfill\)\.$/)
    })

    it('--fix-sql gives a clean report with every row intact, exit 0', async () => {
      const { sql, report } = await applyFix(fixture)
      expect(sql).toContain('alter table conversation_messages alter column user_id drop not null;')
      expect(report.problems).toEqual([])
      expect(await firstLine(fixture, 0)).toMatch(/matches the schema Parley expects\.$/)
    })

    it('leaves a column nullable while a row has no value, says so, and finishes once it has one', async () => {
      const id = '20000000-0000-4000-8000-0000000000aa'
      await fixture.db.exec(`alter table conversation_messages alter column content drop not null;
        insert into conversation_messages (id, session_id, role, content) values ('${id}', '${S1}', 'user', null);`)
      const { sql, report } = await applyFix(fixture)
      expect(sql).toMatch(/\n--   \* conversation_messages\.content is set NOT NULL only once every row has a value/)
      expect(brief(report.problems)).toEqual([
        { kind: 'nullability_mismatch', table: 'conversation_messages', column: 'content', severity: 'error', fix: 'data' },
      ])
      await fixture.db.query(`update conversation_messages set content = '' where id = $1`, [id])
      await fixture.db.exec(sql)
      expect((await checkSchema(fixture.db)).problems).toEqual([])
    })
  })

  describe('a missing index and a missing trigger', () => {
    let fixture: Fixture
    const messageId = '20000000-0000-4000-8000-0000000000bb'
    beforeAll(async () => {
      fixture = await drifted(
        open,
        `drop index conversation_sessions_recent_idx;
         drop trigger parley_message_before_write on conversation_messages;`,
      )
      // Without the trigger a message written without a user keeps none.
      await fixture.db.exec(`insert into conversation_messages (id, session_id, role, content) values ('${messageId}', '${S1}', 'user', 'no trigger')`)
    })

    it('reports each by name with the definition that creates it; exit 1', async () => {
      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(1)
      const tables = expectedSchema.tables
      expect(json.problems).toEqual([
        {
          kind: 'missing_trigger',
          table: 'conversation_messages',
          name: 'parley_message_before_write',
          expected: tables.conversation_messages!.triggers.parley_message_before_write,
          actual: null,
          severity: 'error',
          fix: 'safe',
        },
        {
          kind: 'missing_index',
          table: 'conversation_sessions',
          name: 'conversation_sessions_recent_idx',
          expected: tables.conversation_sessions!.indexes.conversation_sessions_recent_idx,
          actual: null,
          severity: 'error',
          fix: 'safe',
        },
      ])
    })

    it('the startup guard refuses the database, naming both', async () => {
      const error = await createTracker({ database: fixture.db }).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(UnavailableError)
      expect(error).toMatchObject({ code: 'SCHEMA_MISMATCH' })
      expect((error as Error).message).toContain('missing trigger conversation_messages.parley_message_before_write')
      expect((error as Error).message).toContain('missing index conversation_sessions.conversation_sessions_recent_idx')
      expect((error as Error).message).toContain('parley doctor')
    })

    it('--fix-sql recreates both with every row intact, exit 0, and the trigger works again', async () => {
      const { sql, report } = await applyFix(fixture)
      expect(sql).toContain('CREATE INDEX IF NOT EXISTS conversation_sessions_recent_idx ON conversation_sessions')
      expect(sql).toContain('CREATE OR REPLACE TRIGGER parley_message_before_write BEFORE INSERT OR UPDATE ON conversation_messages')
      expect(report.problems).toEqual([])
      expect(await firstLine(fixture, 0)).toMatch(/matches the schema Parley expects\.$/)
      const { rows } = await fixture.db.query<{ user_id: string | null }>(
        `insert into conversation_messages (session_id, role, content) values ('${S1}', 'user', 'trigger back') returning user_id`,
      )
      expect(rows[0]!.user_id).toBe('a0000000-0000-4000-8000-00000000000a')
    })
  })

  describe('an edited and an unknown applied migration', () => {
    let fixture: Fixture
    const recorded = migrationChecksum(migrations.find((migration) => migration.version === 2)!.sql)
    beforeAll(async () => {
      fixture = await drifted(
        open,
        `update parley.migrations set checksum = 'e0e0e0e0e0e0e0e0' where version = 2;
         insert into parley.migrations (version, name, checksum) values (999, 'from_the_future', 'abc');`,
      )
    })

    it('reports modified_migration and unknown_migration, both for a person; exit 1', async () => {
      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(1)
      expect(json.pending_migrations).toEqual([])
      expect(json.problems).toEqual([
        { kind: 'unknown_migration', table: 'parley.migrations', name: '999', expected: null, actual: 'from_the_future', severity: 'error', fix: 'manual' },
        {
          kind: 'modified_migration',
          table: 'parley.migrations',
          name: '2',
          expected: `invariant_triggers sha256:${recorded.slice(0, 12)}`,
          actual: 'invariant_triggers sha256:e0e0e0e0e0e0',
          severity: 'error',
          fix: 'manual',
        },
      ])
      const text = reportText(await checkSchema(fixture.db), fixture.db.description)
      expect(text.split('\n')[0]).toMatch(/: 2 problems \(2 need a person\)\.$/)
      expect(text).toContain('Next: run `parley doctor --fix-sql`')
      expect(text).not.toContain('parley migrate')
    })

    it('--fix-sql changes neither the history nor any row, and explains both in comments', async () => {
      const history = (await fixture.db.query('select version, name, checksum from parley.migrations order by version')).rows
      const { sql, report } = await applyFix(fixture, { historyIntact: false })
      // migrate() still refuses such a history rather than guessing.
      const refused = await migrate(fixture.db).then(() => undefined, (error: unknown) => error)
      expect(refused).toBeInstanceOf(UnavailableError)
      expect((refused as UnavailableError).code).toMatch(/^(MODIFIED|UNKNOWN)_MIGRATION$/)
      expect(sql).toMatch(/\n--   \* migration 2 was edited after it was applied/)
      expect(sql).toMatch(/\n--   \* migration 999 \(from_the_future\) comes from a newer Parley/)
      expect(brief(report.problems).map(({ kind, name }) => `${kind} ${name}`)).toEqual(['unknown_migration 999', 'modified_migration 2'])
      expect((await fixture.db.query('select version, name, checksum from parley.migrations order by version')).rows).toEqual(history)
      expect(report.ok).toBe(false)

      await fixture.db.exec(`delete from parley.migrations where version = 999;
        update parley.migrations set checksum = '${recorded}' where version = 2;`)
      expect(await firstLine(fixture, 0)).toMatch(/matches the schema Parley expects\.$/)
    })
  })

  describe('extra tables, columns, indexes and constraints', () => {
    let fixture: Fixture
    beforeAll(async () => {
      fixture = await drifted(
        open,
        `create table conversation_notes (id uuid primary key, session_id uuid references conversation_sessions (session_id), note text not null);
         insert into conversation_notes values ('30000000-0000-4000-8000-000000000001', '${S1}', 'call back tomorrow');
         alter table conversation_sessions add column mood text;
         update conversation_sessions set mood = 'curious' where session_id = '${S1}';
         alter table conversation_sessions add constraint conversation_sessions_mood_known check (mood in ('curious', 'calm'));
         create index conversation_messages_content_idx on conversation_messages (content);
         create table profiles (id uuid primary key, name text);`,
      )
    })

    it('is clean with warnings only, exit 0; a table unlike ours is not looked at', async () => {
      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(0)
      expect(json.ok).toBe(true)
      expect(brief(json.problems)).toEqual([
        { kind: 'extra_index', table: 'conversation_messages', name: 'conversation_messages_content_idx', severity: 'warning', fix: 'manual' },
        { kind: 'extra_column', table: 'conversation_sessions', column: 'mood', severity: 'warning', fix: 'manual' },
        { kind: 'extra_constraint', table: 'conversation_sessions', name: 'conversation_sessions_mood_known', severity: 'warning', fix: 'manual' },
        { kind: 'extra_table', table: 'conversation_notes', severity: 'warning', fix: 'manual' },
      ])
      expect(JSON.stringify(json)).not.toContain('profiles')
      const run = await fixture.doctor()
      expect(run.code).toBe(0)
      expect(run.out.split('\n')[0]).toMatch(/^✅ .+ matches the schema Parley expects \(4 warnings\)\.$/)
      expect(run.out).toMatch(/\n {2}extra_column \(warning\) +mood /)
      expect(run.out).not.toContain('Next:')
    })

    it('--fix-sql has nothing to fix and leaves every extra, and its data, in place', async () => {
      const { sql, report } = await applyFix(fixture)
      expect(sql).toContain('-- Nothing to fix: the schema is as expected.')
      expect(sql).not.toMatch(/conversation_notes|mood|content_idx|profiles/)
      expect(report.problems).toHaveLength(4)
      expect((await fixture.db.query('select id, note from conversation_notes')).rows).toEqual([
        { id: '30000000-0000-4000-8000-000000000001', note: 'call back tomorrow' },
      ])
      expect((await fixture.db.query(`select mood from conversation_sessions where session_id = '${S1}'`)).rows).toEqual([{ mood: 'curious' }])
      expect(errors(report)).toEqual([])
    })
  })
})
