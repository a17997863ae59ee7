import type { ColumnShape, SchemaSnapshot } from './schema.js'
import { compareSecurity } from './security.js'

// Where problems with the history are reported (the table's name, for people).
const MIGRATIONS_TABLE = 'parley.migrations'

export type ProblemKind =
  | 'pending_migration'
  | 'modified_migration'
  | 'unknown_migration'
  | 'missing_table'
  | 'missing_column'
  | 'type_mismatch'
  | 'nullability_mismatch'
  | 'default_mismatch'
  | 'missing_constraint'
  | 'constraint_mismatch'
  | 'missing_index'
  | 'index_mismatch'
  | 'missing_trigger'
  | 'trigger_mismatch'
  | 'function_mismatch'
  | 'extra_table'
  | 'extra_column'
  | 'extra_index'
  | 'extra_constraint'
  | 'extra_trigger'
  | 'rls_disabled'
  | 'missing_policy'
  | 'policy_mismatch'
  | 'extra_policy'
  | 'privilege_granted'
  | 'privilege_missing'
  | 'function_search_path_mutable'
  | 'function_security_mismatch'

/** `safe`: adding or relaxing; `data`: needs a backfill or may fail on existing rows; `manual`: a person decides. */
export type FixKind = 'safe' | 'data' | 'manual'

export interface Problem {
  kind: ProblemKind
  table: string | null
  column?: string
  /** The constraint, index, trigger or function concerned, where there is one. */
  name?: string
  expected: string | null
  actual: string | null
  severity: 'error' | 'warning'
  fix: FixKind
}

export interface SchemaReport {
  /** No error-level problem: the code and the database agree. */
  ok: boolean
  problems: Problem[]
  pendingMigrations: Array<{ version: number; name: string }>
}

// Conversions PostgreSQL makes without losing anything.
const WIDENINGS = new Set(['character varying→text', 'real→double precision', 'integer→bigint', 'smallint→integer', 'timestamp without time zone→timestamp with time zone'])

/**
 * Compares what the code expects with what the database has. Pure. Problems
 * come in the order a person should read them: migration history first, then
 * each table's drift; what the database has beyond ours is a warning.
 */
export function compareSchema(expected: SchemaSnapshot, live: SchemaSnapshot): SchemaReport {
  const problems: Problem[] = [...compareMigrations(expected, live)]
  const pendingMigrations = problems
    .filter((problem) => problem.kind === 'pending_migration')
    .map((problem) => ({ version: Number(problem.name), name: problem.expected ?? '' }))

  for (const [table, want] of Object.entries(expected.tables)) {
    const found = live.tables[table]
    if (!found) problems.push(error('missing_table', table, { expected: 'table', actual: null, fix: 'safe' }))
    // A missing table's constraints, indexes and triggers are missing too; its columns come with it.
    const have = found ?? { columns: want.columns, constraints: {}, indexes: {}, triggers: {} }
    for (const [column, wantColumn] of Object.entries(want.columns)) {
      const haveColumn = have.columns[column]
      if (!haveColumn) {
        const fix = !wantColumn.nullable && wantColumn.default === null ? 'data' : 'safe'
        problems.push(error('missing_column', table, { column, expected: describeColumn(wantColumn), actual: null, fix }))
        continue
      }
      problems.push(...compareColumn(table, column, wantColumn, haveColumn))
    }
    for (const column of Object.keys(have.columns)) {
      if (!want.columns[column]) {
        problems.push(warning('extra_column', table, { column, actual: describeColumn(have.columns[column]!) }))
      }
    }
    problems.push(
      // A different constraint is replaced (its check may fail on old rows); a
      // different index needs the table locked, which a person schedules.
      ...compareNamed(table, want.constraints, have.constraints, ['missing_constraint', 'data'], ['constraint_mismatch', 'data'], 'extra_constraint'),
      ...compareNamed(table, want.indexes, have.indexes, ['missing_index', 'safe'], ['index_mismatch', 'manual'], 'extra_index'),
      ...compareNamed(table, want.triggers, have.triggers, ['missing_trigger', 'safe'], ['trigger_mismatch', 'safe'], 'extra_trigger'),
    )
  }
  for (const table of Object.keys(live.tables)) {
    if (!expected.tables[table]) problems.push(warning('extra_table', table, { actual: 'table' }))
  }
  for (const [name, { hash }] of Object.entries(expected.functions)) {
    const actual = live.functions[name]?.hash
    if (actual !== hash) {
      problems.push(error('function_mismatch', null, { name, expected: `function ${name}`, actual: actual ? 'a different body' : null, fix: 'safe' }))
    }
  }
  if (expected.security && live.security) problems.push(...compareSecurity(expected.security, live.security))
  return { ok: problems.every((problem) => problem.severity !== 'error'), problems, pendingMigrations }
}

