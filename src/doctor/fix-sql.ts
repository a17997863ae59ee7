import { MIGRATION_LOCK_KEY, MIGRATIONS_TABLE } from '../migrations/migrator.js'
import type { Problem, SchemaReport } from './compare.js'
import type { ColumnShape, SchemaSnapshot } from './schema.js'
import { closeInternalsSql, securityFixSql } from './security.js'
import { parleySchema } from '../db/parley-schema.js'

// Brings rows written before a column existed in line with the invariants,
// the way the upgrade migration does; each statement touches only rows that
// need it, so running it twice changes nothing.
const backfillSql = /* sql */ `
update conversation_sessions set session_id = id where session_id is null;
update conversation_sessions set id = session_id where id is null;
update conversation_sessions set session_start = coalesce(started_at, now()) where session_start is null;
update conversation_sessions set started_at = session_start where started_at is distinct from session_start;
update conversation_sessions set session_end = ended_at where session_end is null and ended_at is not null;
update conversation_sessions s set session_end = greatest(s.session_start,
    (select max(m.created_at) from conversation_messages m where m.session_id = s.session_id))
  where s.session_end is null and s.is_active is false;
update conversation_sessions set ended_at = session_end where ended_at is distinct from session_end;
update conversation_sessions set is_active = (session_end is null) where is_active is distinct from (session_end is null);
update conversation_sessions set duration_seconds = extract(epoch from session_end - session_start)::double precision
  where session_end is not null and duration_seconds is null;
update conversation_sessions set metadata = '{}' where metadata is null;
update conversation_sessions set topics_discussed = '{}' where topics_discussed is null;
update conversation_sessions s set message_count = counted.n
  from (select s2.session_id, (select count(*) from conversation_messages m where m.session_id = s2.session_id)::int as n
        from conversation_sessions s2) counted
  where s.session_id = counted.session_id and s.message_count is distinct from counted.n;
update conversation_messages set metadata = '{}' where metadata is null;
update conversation_messages set created_at = now() where created_at is null;
update conversation_messages m set seq = numbered.n
  from (select id, (select coalesce(max(seq), 0) from conversation_messages)
          + row_number() over (order by created_at, id) as n
        from conversation_messages where seq is null) numbered
  where m.id = numbered.id;
select setval('conversation_messages_seq_seq', coalesce(max(seq), 0) + 1, false) from conversation_messages;`

// The columns the backfill gives a value to: `update <table> [alias] set <column> =`.
const backfilled = new Set([...backfillSql.matchAll(/update (\w+)(?: \w+)? set (\w+) =/g)].map(([, table, column]) => `${table}.${column}`))

/** Sets every trigger of ours on or off (they would undo parts of the backfill). */
function switchOurTriggers(mode: 'enable' | 'disable'): string {
  return /* sql */ `do $$
declare t record;
begin
  for t in select g.tgrelid::regclass as tbl, g.tgname from pg_trigger g
    where g.tgname like 'parley\\_%' and not g.tgisinternal and g.tgrelid::regclass::text in ('conversation_sessions', 'conversation_messages')
  loop
    execute format('alter table %s ${mode} trigger %I', t.tbl, t.tgname);
  end loop;
end $$;`
}

// Where an older Parley kept its history and keys: moved in place, as migration 13 does.
const moveLegacyTablesSql = /* sql */ `do $$ begin
  if to_regclass('parley_migrations') is not null and to_regclass('parley.migrations') is null then
    alter table parley_migrations set schema parley;
    alter table parley.parley_migrations rename to migrations;
    alter table parley.migrations rename constraint parley_migrations_pkey to migrations_pkey;
  end if;
  if to_regclass('parley_api_keys') is not null and to_regclass('parley.api_keys') is null then
    alter table parley_api_keys set schema parley;
    alter table parley.parley_api_keys rename to api_keys;
  end if;
end $$;`

const columnKinds: Problem['kind'][] = ['missing_table', 'missing_column', 'nullability_mismatch', 'default_mismatch', 'type_mismatch']

/**
 * One SQL script that brings the database to the expected schema without
 * losing data: it adds what is missing, relaxes what is too strict,
 * backfills, recreates the trigger functions and triggers, records the
 * migrations, and lists as comments what a person must decide. It drops no
 * table, column or row, and running it twice is harmless.
 */
