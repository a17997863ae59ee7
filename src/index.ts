// The library: `createTracker` and everything its callers touch.
export { createTracker, type Tracker, type TrackerOptions } from './tracker/tracker.js'
export { createRedactor, luhnValid, type Redactor } from './tracker/redaction.js'
export { REDACT_KINDS, validateRedactKinds, type RedactKind, type RedactedText } from './model/redact.js'
export * from './model/types.js'
export * from './model/errors.js'
export * from './model/limits.js'
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
export { prepareDatabase } from './doctor/schema-guard.js'
export { compareSchema, type SchemaReport, type Problem, type ProblemKind, type FixKind } from './doctor/compare.js'
export { buildFixSql } from './doctor/fix-sql.js'
export { readCatalog } from './doctor/catalog.js'
export type { SchemaSnapshot, TableShape, ColumnShape } from './doctor/schema.js'
export { createApiKey, listApiKeys, revokeApiKey, verifyApiKey, SCOPES, type ApiKey, type Scope } from './tracker/api-keys.js'
export { isUuid, UUID_PATTERN } from './model/validate.js'
export { timeOrderedId } from './model/time-ordered-id.js'
export { EXPORT_FORMAT_NAMES, ONE_SESSION_FORMATS, type ExportFormatName } from './model/export-formats.js'
