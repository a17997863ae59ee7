import { migrate, planMigrations } from '../../migrations/migrator.js'
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
  return withDatabase(options.directUrl ?? options.databaseUrl, async (database) => {
    if (options.dryRun) {
      const plan = await planMigrations(database)
      if (options.json) {
        context.stdout.write(`${JSON.stringify({ pending: plan.pending, applied: plan.applied.map((m) => m.version) })}\n`)
      } else if (plan.pending.length === 0) {
        context.stdout.write(`-- ${database.description} is up to date; nothing to apply\n`)
      } else {
        for (const migration of plan.pending) {
          context.stdout.write(`-- migration ${migration.version}: ${migration.name}\n${migration.sql.trim()}\n\n`)
        }
      }
      return 0
    }
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
