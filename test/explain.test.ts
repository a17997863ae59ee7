// The tracker's hot reads must use their indexes. A seeded, analyzed table is
// large enough that the planner prefers a sequential scan when no index fits,
// so a query that loses its index (a changed filter, a dropped index) fails here.
import { beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/database.js'
import { createTracker, type Tracker } from '../src/tracker/tracker.js'
import { describeEachBackend } from './support/backends.js'
import { recordingDatabase } from './support/recording-database.js'

const SESSIONS = 4000
const MESSAGES_PER_SESSION = 20
const USERS = 200
const HOT_TABLES = new Set(['conversation_messages', 'conversation_sessions'])

const uuid = (tag: string, n: number) => `00000000-0000-4000-${tag}-${n.toString(16).padStart(12, '0')}`
const sessionUuid = (expr: string) => `('00000000-0000-4000-8000-' || lpad(to_hex(${expr}), 12, '0'))::uuid`
const userUuid = (expr: string) => `('00000000-0000-4000-9000-' || lpad(to_hex(${expr}), 12, '0'))::uuid`

interface RecordedQuery {
  sql: string
  params: readonly unknown[]
}

/** The same database, remembering each statement the tracker sends while `recording` is on. */
function recording(database: Database, log: RecordedQuery[]): Database & { recording: boolean } {
  const wrapped = Object.assign(
    recordingDatabase(database, (sql, params) => {
      if (wrapped.recording) log.push({ sql, params })
    }),
    { recording: false },
  )
  return wrapped
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  Plans?: PlanNode[]
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)]
}

describeEachBackend('hot reads use their indexes', (backend) => {
  let database: Database
  let tracker: Tracker
  const log: RecordedQuery[] = []
  let recorder: Database & { recording: boolean }

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    // One session in a hundred still running; users own 20 sessions each.
    await database.query(`
      insert into conversation_sessions (session_id, user_id, session_start, session_end)
      select ${sessionUuid('n')}, ${userUuid(`n % ${USERS}`)},
        timestamptz '2026-01-01' + n * interval '1 minute',
        case when n % 100 <> 7 then timestamptz '2026-01-01' + n * interval '1 minute' + interval '5 minutes' end
      from generate_series(0, ${SESSIONS - 1}) n`)
    await database.query(`
      insert into conversation_messages (session_id, user_id, role, content, metadata)
      select ${sessionUuid('s')}, ${userUuid(`s % ${USERS}`)}, case when m % 2 = 0 then 'user' else 'assistant' end,
        rpad('turn ' || m, 200, ' hello'), '{"lang":"en"}'
      from generate_series(0, ${SESSIONS - 1}) s, generate_series(0, ${MESSAGES_PER_SESSION - 1}) m
      order by s, m`)
    await database.exec('analyze conversation_sessions; analyze conversation_messages')
    recorder = recording(database, log)
    tracker = await createTracker({ database: recorder, migrate: false })
  }, 120_000)

  /** Runs `read` through the tracker, then EXPLAINs every statement it sent. */
  async function plansOf(read: () => Promise<unknown>): Promise<PlanNode[][]> {
    log.length = 0
    recorder.recording = true
    try {
      await read()
    } finally {
      recorder.recording = false
    }
    expect(log.length).toBeGreaterThan(0)
    const plans: PlanNode[][] = []
    for (const { sql, params } of log) {
      const { rows } = await database.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${sql}`, params)
      const raw = rows[0]!['QUERY PLAN']
      const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>
      plans.push(nodes(parsed[0]!.Plan))
    }
    return plans
  }

  function expectNoSeqScan(plans: PlanNode[][]): void {
    for (const plan of plans) {
      const seqScans = plan.filter((node) => node['Node Type'] === 'Seq Scan' && HOT_TABLES.has(node['Relation Name'] ?? ''))
      expect(seqScans.map((node) => node['Relation Name'])).toEqual([])
    }
  }

  const sessionId = uuid('8000', 1234)
  const userId = uuid('9000', 42)

  it('reads the seeded rows (the plans below are for real data)', async () => {
    expect((await tracker.listMessages(sessionId, { limit: 200 })).length).toBe(MESSAGES_PER_SESSION)
    expect((await tracker.listSessions({ userId, limit: 20 })).sessions.length).toBe(SESSIONS / USERS)
    expect((await tracker.listSessions({ active: true, limit: 50 })).sessions.length).toBe(SESSIONS / 100)
  })

  it('would catch a sequential scan (the check can fail)', async () => {
    const { rows } = await database.query<{ 'QUERY PLAN': unknown }>(
      `explain (format json) select * from conversation_messages where content like 'turn 1%'`,
    )
    const raw = rows[0]!['QUERY PLAN']
    const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>
    expect(nodes(parsed[0]!.Plan).some((node) => node['Node Type'] === 'Seq Scan')).toBe(true)
  })

  it('get session', async () => {
    expectNoSeqScan(await plansOf(() => tracker.getSession(sessionId)))
  })

  it('list messages, first page and a later page', async () => {
    expectNoSeqScan(await plansOf(() => tracker.listMessages(sessionId, { limit: 5 })))
    const [, , third] = await tracker.listMessages(sessionId, { limit: 3 })
    expectNoSeqScan(await plansOf(() => tracker.listMessages(sessionId, { after: third!.id, limit: 5 })))
  })

  it("list a user's sessions, newest first, and the next page", async () => {
    expectNoSeqScan(await plansOf(() => tracker.listSessions({ userId, limit: 20 })))
    const page = await tracker.listSessions({ userId, limit: 5 })
    expectNoSeqScan(await plansOf(() => tracker.listSessions({ userId, limit: 5, cursor: page.nextCursor! })))
  })

  it('list active sessions', async () => {
    expectNoSeqScan(await plansOf(() => tracker.listSessions({ active: true, limit: 50 })))
  })

  it('list all sessions, newest first', async () => {
    expectNoSeqScan(await plansOf(() => tracker.listSessions({ limit: 50 })))
  })
})
