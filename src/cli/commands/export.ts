import { createWriteStream } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ValidationError } from '../../model/errors.js'
import { exportFormat, type ExportFormat } from '../../export/formats/index.js'
import type { ExportSelection } from '../../model/types.js'
import { oneSession, readSession, readSessions } from '../../tracker/session-reads.js'
import type { SessionExport } from '../../export/types.js'
import { prepareDatabase } from '../../doctor/schema-guard.js'
import { validateSessionId } from '../../model/validate.js'
import { withDatabase, type CliContext } from '../cli-context.js'

export interface ExportOptions {
  databaseUrl: string
  format?: string
  session?: string
  userId?: string
  from?: string
  to?: string
  out?: string
}

interface ExportPlan {
  format: ExportFormat
  selection: ExportSelection
  out: string | undefined
}

/**
 * `parley export`: streams the selected sessions in one format to `--out` or
 * stdout, page by page with back-pressure, so memory stays flat for any size.
 * A file appears only complete: it is written beside its name, then renamed.
 */
export async function exportCommand(options: ExportOptions, context: CliContext): Promise<number> {
  // Every mistake is answered before the database is opened and before anything is written.
  const plan = await planExport(options)
  return withDatabase(options.databaseUrl, async (database) => {
    await prepareDatabase(database)
    const sessions: AsyncIterable<SessionExport> =
      'sessionId' in plan.selection
        ? oneSession(database, await readSession(database, plan.selection.sessionId))
        : readSessions(database, plan.selection)
    const progress = progressLine(context)
    const source = Readable.from(plan.format.encode(counted(sessions, progress.update)), { highWaterMark: 2 })
    if (plan.out) {
      await writeComplete(source, plan.out)
    } else {
      await pipeline(source, context.stdout, { end: false }).catch((error: NodeJS.ErrnoException) => {
        // The reader went away (`| head`): not a failure of the export.
        if (error.code !== 'EPIPE') throw error
      })
    }
    progress.done()
    return 0
  }, { mustExist: true })
}

async function planExport(options: ExportOptions): Promise<ExportPlan> {
  const format = exportFormat(options.format ?? 'json', '--format')
  const filters = { '--user-id': options.userId, '--from': options.from, '--to': options.to }
  const usedFilters = Object.entries(filters).filter(([, value]) => value !== undefined).map(([flag]) => flag)
  let selection: ExportSelection
  if (options.session !== undefined) {
    if (usedFilters.length > 0) throw new ValidationError('--session', `exports one session; leave out ${usedFilters.join(', ')}`)
    selection = { sessionId: validateSessionId(options.session, '--session') }
  } else {
    if (format.oneSession) throw new ValidationError('--format', `${format.name} holds one conversation: pass --session ID`)
    const from = optionalDate(options.from, '--from')
    const to = optionalDate(options.to, '--to')
    if (from && to && from >= to) throw new ValidationError('--to', 'must be after --from')
    selection = { userId: options.userId === undefined ? null : validateSessionId(options.userId, '--user-id'), from, to }
  }
  const out = options.out === undefined ? undefined : resolve(options.out)
  if (out !== undefined) await assertWritablePath(out)
  return { format, selection, out }
}

function optionalDate(value: string | undefined, flag: string): Date | null {
  if (value === undefined) return null
  const date = new Date(value)
  if (value.trim() === '' || Number.isNaN(date.getTime())) {
    throw new ValidationError(flag, `must be an ISO 8601 date or time such as 2026-01-31 or 2026-01-31T12:00:00Z; got "${value}"`)
  }
  return date
}

async function assertWritablePath(out: string): Promise<void> {
  const folder = await stat(dirname(out)).catch(() => undefined)
  if (!folder?.isDirectory()) throw new ValidationError('--out', `the folder ${dirname(out)} does not exist`)
  if ((await stat(out).catch(() => undefined))?.isDirectory()) throw new ValidationError('--out', `${out} is a folder; name a file in it`)
}

/**
 * Writes to `<out>.partial`, then renames: a failed export leaves no half file
 * behind. A device or pipe (`/dev/null`, a FIFO) is written to directly.
 */
async function writeComplete(source: Readable, out: string): Promise<void> {
  const existing = await stat(out).catch(() => undefined)
  if (existing && !existing.isFile()) {
    await pipeline(source, createWriteStream(out))
    return
  }
  const partial = `${out}.${process.pid}.partial`
  try {
    await pipeline(source, createWriteStream(partial))
    await rename(partial, out)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
}

/** The same sessions, telling `onProgress` the running totals after each page. */
async function* counted(
  sessions: AsyncIterable<SessionExport>,
  onProgress: (sessions: number, messages: number) => void,
): AsyncGenerator<SessionExport, void, undefined> {
  let sessionCount = 0
  let messageCount = 0
  for await (const { session, pages } of sessions) {
    sessionCount++
    onProgress(sessionCount, messageCount)
    yield {
      session,
      pages: (async function* () {
        for await (const page of pages) {
          messageCount += page.length
          onProgress(sessionCount, messageCount)
          yield page
        }
      })(),
    }
  }
}

/** `exported 12,000 messages from 40 sessions` on stderr, redrawn in place on a terminal; nothing otherwise. */
function progressLine(context: CliContext) {
  const enabled = context.stderr.isTTY === true
  let shownAt = 0
  let text = ''
  const draw = () => context.stderr.write(`\r${text}`)
  return {
    update(sessions: number, messages: number) {
      if (!enabled) return
      text = `exported ${count(messages, 'message')} from ${count(sessions, 'session')}`
      // Redrawn at most a few times a second: a terminal is slower than the export.
      if (Date.now() - shownAt >= 200) {
        shownAt = Date.now()
        draw()
      }
    },
    done() {
      if (enabled && text !== '') {
        draw()
        context.stderr.write('\n')
      }
    },
  }
}

function count(value: number, noun: string): string {
  return `${value.toLocaleString('en-US')} ${noun}${value === 1 ? '' : 's'}`
}
