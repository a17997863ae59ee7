// The library: `createTracker` and everything its callers touch.
export { createTracker, type Tracker, type TrackerOptions } from './tracker/tracker.js'
export * from './tracker/types.js'
export * from './errors.js'
export type { Logger } from './logger.js'
export type { Database, PoolStats, Queryable, QueryResult } from './db/database.js'
export type { BatchObserver, BatchStats } from './tracker/message-writer.js'
export { openDatabase, parseDatabaseUrl, DEFAULT_DATABASE_URL, type DatabaseTarget } from './db/open-database.js'
export type { PGliteLike } from './db/pglite/pglite-database.js'
export {
  migrate,
  planMigrations,
  readAppliedMigrations,
  MIGRATIONS_TABLE,
  type MigrationResult,
  type MigrationPlan,
  type AppliedMigration,
} from './migrations/migrator.js'
export { migrations } from './migrations/generated.js'
export { migrationChecksum, type MigrationSource } from './migrations/migration.js'
export { checkSchema, expectedSchema } from './doctor/check-schema.js'
export { compareSchema, type SchemaReport, type Problem, type ProblemKind, type FixKind } from './doctor/compare.js'
export { buildFixSql } from './doctor/fix-sql.js'
export { readCatalog } from './doctor/catalog.js'
export type { SchemaSnapshot, TableShape, ColumnShape } from './doctor/schema.js'
export {
  adapters as importAdapters,
  importFile,
  importSessions,
  readSessions,
  writeImportedSession,
  ImportError,
  PARLEY_IMPORT_NAMESPACE,
  importedSessionId,
  importedMessageId,
  PLATFORMS as IMPORT_PLATFORMS,
  type ImportAdapter,
  type ImportContext,
  type ImportedSession,
  type ImportedMessage,
  type ImportSummary,
  type Platform as ImportPlatform,
} from './import/index.js'