function compareMigrations(expected: SchemaSnapshot, live: SchemaSnapshot): Problem[] {
  const problems: Problem[] = []
  const applied = new Map(live.migrations.map((migration) => [migration.version, migration]))
  const known = new Set(expected.migrations.map((migration) => migration.version))
  for (const migration of live.migrations) {
    if (!known.has(migration.version)) {
      problems.push(error('unknown_migration', MIGRATIONS_TABLE, { name: String(migration.version), expected: null, actual: migration.name, fix: 'manual' }))
    }
  }
  for (const migration of expected.migrations) {
    const done = applied.get(migration.version)
    if (!done) {
      problems.push(error('pending_migration', MIGRATIONS_TABLE, { name: String(migration.version), expected: migration.name, actual: null, fix: 'safe' }))
    } else if (done.checksum !== migration.checksum) {
      problems.push(
        error('modified_migration', MIGRATIONS_TABLE, {
          name: String(migration.version),
          expected: `${migration.name} sha256:${migration.checksum.slice(0, 12)}`,
          actual: `${done.name} sha256:${done.checksum.slice(0, 12)}`,
          fix: 'manual',
        }),
      )
    }
  }
  return problems
}

function compareColumn(table: string, column: string, want: ColumnShape, have: ColumnShape): Problem[] {
  const problems: Problem[] = []
  if (want.type !== have.type) {
    // A length or precision limit only narrows: varchar(200) widens to text.
    const base = have.type.replace(/\(\d+(,\d+)?\)/, '')
    const fix = base === want.type || WIDENINGS.has(`${base}→${want.type}`) ? 'safe' : 'manual'
    problems.push(error('type_mismatch', table, { column, expected: want.type, actual: have.type, fix }))
  }
  if (want.nullable !== have.nullable) {
    problems.push(
      error('nullability_mismatch', table, {
        column,
        expected: want.nullable ? 'nullable' : 'not null',
        actual: have.nullable ? 'nullable' : 'not null',
        // Relaxing is safe; tightening needs every row to have a value first.
        fix: want.nullable ? 'safe' : 'data',
      }),
    )
  }
  if (want.default !== have.default) {
    problems.push(error('default_mismatch', table, { column, expected: want.default ?? 'no default', actual: have.default ?? 'no default', fix: 'safe' }))
  }
  return problems
}

function compareNamed(
  table: string,
  want: Record<string, string>,
  have: Record<string, string>,
  [missing, missingFix]: [ProblemKind, FixKind],
  [mismatch, mismatchFix]: [ProblemKind, FixKind],
  extra: ProblemKind,
): Problem[] {
  const problems: Problem[] = []
  for (const [name, definition] of Object.entries(want)) {
    const actual = have[name]
    if (actual === undefined) problems.push(error(missing, table, { name, expected: definition, actual: null, fix: missingFix }))
    else if (actual !== definition) problems.push(error(mismatch, table, { name, expected: definition, actual, fix: mismatchFix }))
  }
  for (const [name, definition] of Object.entries(have)) {
    if (want[name] === undefined) problems.push(warning(extra, table, { name, actual: definition }))
  }
  return problems
}

function describeColumn(column: ColumnShape): string {
  return `${column.type}${column.nullable ? '' : ' not null'}${column.default ? ` default ${column.default}` : ''}`
}

type Details = Partial<Pick<Problem, 'column' | 'name' | 'expected' | 'actual' | 'fix'>>

function error(kind: ProblemKind, table: string | null, details: Details): Problem {
  return { kind, table, expected: null, actual: null, severity: 'error', fix: 'safe', ...details }
}

function warning(kind: ProblemKind, table: string | null, details: Details): Problem {
  return { kind, table, expected: null, actual: null, severity: 'warning', fix: 'manual', ...details }
}
