// `parley doctor --fix-sql` applied to a drifted database, one drift per
// test, on one migrated database per backend: each fix must bring the
// database back to the schema Parley expects (so the next test starts from a
// clean one), keep every row, and do nothing the second time. The script is
// built in-process, so the mutation run of the doctor group
// (stryker.config.mjs) sees every change to src/doctor/fix-sql.ts here.
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import type { SchemaReport } from '../../src/doctor/compare.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import { migrations } from '../../src/migrations/generated.js'
import { MIGRATIONS_TABLE, migrate } from '../../src/migrations/migrator.js'
import { describeEachBackend } from '../support/backends.js'
import { brief, driftAndFix as applyFix, expectScriptShape, headings, migratedDatabase, oldSchemaSql, rowsOf, S1, seedRows } from './support.js'

const versions = migrations.map((migration) => migration.version)

describeEachBackend('--fix-sql applied to a drifted database', (backend) => {
  let db: Database

  // No doctor code runs here: a hook's coverage is no test's, and would make every mutant run every test.
  beforeAll(async () => {
    db = await migratedDatabase(backend)
    await seedRows(db)
  })
  afterAll(async () => {
    if (backend.name === 'postgres') await db.close()
  })

  const driftAndFix = (drift: string) => applyFix(db, drift)

  const kinds = (report: SchemaReport) => brief(report.problems).map(({ kind, table, column, name, fix }) => [kind, table, column ?? name, fix].join(' '))

  it('a clean database: the script says so and changes nothing', async () => {
    const before = await rowsOf(db)
    const { report, sql, after } = await driftAndFix('')
    expect(report.problems).toEqual([])
    expect(sql).toContain('-- Nothing to fix: the schema is as expected.')
    expect(sql).not.toMatch(/alter table|create (table|index|sequence)|insert into/i)
    expect(after.problems).toEqual([])
    expect(await rowsOf(db)).toEqual(before)
  })

  it('widens integer to bigint, smallint to integer and drops a length limit, keeping every value', async () => {
    const before = await rowsOf(db)
    const { report, after } = await driftAndFix(`
      alter table conversation_messages alter column seq type integer;
      alter table conversation_sessions alter column message_count type smallint;
      alter table parley.api_keys alter column name type varchar(40);`)
    expect(kinds(report)).toEqual([
      'type_mismatch conversation_messages seq safe',
      'type_mismatch conversation_sessions message_count safe',
      'type_mismatch parley.api_keys name safe',
    ])
    expect(after.problems).toEqual([])
    expect(await rowsOf(db)).toEqual(before)
    // A value only the wider type holds now fits.
    await db.exec(`insert into parley.api_keys (key_hash, prefix, scope, name) values ('h', 'widened', 'read', '${'n'.repeat(60)}')`)
    await db.exec(`delete from parley.api_keys where prefix = 'widened'`)
  })

  it('leaves a conversion that may lose values to a person: the column keeps its type and its values', async () => {
    const before = await rowsOf(db)
    const { report, sql, after } = await driftAndFix('alter table conversation_sessions alter column duration_seconds type numeric(10,2)')
    expect(kinds(report)).toEqual(['type_mismatch conversation_sessions duration_seconds manual'])
    expect(kinds(after)).toEqual(['type_mismatch conversation_sessions duration_seconds manual'])
    expect(sql).toContain('--   * conversation_sessions.duration_seconds is numeric(10,2), expected double precision: convert it by hand')
    expect(sql).not.toContain('alter column duration_seconds type')
    const durations = (rows: Awaited<ReturnType<typeof rowsOf>>) => rows.sessions.map((row) => (row.duration_seconds === null ? null : Number(row.duration_seconds)))
    expect(durations(await rowsOf(db))).toEqual(durations(before))
    await db.exec('alter table conversation_sessions alter column duration_seconds type double precision')
    expect((await checkSchema(db)).problems).toEqual([])
  })

  it('restores defaults, relaxes a NOT NULL and sets one back once the rows allow it', async () => {
    const { report, after } = await driftAndFix(`
      alter table conversation_sessions alter column metadata drop default;
      alter table conversation_sessions alter column ended_reason set default 'hangup';
      alter table conversation_messages alter column user_id set not null;
      alter table conversation_messages alter column content drop not null;`)
    expect(kinds(report)).toEqual([
      'nullability_mismatch conversation_messages content data',
      'nullability_mismatch conversation_messages user_id safe',
      'default_mismatch conversation_sessions ended_reason safe',
      'default_mismatch conversation_sessions metadata safe',
    ])
    expect(after.problems).toEqual([])
    const { rows } = await db.query<{ metadata: unknown; ended_reason: string | null }>(
      `insert into conversation_sessions (session_id, session_start) values (gen_random_uuid(), now()) returning metadata, ended_reason`,
    )
    expect(rows[0]).toEqual({ metadata: {}, ended_reason: null })
  })

  it('a NOT NULL relaxed on a column the backfill fills, or one with a default, is set back with no note for a person', async () => {
    const { report, sql, after } = await driftAndFix(`
      alter table conversation_sessions alter column session_start drop not null;
      alter table parley.api_keys alter column created_at drop not null;`)
    expect(kinds(report)).toEqual([
      'nullability_mismatch conversation_sessions session_start data',
      'nullability_mismatch parley.api_keys created_at data',
    ])
    expect(sql).not.toContain('--   * ')
    expect(headings(sql)).not.toContain('-- Left for a person to decide (not changed by this script):')
    expect(after.problems).toEqual([])
  })

  it('a NOT NULL column with a null in it stays nullable, says so, and is set once the row has a value', async () => {
    const id = '20000000-0000-4000-8000-0000000000cc'
    const { sql, after } = await driftAndFix(`
      alter table conversation_messages alter column content drop not null;
      insert into conversation_messages (id, session_id, role, content) values ('${id}', '${S1}', 'user', null);`)
    expect(sql).toContain('--   * conversation_messages.content is set NOT NULL only once every row has a value')
    expect(kinds(after)).toEqual(['nullability_mismatch conversation_messages content data'])
    await db.query(`update conversation_messages set content = 'filled' where id = $1`, [id])
    await db.exec(sql)
    expect((await checkSchema(db)).problems).toEqual([])
  })

  it('adds missing columns: a numbered one in time order with its sequence after, defaulted ones filled, NOT NULL once filled', async () => {
    // Stored last, said earlier than every other: numbered first.
    await db.exec(`insert into conversation_messages (id, session_id, role, content, created_at)
      values ('20000000-0000-4000-8000-0000000000dd', '${S1}', 'user', 'said first', '2024-03-01 09:00:00+00')`)
    const before = await rowsOf(db)
    const { report, sql, after } = await driftAndFix(`
      alter table conversation_messages drop column seq cascade;
      alter table conversation_sessions drop column metadata cascade;
      alter table conversation_sessions drop column ended_reason;`)
    expect(brief(report.problems.filter((problem) => problem.kind === 'missing_column'))).toEqual([
      { kind: 'missing_column', table: 'conversation_messages', column: 'seq', severity: 'error', fix: 'safe' },
      { kind: 'missing_column', table: 'conversation_sessions', column: 'ended_reason', severity: 'error', fix: 'safe' },
      { kind: 'missing_column', table: 'conversation_sessions', column: 'metadata', severity: 'error', fix: 'safe' },
    ])
    expect(sql).not.toContain('--   * ')
    expect(after.problems).toEqual([])
    const fixed = await rowsOf(db)
    const byTime = [...fixed.messages].sort((a, b) => Number(a.created_at) - Number(b.created_at) || String(a.id).localeCompare(String(b.id)))
    expect(byTime.map((row) => Number(row.seq))).toEqual(byTime.map((_, index) => index + 1))
    expect(byTime[0]!.content).toBe('said first')
    expect(fixed.sessions.every((row) => JSON.stringify(row.metadata) === '{}' && row.ended_reason === null)).toBe(true)
    expect(fixed.messages.map(({ seq: _, ...rest }) => rest)).toEqual(before.messages.map(({ seq: _, ...rest }) => rest))
    // The sequence goes on after the rows it numbered.
    const { rows } = await db.query<{ seq: string }>(`insert into conversation_messages (session_id, role, content) values ('${S1}', 'user', 'next') returning seq`)
    expect(Number(rows[0]!.seq)).toBe(fixed.messages.length + 1)
  })

  it('creates a missing table with its sequence, keys, index and trigger in the parley schema', async () => {
    const { report, sql, after } = await driftAndFix('drop table parley.audit_log')
    expect(kinds(report)).toContain('missing_table parley.audit_log  safe')
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS audit_log_at ON parley.audit_log USING btree (at)')
    expect(after.problems).toEqual([])
    const { rows } = await db.query<{ id: string }>(`insert into parley.audit_log (actor, action) values ('test', 'key.created') returning id`)
    expect(Number(rows[0]!.id)).toBeGreaterThan(0)
    // The append-only trigger is back on it.
    await expect(db.exec(`update parley.audit_log set actor = 'someone else'`)).rejects.toThrow()
  })

  it('recreates a changed function, a missing and a changed trigger, and they work again', async () => {
    const { report, after } = await driftAndFix(`
      create or replace function parley.refuse_erased_session() returns trigger language plpgsql as $$ begin return new; end $$;
      drop trigger parley_message_before_write on conversation_messages;
      drop trigger parley_notify_session_ended on conversation_sessions;
      create trigger parley_notify_session_ended after update on conversation_sessions for each row execute function parley.notify_session_ended();
      drop trigger audit_log_append_only on parley.audit_log;`)
    expect(kinds(report)).toEqual([
      'missing_trigger conversation_messages parley_message_before_write safe',
      'trigger_mismatch conversation_sessions parley_notify_session_ended safe',
      'missing_trigger parley.audit_log audit_log_append_only safe',
      'function_mismatch  parley.refuse_erased_session safe',
      'function_search_path_mutable  parley.refuse_erased_session() safe',
      'function_security_mismatch  parley.refuse_erased_session() safe',
    ])
    expect(after.problems).toEqual([])
    const { rows } = await db.query<{ user_id: string | null }>(`insert into conversation_messages (session_id, role, content) values ('${S1}', 'user', 'hi') returning user_id`)
    expect(rows[0]!.user_id).toBe('a0000000-0000-4000-8000-00000000000a')
    await db.exec(`insert into parley.audit_log (actor, action) values ('test', 'key.created')`)
    await expect(db.exec(`delete from parley.audit_log`)).rejects.toThrow()
  })

  it('adds missing constraints, keys before the foreign key that needs them, and replaces a changed one', async () => {
    const { report, sql, after } = await driftAndFix(`
      alter table conversation_sessions drop constraint conversation_sessions_session_id_key cascade;
      alter table conversation_messages drop constraint conversation_messages_role_known;
      alter table conversation_sessions drop constraint conversation_sessions_message_count_not_negative;
      alter table conversation_sessions add constraint conversation_sessions_message_count_not_negative check (message_count >= -1);`)
    expect(kinds(report)).toEqual([
      'missing_constraint conversation_messages conversation_messages_role_known data',
      'missing_constraint conversation_messages conversation_messages_session_id_fkey data',
      'constraint_mismatch conversation_sessions conversation_sessions_message_count_not_negative data',
      'missing_constraint conversation_sessions conversation_sessions_session_id_key data',
    ])
    expect(sql.indexOf('add constraint conversation_sessions_session_id_key')).toBeLessThan(sql.indexOf('add constraint conversation_messages_session_id_fkey'))
    expect(after.problems).toEqual([])
    await expect(db.exec(`insert into conversation_messages (session_id, role, content) values ('${S1}', 'robot', 'beep')`)).rejects.toThrow(/role_known/)
    await expect(
      db.exec(`insert into conversation_messages (session_id, role, content) values ('10000000-0000-4000-8000-0000000000ff', 'user', 'to no one')`),
    ).rejects.toThrow(/session_id_fkey/)
  })

  it('creates missing indexes, also in the parley schema, and leaves a changed one to a person', async () => {
    const { report, sql, after } = await driftAndFix(`
      drop index conversation_messages_session_order_idx;
      drop index parley.audit_log_at;
      drop index conversation_sessions_recent_idx;
      create index conversation_sessions_recent_idx on conversation_sessions (started_at);`)
    expect(kinds(report)).toEqual([
      'missing_index conversation_messages conversation_messages_session_order_idx safe',
      'index_mismatch conversation_sessions conversation_sessions_recent_idx manual',
      'missing_index parley.audit_log audit_log_at safe',
    ])
    expect(sql).toMatch(/\n--   \* index conversation_sessions_recent_idx is ".+", expected ".+": drop and recreate it when the table can be locked\./)
    expect(kinds(after)).toEqual(['index_mismatch conversation_sessions conversation_sessions_recent_idx manual'])
    // The unique order index is back: a second row at one place in a session is refused.
    const { rows } = await db.query<{ seq: string }>(`select seq from conversation_messages where session_id = '${S1}' limit 1`)
    await expect(db.exec(`update conversation_messages set seq = ${rows[0]!.seq} where session_id = '${S1}'`)).rejects.toThrow()
    await db.exec(`drop index conversation_sessions_recent_idx;
      ${expectedSchema.tables.conversation_sessions!.indexes.conversation_sessions_recent_idx};`)
    expect((await checkSchema(db)).problems).toEqual([])
  })

  it('records a migration missing from the history, so that migrate has nothing to do', async () => {
    const last = versions.at(-1)!
    const { report, after } = await driftAndFix(`delete from parley.migrations where version = ${last}`)
    expect(kinds(report)).toEqual([`pending_migration parley.migrations ${last} safe`])
    expect(after.problems).toEqual([])
    expect(await migrate(db)).toEqual({ applied: [], alreadyApplied: versions })
  })

  it('an edited and an unknown migration are left to a person, with the history as it was', async () => {
    const history = (await db.query('select version, name, checksum from parley.migrations order by version')).rows
    await db.exec(`update parley.migrations set checksum = 'e0e0e0e0e0e0e0e0' where version = 2;
      insert into parley.migrations (version, name, checksum) values (999, 'from_the_future', 'abc');`)
    const { sql, after } = await driftAndFix('')
    expect(sql).toContain('\n-- Left for a person to decide (not changed by this script):\n')
    const recorded = String(history.find((row) => row.version === 2)!.checksum).slice(0, 12)
    expect(sql).toContain(
      `\n--   * migration 2 was edited after it was applied (invariant_triggers sha256:e0e0e0e0e0e0, expected invariant_triggers sha256:${recorded}): restore the file, or after review update its checksum in ${MIGRATIONS_TABLE}.\n`,
    )
    expect(sql).toContain('\n--   * migration 999 (from_the_future) comes from a newer Parley: upgrade Parley rather than changing the database.')
    expect(kinds(after)).toEqual(['unknown_migration parley.migrations 999 manual', 'modified_migration parley.migrations 2 manual'])
    await db.exec(`delete from parley.migrations where version = 999;
      update parley.migrations set checksum = '${history.find((row) => row.version === 2)!.checksum}' where version = 2;`)
    expect((await checkSchema(db)).problems).toEqual([])
  })

  it('moves the history and keys an older Parley kept in public into the parley schema, with their rows', async () => {
    await db.exec(`insert into parley.api_keys (key_hash, prefix, scope) values ('old-hash', 'legacy', 'read')`)
    const history = (await db.query('select version, name, checksum from parley.migrations order by version')).rows
    const { report, after } = await driftAndFix(`
      alter table parley.migrations rename constraint migrations_pkey to parley_migrations_pkey;
      alter table parley.migrations rename to parley_migrations;
      alter table parley.parley_migrations set schema public;
      alter table parley.api_keys rename to parley_api_keys;
      alter table parley.parley_api_keys set schema public;`)
    expect(kinds(report)).toEqual(expect.arrayContaining(['missing_table parley.migrations  safe', 'missing_table parley.api_keys  safe']))
    expect(after.problems).toEqual([])
    expect((await db.query('select version, name, checksum from parley.migrations order by version')).rows).toEqual(history)
    expect((await db.query(`select key_hash from parley.api_keys where prefix = 'legacy'`)).rows).toEqual([{ key_hash: 'old-hash' }])
    await db.exec(`delete from parley.api_keys where prefix = 'legacy'`)
  })

  // Three databases of its own: on PGlite, seconds each to boot.
  it("upgrades the seed's old schema as the migrations do", { timeout: 180_000 }, async () => {
    const old = (await backend.emptyDatabase()).database
    await old.exec(oldSchemaSql)
    const twin = (await backend.emptyDatabase()).database
    await twin.exec(oldSchemaSql)
    await migrate(twin)
    const report = await checkSchema(old)
    const sql = buildFixSql(report, expectedSchema, old.description)
    expectScriptShape(sql, old.description)
    expect(headings(sql)).toEqual([
      '-- Tables and columns',
      '-- Backfill, as the upgrade migration does',
      '-- Invariant functions and triggers',
      '-- Constraints (each checks the rows already there)',
      '-- Security: row level security, policies, privileges, function settings',
      '-- Indexes',
      '-- Migration history, so that `parley migrate` afterwards has nothing to do',
      '-- Left for a person to decide (not changed by this script):',
    ])
    await old.exec(sql)
    expect(await rowsOf(old)).toEqual(await rowsOf(twin))
    expect(brief((await checkSchema(old)).problems).map(({ kind, column }) => `${kind} ${column}`)).toEqual(['extra_column tokens', 'extra_column mood'])
    expect(await migrate(old)).toEqual({ applied: [], alreadyApplied: versions })
  })
})
