import { stringify } from 'csv-stringify/sync'
import type { Message } from '../../model/types.js'
import type { Encoder } from '../types.js'

export const CSV_COLUMNS = ['session_id', 'seq', 'message_id', 'created_at', 'role', 'content', 'audio_url', 'user_id', 'metadata'] as const

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/

/** Text a spreadsheet shows as typed: a would-be formula gets a leading apostrophe. */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

function row(message: Message): Array<string | number> {
  const cells = [
    message.sessionId,
    message.seq,
    message.id,
    message.createdAt.toISOString(),
    message.role,
    message.content,
    message.audioUrl ?? '',
    message.userId ?? '',
    Object.keys(message.metadata).length === 0 ? '' : JSON.stringify(message.metadata),
  ]
  return cells.map((cell) => (typeof cell === 'string' ? spreadsheetSafe(cell) : cell))
}

/** CSV (RFC 4180: quoted where needed, CRLF rows, a header row), one row per message. */
export const encodeCsv: Encoder = async function* (sessions) {
  yield stringify([[...CSV_COLUMNS]], { record_delimiter: 'windows' })
  for await (const { pages } of sessions) {
    for await (const page of pages) {
      if (page.length > 0) yield stringify(page.map(row), { record_delimiter: 'windows' })
    }
  }
}
