import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { ParleyError, UnavailableError, ValidationError } from '../model/errors.js'
import { PACKAGE_VERSION, processContext, readConnection, type CliContext } from './cli-context.js'
import { demoCommand } from './commands/demo.js'
import { doctorCommand } from './commands/doctor.js'
import { importCommand } from './commands/import.js'
import { auditCommand, eraseCommand, pruneCommand } from './commands/lifecycle.js'
import { PLATFORMS, type Platform } from '../import/types.js'
import { exportCommand } from './commands/export.js'
import { keysCommand } from './commands/keys.js'
import { migrateCommand } from './commands/migrate.js'
import { serveCommand } from './commands/serve.js'
import { webhooksCommand } from './commands/webhooks.js'

/** Exit codes, also in the README. */
export const EXIT = { ok: 0, failed: 1, cannotRun: 2 } as const

const databaseHelp = 'database URL: postgres://…, pglite:./folder or memory: (default: $DATABASE_URL, else pglite:./.parley/db)'
const directHelp =
  'a direct or session-mode URL of the same PostgreSQL for LISTEN and migrations, when --database-url goes through a transaction pooler (default: $DIRECT_URL)'

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
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .option('--database-url <url>', databaseHelp)
    .option('--direct-url <url>', directHelp)
    .configureHelp({ showGlobalOptions: true })
  // The one place the database settings are read: flags > env > the embedded default.
  const connection = () => readConnection(program.opts<{ databaseUrl?: string; directUrl?: string }>(), context)

  program
    .command('migrate')
    .description('apply pending migrations (safe to run from many processes at once)')
    .option('--dry-run', 'print the SQL of pending migrations instead of applying it')
    .option('--json', 'print the result as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      exitCode = await migrateCommand({ ...options, ...connection() }, context)
    })

  program
    .command('doctor')
    .description('compare the live database with the schema Parley expects (exit 0 clean, 1 drift, 2 cannot check)')
    .option('--json', 'print the report as JSON')
    .option('--fix-sql', 'print one idempotent SQL script that fixes what can be fixed without losing data')
    .action(async (options: { json?: boolean; fixSql?: boolean }) => {
      exitCode = await doctorCommand({ ...options, databaseUrl: connection().databaseUrl }, context)
    })

  program
    .command('serve')
    .description('serve the HTTP API (API docs at /docs); stops cleanly on SIGTERM/SIGINT')
    .option('--host <host>', 'address to listen on (default: $HOST, else 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: $PORT, else 8787)')
    .option('--migrate', 'apply pending migrations to a PostgreSQL first (also PARLEY_AUTO_MIGRATE=1)')
    .option('--retention-days <days>', 'delete ended sessions older than this, hourly (also PARLEY_RETENTION_DAYS)')
    .action(async (options: { host?: string; port?: string; migrate?: boolean; retentionDays?: string }) => {
      exitCode = await serveCommand({ ...options, ...connection() }, context)
    })

  const keys = program.command('keys').description('manage API keys (stored as hashes; a key is shown once)')
  keys
    .command('create')
    .description('create a key and print it as the last line of stdout')
    .requiredOption('--scope <scope>', 'ingest (write), read, or admin (everything)')
    .option('--user-id <uuid>', 'bind the key to one user: it sees and writes only their sessions')
    .option('--name <text>', 'a note to tell keys apart')
    .action(async (options: { scope: string; userId?: string; name?: string }) => {
      exitCode = await keysCommand('create', { ...options, databaseUrl: connection().databaseUrl }, context)
    })
  keys
    .command('list')
    .description('list keys by prefix, scope, user and state')
    .option('--json', 'print the keys as JSON')
    .action(async (options: { json?: boolean }) => {
      exitCode = await keysCommand('list', { ...options, databaseUrl: connection().databaseUrl }, context)
    })
  keys
    .command('revoke <prefix>')
    .description('revoke the key with this prefix (pk_xxxxxxxx) or the whole key')
    .action(async (prefix: string) => {
      exitCode = await keysCommand('revoke', { prefix, databaseUrl: connection().databaseUrl }, context)
    })

  const webhooks = program
    .command('webhooks')
    .description('manage the signing secrets of Vapi, Retell and ElevenLabs webhooks (sealed with PARLEY_SECRET_KEY; never shown again)')
  webhooks
    .command('add')
    .description('store a platform\'s signing secret; servers on the database accept it within a second, beside those already active')
    .option('--platform <platform>', 'vapi, retell or elevenlabs')
    .option('--secret <secret>', 'the signing secret (Vapi: the HMAC credential\'s secret or server URL secret; Retell: the webhook API key; ElevenLabs: the webhook secret)')
    .option('--name <text>', 'a note to tell secrets apart')
    .action(async (options: { platform?: string; secret?: string; name?: string }) => {
      exitCode = await webhooksCommand('add', { ...options, databaseUrl: connection().databaseUrl }, context)
    })
  webhooks
    .command('list')
    .description('list stored secrets by id, platform, creation and state (never the secret)')
    .option('--json', 'print the secrets as JSON')
    .action(async (options: { json?: boolean }) => {
      exitCode = await webhooksCommand('list', { ...options, databaseUrl: connection().databaseUrl }, context)
    })
  webhooks
    .command('revoke <id>')
    .description('revoke a stored secret by id; servers refuse deliveries signed with it within a second')
    .action(async (id: string) => {
      exitCode = await webhooksCommand('revoke', { id, databaseUrl: connection().databaseUrl }, context)
    })

  program
    .command('demo')
    .description('play a short simulated voice conversation through the tracker and show its log lines')
    .option('--server <url>', 'play it through the client SDK against a running `parley serve` instead')
    .option('--key <key>', 'the API key for --server (default: PARLEY_API_KEY)')
    .action(async (options: { server?: string; key?: string }) => {
      const key = options.key ?? context.env.PARLEY_API_KEY
      exitCode = await demoCommand(
        options.server !== undefined
          ? { databaseUrl: '', server: options.server, ...(key !== undefined && { key }) }
          : { databaseUrl: connection().databaseUrl, migrate: context.env.PARLEY_AUTO_MIGRATE === '1' },
        context,
      )
    })

  program
    .command('export')
    .description('export conversations as json, jsonl, csv, vtt, srt, txt, openai or vercel-ui (stdout unless --out)')
    .option('--format <format>', 'json (default), jsonl, csv, vtt, srt, txt, openai or vercel-ui (the last four: one --session)')
    .option('--session <uuid>', 'export this session only')
    .option('--user-id <uuid>', 'export this user’s sessions')
    .option('--from <iso>', 'sessions started at or after this time')
    .option('--to <iso>', 'sessions started before this time')
    .option('--out <path>', 'write to this file (only once complete) instead of stdout')
    .action(async (options: { format?: string; session?: string; userId?: string; from?: string; to?: string; out?: string }) => {
      exitCode = await exportCommand({ ...options, databaseUrl: connection().databaseUrl }, context)
    })

  program
    .command('import')
    .description('import transcripts from a voice or chat platform (one transaction per session; importing again changes nothing)')
    .argument('<files...>', 'JSON files of a platform (detected from their shape unless --from says)')
    .addOption(new Option('--from <platform>', 'the format of the files (default: detected per file)').choices(PLATFORMS).argParser(once('--from', PLATFORMS)))
    .action(async (files: string[], options: { from?: Platform }) => {
      exitCode = await importCommand({ files, ...(options.from && { from: options.from }), databaseUrl: connection().databaseUrl }, context)
    })

  program
    .command('erase')
    .description('erase every session and message of a user (a data subject’s request); tombstones keep them from coming back')
    .option('--user-id <uuid>', 'the user to erase')
    .option('--json', 'print the counts as JSON')
    .action(async (options: { userId?: string; json?: boolean }) => {
      exitCode = await eraseCommand({ ...options, databaseUrl: connection().databaseUrl }, context)
    })

  program
    .command('prune')
    .description('delete ended sessions (and their messages) that ended longer ago than --older-than; active ones stay')
    .option('--older-than <age>', 'an age such as 90d or 36h')
    .option('--dry-run', 'count what would go, remove nothing')
    .option('--json', 'print the result as JSON')
    .action(async (options: { olderThan?: string; dryRun?: boolean; json?: boolean }) => {
      exitCode = await pruneCommand({ ...options, databaseUrl: connection().databaseUrl }, context)
    })

  program
    .command('audit')
    .description('print the audit log: keys created and revoked, erasures, prunes, bulk exports (never content)')
    .option('--since <iso>', 'only entries at or after this time')
    .option('--json', 'one JSON object per line')
    .action(async (options: { since?: string; json?: boolean }) => {
      exitCode = await auditCommand({ ...options, databaseUrl: connection().databaseUrl }, context)
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    return reportError(error, context)
  }
}

/** Commander keeps the last of a repeated option silently; an option that means one thing refuses a second. */
function once<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string, previous: T | undefined): T => {
    if (previous !== undefined) throw new InvalidArgumentError(`${flag} given twice ("${previous}", "${value}"): give it once`)
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`)
    return value as T
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
