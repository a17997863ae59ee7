// Jepsen's figures for one scenario: what the ledger says each call was told,
// against the rows in the table.
import pg from 'pg'
import type { Entry, Ledger } from './load.js'

export interface Row {
  id: string
  content: string
}

export interface Figures {
  scenario: string
  attempted: number
  acknowledged: number
  /** Rows in the table at the end that hold a message of this scenario. */
  stored: number
  /** Acknowledged, and not in the table. */
  lost: number
  /** Messages in the table more than once (under two ids). */
  duplicated: number
  /** Rejections the SDK reported as indeterminate, or without saying (`unknown`). */
  indeterminate: number
  /** Of those, found in the table before the suite resent anything. */
  indeterminate_stored: number
  /** Rejections without `messageIds`/`outcome`: the SDK did not say which messages or what happened. */
  unknown_outcome: number
  /** Reported `not_stored`, yet in the table: a false report. */
  not_stored_but_stored: number
  /** Resent by the suite with the same id (indeterminate or unknown, id known), and of those acknowledged. */
  resent: number
  resent_acked: number
  rejected: Record<string, number>
  /** Every answer the SDK got, retries included (HTTP status, `network`, `ws <status>`). */
  answers: Record<string, number>
  /** Answers 500–599 other than 503. */
  server_errors: number
  /** Calls still unsettled when the scenario's bound ran out. */
  hung: number
  /** From the end of a fault (restart done, lock released…) to the first acknowledgement after it; the longest of the cycles. */
  recovery_ms: number | null
  /** Whether an acknowledgement followed the end of every fault (null: a scenario without one). */
  recovered: boolean | null
  /** Longest time without any acknowledgement while the load ran. */
  max_ack_gap_ms: number
  duration_ms: number
  notes: Record<string, unknown>
}

/** The rows of these sessions in a PostgreSQL. */
export async function postgresRows(url: string, sessions: string[]): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query<Row>('select id::text as id, content from conversation_messages where session_id = any($1::uuid[])', [sessions])
    return result.rows
  } finally {
    await client.end()
  }
}

/** The rows of these sessions in an embedded data folder (no server may hold it). */
export async function pgliteRows(dataDir: string, sessions: string[]): Promise<Row[]> {
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await PGlite.create({ dataDir })
  try {
    const result = await db.query<Row>('select id::text as id, content from conversation_messages where session_id = any($1::uuid[])', [sessions])
    return result.rows
  } finally {
    await db.close()
  }
}

const byMarker = (rows: Row[]) => {
  const found = new Map<string, Row[]>()
  for (const row of rows) found.set(row.content, [...(found.get(row.content) ?? []), row])
  return found
}

export interface Timing {
  startedAt: number
  stoppedAt: number
  /** When each fault ended (restart done, lock released…); none for a scenario without one. */
  heals: number[]
  hung: number
}

/** The figures, from the rows before the resend (`first`) and after it (`last`). */
export function figures(scenario: string, ledger: Ledger, first: Row[], last: Row[], timing: Timing, notes: Record<string, unknown> = {}): Figures {
  const entries = ledger.entries
  const before = byMarker(first)
  const after = byMarker(last)
  const idsAfter = new Set(last.map((row) => row.id.toLowerCase()))
  const rejected: Record<string, number> = {}
  for (const entry of entries) if (entry.state === 'rejected') rejected[entry.code!] = (rejected[entry.code!] ?? 0) + 1
  const indeterminate = entries.filter((entry) => entry.reported === 'indeterminate' || entry.reported === 'unknown')
  const acked = entries.filter((entry) => entry.state === 'acked' || entry.resend === 'acked')
  const answers = Object.fromEntries([...ledger.answers].sort())
  const markers = [...new Set(entries.map((entry) => entry.marker))]
  return {
    scenario,
    attempted: entries.length,
    acknowledged: entries.filter((entry) => entry.state === 'acked').length,
    stored: markers.reduce((sum, marker) => sum + (after.get(marker)?.length ?? 0), 0),
    lost: acked.filter((entry) => !idsAfter.has(entry.id!.toLowerCase()) || !after.has(entry.marker)).length,
    duplicated: markers.filter((marker) => (after.get(marker)?.length ?? 0) > 1).length,
    indeterminate: indeterminate.length,
    indeterminate_stored: indeterminate.filter((entry) => before.has(entry.marker)).length,
    unknown_outcome: entries.filter((entry) => entry.reported === 'unknown').length,
    not_stored_but_stored: entries.filter((entry) => entry.reported === 'not_stored' && before.has(entry.marker)).length,
    resent: entries.filter((entry) => entry.resend !== undefined).length,
    resent_acked: entries.filter((entry) => entry.resend === 'acked').length,
    rejected,
    answers,
    server_errors: Object.entries(answers)
      .filter(([answer]) => /^(ws )?5\d\d$/.test(answer) && !answer.endsWith('503'))
      .reduce((sum, [, count]) => sum + count, 0),
    hung: timing.hung,
    recovery_ms: recovery(entries, timing),
    recovered: timing.heals.length === 0 ? null : recovery(entries, timing) !== null,
    max_ack_gap_ms: maxGap(entries, timing),
    duration_ms: timing.stoppedAt - timing.startedAt,
    notes,
  }
}

function ackTimes(entries: Entry[]): number[] {
  return entries.flatMap((entry) => (entry.ackedAt === undefined ? [] : [entry.ackedAt])).sort((a, b) => a - b)
}

function recovery(entries: Entry[], timing: Timing): number | null {
  if (timing.heals.length === 0) return null
  const times = ackTimes(entries)
  let longest = 0
  for (const healedAt of timing.heals) {
    const next = times.find((at) => at >= healedAt)
    if (next === undefined) return null
    longest = Math.max(longest, next - healedAt)
  }
  return longest
}

function maxGap(entries: Entry[], timing: Timing): number {
  const times = [timing.startedAt, ...ackTimes(entries).filter((at) => at <= timing.stoppedAt), timing.stoppedAt]
  let gap = 0
  for (let index = 1; index < times.length; index++) gap = Math.max(gap, times[index]! - times[index - 1]!)
  return gap
}