export function buildFixSql(report: SchemaReport, expected: SchemaSnapshot, description: string): string {
  const out: string[] = []
  const manual: string[] = []
  const problems = report.problems.filter((problem) => problem.severity === 'error')
  const of = (...kinds: Problem['kind'][]) => problems.filter((problem) => kinds.includes(problem.kind))
  const columnOf = (problem: Problem) => expected.tables[problem.table!]!.columns[problem.column!]!
  const touchesColumns = of(...columnKinds).length > 0

  out.push(
    `-- Parley: bring ${description} to the schema this version expects.`,
    '-- Generated by `parley doctor --fix-sql`. Idempotent; drops no table, column or row.',
    'begin;',
    `select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});`,
  )
  if (problems.length === 0) out.push('-- Nothing to fix: the schema is as expected.')
  else out.push(`create schema if not exists ${parleySchema};`, moveLegacyTablesSql)

  if (touchesColumns) {
    out.push('', '-- Tables and columns', 'create sequence if not exists conversation_messages_seq_seq as bigint;')
  }
  for (const problem of of('missing_table')) {
    // A default drawn from a sequence needs the sequence first.
    for (const column of Object.values(expected.tables[problem.table!]!.columns)) {
      const sequence = /^nextval\('([a-z0-9_.]+)'::regclass\)$/.exec(column.default ?? '')?.[1]
      if (sequence) out.push(`create sequence if not exists ${sequence} as bigint;`)
    }
    const columns = Object.entries(expected.tables[problem.table!]!.columns).map(
      ([name, column]) => `  ${name} ${column.type}${column.default ? ` default ${column.default}` : ''}${column.nullable ? '' : ' not null'}`,
    )
    out.push(`create table if not exists ${problem.table} (\n${columns.join(',\n')}\n);`)
  }
  // A sequence default would number existing rows in storage order: such a
  // column is added bare, numbered by the backfill, and gets its default after.
  const sequenceDefaults: string[] = []
  for (const problem of of('missing_column')) {
    const column = columnOf(problem)
    const deferred = column.default?.startsWith('nextval(') ?? false
    if (deferred) sequenceDefaults.push(`alter table ${problem.table} alter column ${problem.column} set default ${column.default};`)
    out.push(
      `alter table ${problem.table} add column if not exists ${problem.column} ${column.type}${column.default && !deferred ? ` default ${column.default}` : ''};`,
    )
  }
  // A column a policy names cannot change type: the policies go first and
  // are recreated below with the other security fixes.
  const retyped = of('type_mismatch').some((problem) => problem.fix === 'safe')
  const policies = Object.values(expected.security?.policies ?? {})
  if (retyped) for (const policy of policies) out.push(`drop policy if exists ${policy.name} on ${policy.table};`)
  for (const problem of of('type_mismatch')) {
    if (problem.fix === 'safe') out.push(`alter table ${problem.table} alter column ${problem.column} type ${problem.expected};`)
    else manual.push(`${problem.table}.${problem.column} is ${problem.actual}, expected ${problem.expected}: convert it by hand (values may not convert).`)
  }
  for (const problem of of('default_mismatch')) {
    const column = columnOf(problem)
    out.push(`alter table ${problem.table} alter column ${problem.column} ${column.default ? `set default ${column.default}` : 'drop default'};`)
  }
  for (const problem of of('nullability_mismatch').filter((p) => p.fix === 'safe')) {
    out.push(`alter table ${problem.table} alter column ${problem.column} drop not null;`)
  }

  if (touchesColumns) {
    out.push('', '-- Backfill, as the upgrade migration does', switchOurTriggers('disable'), backfillSql.trim(), ...sequenceDefaults)
    // A column no backfill can fill (a message's role) stays nullable while
    // rows lack a value, rather than making the whole script fail.
    for (const [table, column] of notNullColumns(problems, expected)) {
      out.push(`do $$ begin
  if not exists (select 1 from ${table} where ${column} is null) then
    alter table ${table} alter column ${column} set not null;
  else
    raise notice '${table}.${column} is left nullable: some rows have no value';
  end if;
end $$;`)
      if (!backfilled.has(`${table}.${column}`) && expected.tables[table]!.columns[column]!.default === null) {
        manual.push(`${table}.${column} is set NOT NULL only once every row has a value, which nothing here can fill in: give the rows without one a value, then run this script again.`)
      }
    }
  }

  const functions = of('function_mismatch')
  const triggers = of('missing_trigger', 'trigger_mismatch')
  if (functions.length > 0 || triggers.length > 0 || touchesColumns) {
    out.push('', '-- Invariant functions and triggers')
    for (const problem of functions) out.push(`${expected.functions[problem.name!]!.definition};`)
    for (const problem of triggers) out.push(`${triggerSql(problem)};`)
    out.push(switchOurTriggers('enable'))
  }

  // Keys first: a foreign key needs the unique constraint it points at.
  const constraintRank = (problem: Problem) => (/^(PRIMARY KEY|UNIQUE)/.test(problem.expected ?? '') ? 0 : /^CHECK/.test(problem.expected ?? '') ? 1 : 2)
  const constraints = of('missing_constraint', 'constraint_mismatch').sort((a, b) => constraintRank(a) - constraintRank(b))
  if (constraints.length > 0) out.push('', '-- Constraints (each checks the rows already there)')
  for (const problem of constraints) {
    // Replacing a constraint touches no row; the new one is checked at once.
    const replace = problem.kind === 'constraint_mismatch' ? `drop constraint ${problem.name}, ` : ''
    out.push(
      `do $$ begin
  if ${problem.kind === 'constraint_mismatch' ? 'true' : `not exists (select 1 from pg_constraint where conname = '${problem.name}' and conrelid = '${problem.table}'::regclass)`} then
    alter table ${problem.table} ${replace}add constraint ${problem.name} ${problem.expected};
  end if;
end $$;`,
    )
  }

  const security = expected.security ? securityFixSql(problems, expected.security, retyped) : []
  if (problems.length > 0) {
    out.push('', '-- Security: row level security, policies, privileges, function settings', ...security, closeInternalsSql)
  }

  const indexes = of('missing_index')
  if (indexes.length > 0) out.push('', '-- Indexes')
  for (const problem of indexes) out.push(`${onItsTable(problem, problem.expected!.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '))};`)
  for (const problem of of('index_mismatch')) {
    manual.push(`index ${problem.name} is "${problem.actual}", expected "${problem.expected}": drop and recreate it when the table can be locked.`)
  }

  if (problems.length > 0) {
    out.push(
      '',
      '-- Migration history, so that `parley migrate` afterwards has nothing to do',
      `create table if not exists ${MIGRATIONS_TABLE} (version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now());`,
    )
    for (const migration of expected.migrations) {
      out.push(
        `insert into ${MIGRATIONS_TABLE} (version, name, checksum) values (${migration.version}, '${migration.name}', '${migration.checksum}') on conflict (version) do nothing;`,
      )
    }
  }
  for (const problem of of('modified_migration')) {
    manual.push(`migration ${problem.name} was edited after it was applied (${problem.actual}, expected ${problem.expected}): restore the file, or after review update its checksum in ${MIGRATIONS_TABLE}.`)
  }
  for (const problem of of('unknown_migration')) {
    manual.push(`migration ${problem.name} (${problem.actual}) comes from a newer Parley: upgrade Parley rather than changing the database.`)
  }

  out.push('', 'commit;', '', "notify pgrst, 'reload schema';")
  if (manual.length > 0) {
    out.push('', '-- Left for a person to decide (not changed by this script):', ...manual.map((line) => `--   * ${line}`))
  }
  return `${out.join('\n')}\n`
}

// Columns that must end NOT NULL and may not be yet: those added or loosened
// by this script, set once the backfill has given every row a value.
function notNullColumns(problems: Problem[], expected: SchemaSnapshot): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const problem of problems) {
    if ((problem.kind === 'missing_column' || problem.kind === 'nullability_mismatch') && problem.column) {
      const column: ColumnShape | undefined = expected.tables[problem.table!]?.columns[problem.column]
      if (column && !column.nullable) pairs.push([problem.table!, problem.column])
    }
  }
  return pairs
}

function triggerSql(problem: Problem): string {
  return onItsTable(problem, problem.expected!.replace(/^CREATE TRIGGER/, 'CREATE OR REPLACE TRIGGER'))
}

/** A definition as the expected schema keeps it (`ON audit_log`, unqualified), for the table where it lives (`ON parley.audit_log`). */
function onItsTable(problem: Problem, definition: string): string {
  const table = problem.table ?? ''
  if (!table.includes('.')) return definition
  const bare = table.slice(table.indexOf('.') + 1)
  return definition.replace(` ON ${bare} `, ` ON ${table} `)
}
