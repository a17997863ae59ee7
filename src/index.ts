// The library: `createTracker` and everything its callers touch.
export { createTracker, type Tracker, type TrackerOptions } from './tracker/tracker.js'
export * from './tracker/types.js'
export * from './errors.js'
export type { Logger } from './logger.js'
export type { Database, Queryable, QueryResult } from './db/database.js'
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
