import type { Database, Queryable } from '../db/database.js'
import { inParleySchema, parleySchema } from '../db/parley-schema.js'
import { UnavailableError } from '../model/errors.js'
import { migrations as knownMigrations } from './generated.js'
import { migrationChecksum, type MigrationSource } from './migration.js'

/** The table that records applied migrations. */
export const MIGRATIONS_TABLE = inParleySchema('migrations')

/**
 * Where Parley before migration 13 kept its history: in the current schema,
 * from which migration 13 moves it into the `parley` schema, rows and all.
 */
export const LEGACY_MIGRATIONS_TABLE = 'parley_migrations'

// Any constant works; it only has to be the same in every Parley process.
export const MIGRATION_LOCK_KEY = 7_140_226_001

/** A migration recorded in the database. */
export interface AppliedMigration {
  version: number
  name: string
  checksum: string
  appliedAt: Date
}

/** What `migrate()` did. */
export interface MigrationResult {
  applied: Array<{ version: number; name: string }>
  /** Versions that were already in the database. */
  alreadyApplied: number[]
}

/** What `planMigrations()` would do. */
export interface MigrationPlan {
  pending: Array<{ version: number; name: string; sql: string }>
  applied: AppliedMigration[]
}

const createTableSql = /* sql */ `
  create schema if not exists ${parleySchema};
  create table if not exists ${MIGRATIONS_TABLE} (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`

const selectAppliedSql = (table: string) => /* sql */ `
  select version, name, checksum, applied_at as "appliedAt"
  from ${table} order by version`

// The new place first: once migration 13 has moved the table, the old name
// is free, and a table of that name is not ours.
const locateHistorySql = /* sql */ `
  select case
    when to_regclass($1) is not null then $1
    when to_regclass($2) is not null then $2
  end as "table"`

/**
 * Brings the database up to the newest schema. Each migration runs in its
 * own transaction that first takes a transaction-level advisory lock (safe
 * behind a transaction pooler) and re-reads the history under it, so any
 * number of processes may call this at once and each migration applies once.
 * Refuses to run when an applied migration was edited or is unknown here.
 */
export async function migrate(
  database: Database,
  migrations: readonly MigrationSource[] = knownMigrations,
): Promise<MigrationResult> {
  const applied: MigrationResult['applied'] = []
  let alreadyApplied: number[] | undefined
  for (;;) {
    const next = await database.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
      // A database an older Parley migrated keeps its history where it was
      // until migration 13 moves it; a new one starts in the parley schema.
      const table = (await locateHistory(tx)) ?? (await tx.exec(createTableSql), MIGRATIONS_TABLE)
      const history = await readHistory(tx, table)
      verifyHistory(history, migrations)
      alreadyApplied ??= history.map((row) => row.version)
      const done = new Set(history.map((row) => row.version))
      const pending = migrations.find((migration) => !done.has(migration.version))
      if (!pending) return undefined
      await tx.exec(pending.sql)
      // Looked up again: the migration may have moved the table (13 does).
      const recordIn = (await locateHistory(tx)) ?? table
      await tx.query(`insert into ${recordIn} (version, name, checksum) values ($1, $2, $3)`, [
        pending.version,
        pending.name,
        migrationChecksum(pending.sql),
      ])
      return pending
    })
    if (!next) break
    applied.push({ version: next.version, name: next.name })
  }
  if (applied.length > 0) {
    // A Supabase REST API (PostgREST) caches the schema; without this it
    // keeps refusing the new columns ("column not found" from code that expects them). Harmless elsewhere.
    await database.query(`notify pgrst, 'reload schema'`)
  }
  return { applied, alreadyApplied: alreadyApplied ?? [] }
}

/** The migrations `migrate()` would apply, without applying them (`migrate --dry-run`). */
export async function planMigrations(
  database: Database,
  migrations: readonly MigrationSource[] = knownMigrations,
): Promise<MigrationPlan> {
  const history = await readAppliedMigrations(database)
  verifyHistory(history, migrations)
  const done = new Set(history.map((row) => row.version))
  return { pending: migrations.filter((m) => !done.has(m.version)), applied: history }
}

/** The recorded history, or none when the migrations table does not exist yet. */
export async function readAppliedMigrations(database: Queryable): Promise<AppliedMigration[]> {
  const table = await locateHistory(database)
  return table ? readHistory(database, table) : []
}

/** The history table of this database, in the parley schema or where an older Parley left it; none when new. */
export async function locateHistory(database: Queryable): Promise<string | undefined> {
  const { rows } = await database.query<{ table: string | null }>(locateHistorySql, [MIGRATIONS_TABLE, LEGACY_MIGRATIONS_TABLE])
  return rows[0]?.table ?? undefined
}

async function readHistory(tx: Queryable, table: string): Promise<AppliedMigration[]> {
  const { rows } = await tx.query<AppliedMigration>(selectAppliedSql(table))
  return rows
}

function verifyHistory(history: AppliedMigration[], migrations: readonly MigrationSource[]): void {
  const known = new Map(migrations.map((migration) => [migration.version, migration]))
  for (const row of history) {
    const migration = known.get(row.version)
    if (!migration) {
      throw new UnavailableError(
        'UNKNOWN_MIGRATION',
        `the database has migration ${row.version} (${row.name}), which this version of Parley does not know; upgrade Parley before using this database`,
        { details: { version: row.version, name: row.name } },
      )
    }
    if (migrationChecksum(migration.sql) !== row.checksum) {
      throw new UnavailableError(
        'MODIFIED_MIGRATION',
        `migration ${row.version} (${row.name}) was changed after it was applied to this database; restore migrations/${String(row.version).padStart(4, '0')}_${row.name}.sql and add a new migration instead`,
        { details: { version: row.version, name: row.name } },
      )
    }
  }
}
