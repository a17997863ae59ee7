import cliProgress from 'cli-progress'
import { importFile, type ImportSummary } from '../../import/import-sessions.js'
import { readFile } from 'node:fs/promises'
import type { ParleyError } from '../../model/errors.js'
import { ImportError } from '../../import/import-error.js'
import { detectPlatform, KNOWN_SHAPES } from '../../import/reader.js'
import type { Platform } from '../../import/types.js'
import { prepareDatabase } from '../../doctor/schema-guard.js'
import { createRedactor } from '../../tracker/redaction.js'
import { withDatabase, type CliContext } from '../cli-context.js'
import { redactFromEnv } from './serve.js'

export interface ImportOptions {
  databaseUrl: string
  /** Forces the format; without it each file's is detected from its shape. */
  from?: Platform
  files: string[]
}

/** A bar only where someone watches it, and only when there is enough to wait for. */
const PROGRESS_AFTER_FILES = 5

/**
 * `parley import [--from <platform>] FILE...`: each file's sessions, one
 * transaction each. A bad file gets one stderr line (path, JSON pointer,
 * problem) and the others still import; exit 1 when any file failed.
 */
export async function importCommand(options: ImportOptions, context: CliContext): Promise<number> {
  // The server's PARLEY_REDACT applies to imports too, or they would be the way around it.
  const kinds = context.env.PARLEY_REDACT ? redactFromEnv(context.env.PARLEY_REDACT) : undefined
  const redactor = kinds ? await createRedactor(kinds, 'PARLEY_REDACT') : null
  return withDatabase(options.databaseUrl, async (database) => {
    await prepareDatabase(database)
    const total: ImportSummary = { sessions: 0, messages: 0, unchanged: 0, failures: [] }
    const problems: string[] = []
    const bar =
      context.stderr.isTTY && options.files.length > PROGRESS_AFTER_FILES
        ? new cliProgress.SingleBar({ stream: context.stderr, format: 'importing [{bar}] {value}/{total} files', clearOnComplete: true }, cliProgress.Presets.shades_classic)
        : null
    bar?.start(options.files.length, 0)
    for (const file of options.files) {
      const platform = options.from ?? (await detected(file))
      const summary =
        typeof platform === 'string' ? await importFile(database, platform, file, { redactor }) : { sessions: 0, messages: 0, unchanged: 0, failures: [platform] }
      total.sessions += summary.sessions
      total.messages += summary.messages
      total.unchanged += summary.unchanged
      const [first, ...more] = summary.failures
      if (first) {
        total.failures.push(first)
        problems.push(`parley: ${first.message}${more.length > 0 ? ` (and ${more.length} more failed ${plural(more.length, 'session')} in this file)` : ''}`)
        // Without a bar, say it as it happens; with one, after it (a line would break it).
        if (!bar) context.stderr.write(`${problems.at(-1)}\n`)
      }
      bar?.increment()
    }
    bar?.stop()
    if (bar) for (const problem of problems) context.stderr.write(`${problem}\n`)
    context.stdout.write(`${summaryLine(total)}\n`)
    return total.failures.length > 0 ? 1 : 0
  })
}

/** The platform of a file from its payload's shape, or the error to report for it. */
async function detected(file: string): Promise<Platform | ParleyError> {
  let payload: unknown
  try {
    payload = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    // Unreadable or not JSON: importFile says which, as it does with --from.
    return 'parley'
  }
  return detectPlatform(payload) ?? new ImportError(file, '', `is not a payload Parley knows; pass --from, or give one of: ${KNOWN_SHAPES}`)
}

/** `imported 1,204 sessions, 38,511 messages; 2 files failed`. */
export function summaryLine(summary: ImportSummary): string {
  const count = (n: number) => n.toLocaleString('en-US')
  const unchanged = summary.unchanged > 0 ? ` (${count(summary.unchanged)} already imported, unchanged)` : ''
  const failed = summary.failures.length
  return `imported ${count(summary.sessions)} ${plural(summary.sessions, 'session')}, ${count(summary.messages)} ${plural(summary.messages, 'message')}${unchanged}; ${count(failed)} ${plural(failed, 'file')} failed`
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`
}
