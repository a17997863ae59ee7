import { parseDatabaseUrl } from '../../db/open-database.js'
import { migrations as knownMigrations } from '../../migrations/generated.js'
import { migrate, planMigrations, type MigrationPlan } from '../../migrations/migrator.js'
import { UnavailableError } from '../../model/errors.js'
import { withDatabase, type CliContext } from '../cli-context.js'

export interface MigrateOptions {
  databaseUrl: string
  /** Migrations go through this session-capable URL when set (DIRECT_URL), not the pooler. */
  directUrl?: string
  dryRun?: boolean
  json?: boolean
}

/** `parley migrate`: applies pending migrations, or with `--dry-run` prints their SQL. `--json` is snake_case, like the doctor's. */
export async function migrateCommand(options: MigrateOptions, context: CliContext): Promise<number> {
  const url = options.directUrl ?? options.databaseUrl
  if (options.dryRun) return dryRun(url, options.json === true, context)
  return withDatabase(url, async (database) => {
    const result = await migrate(database)
    if (options.json) {
      context.stdout.write(`${JSON.stringify({ applied: result.applied, already_applied: result.alreadyApplied })}\n`)
    } else if (result.applied.length === 0) {
      context.stdout.write(`✅ ${database.description} is up to date (${result.alreadyApplied.length} migrations applied before)\n`)
    } else {
      for (const migration of result.applied) {
        context.stdout.write(`✅ Applied migration ${migration.version} (${migration.name})\n`)
      }
      context.stdout.write(`✅ ${database.description} is up to date\n`)
    }
    return 0
  })
}

/**
 * A dry run only reads, so it never creates an embedded database: for a
 * folder that holds none yet it prints every migration, which is what
 * `parley migrate` would apply to the new database it creates there.
 */
async function dryRun(url: string, json: boolean, context: CliContext): Promise<number> {
  const target = parseDatabaseUrl(url)
  let plan: MigrationPlan
  let description = ''
  let header: string | undefined
  try {
    plan = await withDatabase(
      url,
      async (database) => {
        description = database.description
        return planMigrations(database)
      },
      { mustExist: true },
    )
  } catch (error) {
    const noFolderYet = target.backend === 'pglite' && error instanceof UnavailableError && error.code === 'DATABASE_NOT_FOUND'
    if (!noFolderYet) throw error
    plan = { pending: [...knownMigrations], applied: [] }
    header = `-- no Parley database at ${target.dataDir} yet: \`parley migrate\` would create one there and apply these ${plan.pending.length} migrations\n\n`
  }
  if (json) {
    context.stdout.write(`${JSON.stringify({ pending: plan.pending, applied: plan.applied.map((m) => m.version), ...(header && { exists: false }) })}\n`)
  } else if (plan.pending.length === 0) {
    context.stdout.write(`-- ${description} is up to date; nothing to apply\n`)
  } else {
    if (header) context.stdout.write(header)
    for (const migration of plan.pending) {
      context.stdout.write(`-- migration ${migration.version}: ${migration.name}\n${migration.sql.trim()}\n\n`)
    }
  }
  return 0
}
