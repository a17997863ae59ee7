import type { Database, Queryable } from '../db/database.js'
import { UnavailableError } from '../model/errors.js'
import { migrations as knownMigrations } from './generated.js'
import { migrationChecksum, type MigrationSource } from './migration.js'

/** The table that records applied migrations. */
export const MIGRATIONS_TABLE = 'parley_migrations'

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
  create table if not exists ${MIGRATIONS_TABLE} (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`

const selectAppliedSql = /* sql */ `
  select version, name, checksum, applied_at as "appliedAt"
  from ${MIGRATIONS_TABLE} order by version`

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
      await tx.exec(createTableSql)
      const history = await readHistory(tx)
      verifyHistory(history, migrations)
      alreadyApplied ??= history.map((row) => row.version)
      const done = new Set(history.map((row) => row.version))
      const pending = migrations.find((migration) => !done.has(migration.version))
      if (!pending) return undefined
      await tx.exec(pending.sql)
      await tx.query(`insert into ${MIGRATIONS_TABLE} (version, name, checksum) values ($1, $2, $3)`, [
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
  const { rows } = await database.query<{ exists: boolean }>(
    `select to_regclass($1) is not null as exists`,
    [MIGRATIONS_TABLE],
  )
  return rows[0]?.exists ? readHistory(database) : []
}

async function readHistory(tx: Queryable): Promise<AppliedMigration[]> {
  const { rows } = await tx.query<AppliedMigration>(selectAppliedSql)
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
