import type { Database } from '../db/database.js'
import { UnavailableError } from '../model/errors.js'
import { migrate as runMigrations } from '../migrations/migrator.js'
import { checkSchema } from './check-schema.js'
import { describeProblem } from './format-report.js'

/**
 * The start-up guard: migrates when asked (by default only the embedded
 * database), then makes sure the schema is the expected one, so that writes
 * never go to columns that differ.
 */
export async function prepareDatabase(database: Database, migrate = database.embedded): Promise<void> {
  if (migrate) await runMigrations(database)
  await assertSchemaMatches(database)
}

/** Throws SCHEMA_MISMATCH, with the doctor's report, unless the schema is the expected one. */
async function assertSchemaMatches(database: Database): Promise<void> {
  const report = await checkSchema(database)
  if (report.ok) return
  const errors = report.problems.filter((problem) => problem.severity === 'error')
  const shown = errors.slice(0, 3).map(describeProblem).join('; ')
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : ''
  const next =
    report.pendingMigrations.length > 0
      ? 'run `parley migrate` (or `parley serve --migrate`; in the library, migrate: true)'
      : 'run `parley doctor --fix-sql` to see the SQL that fixes it'
  throw new UnavailableError('SCHEMA_MISMATCH', `${database.description} does not match the schema Parley expects: ${shown}${more}. ${next}`, {
    details: { report },
  })
}
