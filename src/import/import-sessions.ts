import { readFile, stat } from 'node:fs/promises'
import { ParleyError } from '../model/errors.js'
import type { Database } from '../db/database.js'
import type { Limits } from '../model/limits.js'
import type { Redactor } from '../tracker/redaction.js'
import { adapters } from './adapters/index.js'
import { ImportError } from './import-error.js'
import type { ImportedSession, Platform } from './types.js'
import { writeImportedSession } from './write-session.js'

/** What an import did. Failed sessions wrote nothing; the others are stored. */
export interface ImportSummary {
  /** Sessions written now (a stored live snapshot this import completed counts). */
  sessions: number
  /** Messages written now. */
  messages: number
  /** Sessions that were already stored, left as they were (a re-import). */
  unchanged: number
  failures: ParleyError[]
}

export interface ImportOptions {
  /** Named in errors (default `(input)`). */
  path?: string
  limits?: Limits
  /** Redact message content as the tracker would (`createRedactor` from `parley`). */
  redactor?: Redactor | null
}

/**
 * Writes sessions an adapter read, each in its own transaction: a session
 * that fails leaves nothing behind and the others still go in. Sessions
 * already stored are left alone, so importing the same data twice changes
 * nothing.
 */
export async function importSessions(
  database: Database,
  sessions: readonly ImportedSession[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const summary: ImportSummary = { sessions: 0, messages: 0, unchanged: 0, failures: [] }
  for (const imported of sessions) {
    try {
      const written = await writeImportedSession(database, imported, {
        path: options.path ?? '(input)',
        ...(options.limits && { limits: options.limits }),
        ...(options.redactor && { redactor: options.redactor }),
      })
      if (written.created || written.completed) {
        summary.sessions++
        summary.messages += written.messages
      } else {
        summary.unchanged++
      }
    } catch (error) {
      if (!(error instanceof ParleyError)) throw error
      summary.failures.push(error)
    }
  }
  return summary
}

/** Reads one file of `platform`'s format and imports it; a file that cannot be read or parsed is one failure. */
export async function importFile(
  database: Database,
  platform: Platform,
  path: string,
  options: { limits?: Limits; redactor?: Redactor | null } = {},
): Promise<ImportSummary> {
  let sessions: ImportedSession[]
  try {
    sessions = await parseImportFile(platform, path)
  } catch (error) {
    if (!(error instanceof ParleyError)) throw error
    return { sessions: 0, messages: 0, unchanged: 0, failures: [error] }
  }
  return importSessions(database, sessions, { path, ...options })
}

/** A file parsed by `platform`'s adapter; chat formats without times start at the file's mtime. */
export async function parseImportFile(platform: Platform, path: string): Promise<ImportedSession[]> {
  let text: string
  let modifiedAt: Date
  try {
    text = await readFile(path, 'utf8')
    modifiedAt = (await stat(path)).mtime
  } catch (error) {
    throw new ImportError(path, '', `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch (error) {
    throw new ImportError(path, '', `is not JSON: ${(error as Error).message}`)
  }
  return adapters[platform].parse(payload, { path, modifiedAt })
}
