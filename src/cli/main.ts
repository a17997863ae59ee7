import { Command, CommanderError } from 'commander'
import { ParleyError, UnavailableError, ValidationError } from '../errors.js'
import { databaseUrl, processContext, type CliContext } from './cli-context.js'
import { demoCommand } from './commands/demo.js'
import { doctorCommand } from './commands/doctor.js'
import { migrateCommand } from './commands/migrate.js'

/** Exit codes, also in the README. */
export const EXIT = { ok: 0, failed: 1, cannotRun: 2 } as const

const databaseHelp = 'database URL: postgres://…, pglite:./folder or memory: (default: $DATABASE_URL, else pglite:./.parley/db)'

/**
 * Runs the CLI and returns the exit code. Results go to stdout, diagnostics
 * to stderr; a user's mistake is one line, never a stack trace.
 */
export async function main(argv: readonly string[], context: CliContext = processContext): Promise<number> {
  let exitCode: number = EXIT.ok
  const program = new Command('parley')
    .description('Conversation tracking for voice and chat assistants, on PostgreSQL')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(run parley --help for usage)')

  program
    .command('migrate')
    .description('apply pending migrations (safe to run from many processes at once)')
    .option('--database-url <url>', databaseHelp)
    .option('--dry-run', 'print the SQL of pending migrations instead of applying it')
    .option('--json', 'print the result as JSON')
    .action(async (options: { databaseUrl?: string; dryRun?: boolean; json?: boolean }) => {
      exitCode = await migrateCommand({ ...options, databaseUrl: databaseUrl(options.databaseUrl, context) }, context)
    })

  program
    .command('doctor')
    .description('compare the live database with the schema Parley expects (exit 0 clean, 1 drift, 2 cannot check)')
    .option('--database-url <url>', databaseHelp)
    .option('--json', 'print the report as JSON')
    .option('--fix-sql', 'print one idempotent SQL script that fixes what can be fixed without losing data')
    .action(async (options: { databaseUrl?: string; json?: boolean; fixSql?: boolean }) => {
      exitCode = await doctorCommand({ ...options, databaseUrl: databaseUrl(options.databaseUrl, context) }, context)
    })

  program
    .command('demo')
    .description('play a short simulated voice conversation through the tracker and show its log lines')
    .option('--database-url <url>', databaseHelp)
    .action(async (options: { databaseUrl?: string }) => {
      exitCode = await demoCommand(
        { databaseUrl: databaseUrl(options.databaseUrl, context), migrate: context.env.PARLEY_AUTO_MIGRATE === '1' },
        context,
      )
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    return reportError(error, context)
  }
}

function reportError(error: unknown, context: CliContext): number {
  if (error instanceof CommanderError) {
    // Commander has already printed the message (or the help).
    return error.exitCode === 0 ? EXIT.ok : EXIT.cannotRun
  }
  if (error instanceof ParleyError) {
    context.stderr.write(`parley: ${error.message}\n`)
    return error instanceof UnavailableError || error instanceof ValidationError ? EXIT.cannotRun : EXIT.failed
  }
  const text = error instanceof Error ? error.message : String(error)
  context.stderr.write(`parley: unexpected error: ${text}\n`)
  if (context.env.PARLEY_DEBUG && error instanceof Error) context.stderr.write(`${error.stack}\n`)
  return EXIT.cannotRun
}
