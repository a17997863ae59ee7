import { checkSchema, expectedSchema } from '../../doctor/check-schema.js'
import { buildFixSql } from '../../doctor/fix-sql.js'
import { reportJson, reportText } from '../../doctor/format-report.js'
import { withDatabase, type CliContext } from '../cli-context.js'

export interface DoctorOptions {
  databaseUrl: string
  json?: boolean
  fixSql?: boolean
}

/**
 * `parley doctor`: the live schema against the one this code expects.
 * Exit 0 clean (warnings allowed), 1 drift or pending migrations.
 */
export async function doctorCommand(options: DoctorOptions, context: CliContext): Promise<number> {
  return withDatabase(options.databaseUrl, async (database) => {
    const report = await checkSchema(database)
    if (options.fixSql) {
      context.stdout.write(buildFixSql(report, expectedSchema, database.description))
    } else if (options.json) {
      context.stdout.write(`${JSON.stringify(reportJson(report))}\n`)
    } else {
      context.stdout.write(reportText(report, database.description))
    }
    return report.ok ? 0 : 1
  }, { mustExist: true })
}
