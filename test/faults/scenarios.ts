// The scenarios of issue 15's fault suite. Each returns Jepsen's figures; the
// full run repeats the kills (PostgreSQL ×3, PGlite ×10, same-id ×10), the
// short run (CI) does each once and keeps outages shorter.
import { ParleyClient } from '../../src/client/index.js'
import { faultyProxy } from '../client/proxy.js'
import { figures, postgresRows, type Figures } from './figures.js'
import { countingFetch, Ledger } from './load.js'
import { runScenario, sleep, withServer, type Mode, type ScenarioSpec } from './run-scenario.js'
import type { Template } from './cluster.js'

export interface Scenario {
  name: string
  run(template: Template, mode: Mode): Promise<Figures>
}

const withLoad = (spec: ScenarioSpec): Scenario => ({ name: spec.name, run: (template, mode) => runScenario(spec, template, mode) })
const cycles = (mode: Mode, full: number) => (mode.full ? full : 1)

/** Every scenario, in the order they run. */
export function scenarios(mode: Mode): Scenario[] {
  return [
    withLoad({
      name: 'postgres-sigkill',
      backend: 'postgres',
      async fault({ cluster, healed, notes }) {
        notes.cycles = cycles(mode, 3)
        for (let cycle = 0; cycle < cycles(mode, 3); cycle++) {
          if (cycle > 0) await sleep(3000)
          await cluster!.kill()
          await sleep(1000)
          await cluster!.start()
          healed()
        }
      },
    }),
    withLoad({
      name: 'postgres-down-30s',
      backend: 'postgres',
      async fault({ cluster, healed, notes }) {
        const downMs = mode.full ? 30_000 : 15_000
        notes.down_ms = downMs
        await cluster!.stop()
        await sleep(downMs)
        await cluster!.start()
        healed()
      },
    }),
    ...(['immediate', '5s'] as const).map((pause) =>
      withLoad({
        name: `server-sigkill-${pause}`,
        backend: 'postgres',
        async fault({ parley, healed }) {
          await parley.signal('SIGKILL')
          if (pause === '5s') await sleep(5000)
          await parley.restart()
          healed()
        },
      }),
    ),
    withLoad({
      name: 'server-sigterm',
      backend: 'postgres',
      async fault({ parley, healed, notes }) {
        const asked = Date.now()
        notes.exit_code = await parley.signal('SIGTERM')
        notes.exit_ms = Date.now() - asked
        await parley.restart()
        healed()
      },
    }),
    withLoad({
      name: 'pglite-sigkill',
      backend: 'pglite',
      async fault({ parley, healed, notes }) {
        notes.cycles = cycles(mode, 10)
        for (let cycle = 0; cycle < cycles(mode, 10); cycle++) {
          if (cycle > 0) await sleep(2000)
          await parley.signal('SIGKILL')
          await parley.restart()
          healed()
        }
      },
    }),
    ...([0.3, 0.7] as const).flatMap((p) =>
      (['http', 'websocket'] as const).map((transport) =>
        withLoad({
          name: `drop-after-commit-${transport}-p${p}`,
          backend: 'postgres',
          transport,
          front: async ({ parley, notes }) => {
            let dropped = 0
            const lose = () => Math.random() < p && ++dropped > 0
            const proxy = await faultyProxy(
              parley.base,
              (request) => (request.startsWith('POST') && request.endsWith('/messages') && lose() ? 'drop-after-commit' : 'forward'),
              (frame) => (frame.includes('"type":"ack"') && frame.includes('"messages"') && lose() ? 'drop-after-commit' : 'forward'),
            )
            return {
              url: proxy.url,
              close: async () => {
                notes.answers_dropped = dropped
                await proxy.close()
              },
            }
          },
          async fault() {
            // The proxy is the fault; it drops answers for as long as the load runs.
            await sleep(mode.full ? 10_000 : 2000)
          },
        }),
      ),
    ),
    { name: 'same-id-100', run: sameId },
    withLoad({
      name: 'locked-session',
      backend: 'postgres',
      async fault({ cluster, sessions, ledger, healed, notes }) {
        const locked = sessions[0]!
        const holder = await cluster!.connect()
        const holdMs = mode.full ? 12_000 : 8000
        await holder.query('begin')
        await holder.query('select 1 from conversation_sessions where session_id = $1 for update', [locked])
        const lockedAt = Date.now()
        await sleep(holdMs)
        await holder.query('commit')
        healed()
        await holder.end()
        const others = ledger.entries.filter((entry) => entry.sessionId !== locked && entry.ackedAt !== undefined && entry.ackedAt >= lockedAt && entry.ackedAt <= lockedAt + holdMs)
        notes.lock_held_ms = holdMs
        notes.other_sessions_acked_while_locked = others.length
        notes.locked_session_acked_while_locked = ledger.entries.filter((entry) => entry.sessionId === locked && entry.ackedAt !== undefined && entry.ackedAt > lockedAt + 100 && entry.ackedAt < lockedAt + holdMs).length
      },
    }),
    withLoad({
      name: 'read-only-database',
      backend: 'postgres',
      async fault({ cluster, healed, notes }) {
        const admin = await cluster!.connect()
        const readOnlyMs = mode.full ? 10_000 : 5000
        notes.read_only_ms = readOnlyMs
        await admin.query('alter system set default_transaction_read_only = on')
        await admin.query('select pg_reload_conf()')
        await sleep(readOnlyMs)
        // This connection's own setting, so that its next statements may write.
        await admin.query('set default_transaction_read_only = off')
        await admin.query('alter system reset default_transaction_read_only')
        await admin.query('select pg_reload_conf()')
        healed()
        await admin.end()
      },
    }),
    { name: 'end-session-queued', run: endSessionQueued },
  ]
}

/** 100 clients send the same message with the same id at once: one row, every call acknowledged with it. */
async function sameId(template: Template, mode: Mode): Promise<Figures> {
  return withServer(template, async (parley, db) => {
    const ledger = new Ledger('same-id-100')
    const admin = new ParleyClient({ baseUrl: parley.base, apiKey: parley.adminKey })
    const { sessionId } = await admin.startSession()
    const clients = Array.from({ length: 100 }, () => new ParleyClient({ baseUrl: parley.base, apiKey: parley.adminKey, fetch: countingFetch(ledger), flushIntervalMs: 0 }))
    const startedAt = Date.now()
    let differentIds = 0
    for (let round = 0; round < cycles(mode, 10); round++) {
      const entries = clients.map(() => ledger.next(sessionId, true))
      const { id, marker, role } = entries[0]!
      await Promise.all(
        entries.map(async (entry, index) => {
          entry.id = id
          entry.marker = marker
          entry.role = role
          try {
            ledger.acked(entry, (await clients[index]!.addMessage({ id, sessionId, role, content: marker })).id)
          } catch (error) {
            ledger.rejected([entry], error)
          }
        }),
      )
      differentIds += entries.filter((entry) => entry.state === 'acked' && entry.id !== id).length
    }
    const stoppedAt = Date.now()
    await Promise.all(clients.map((client) => client.shutdown({ timeoutMs: 5000 })))
    const rows = await postgresRows(db.url, [sessionId])
    return figures('same-id-100', ledger, rows, rows, { startedAt, stoppedAt, heals: [], hung: 0 }, { rounds: cycles(mode, 10), acked_with_another_id: differentIds })
  })
}

/**
 * Sessions ended while their messages still wait in the SDK's queue: `endSession`
 * sends them first, so each is acknowledged, none is refused as sent to an
 * ended session, and the count the end returns includes them.
 */
async function endSessionQueued(template: Template, mode: Mode): Promise<Figures> {
  return withServer(template, async (parley, db) => {
    const ledger = new Ledger('end-session-queued')
    const client = new ParleyClient({ baseUrl: parley.base, apiKey: parley.adminKey, fetch: countingFetch(ledger) })
    const sessionCount = mode.full ? 50 : 10
    const perSession = 30
    const startedAt = Date.now()
    const sessions = await Promise.all(Array.from({ length: sessionCount }, async () => (await client.startSession()).sessionId))
    let wrongCounts = 0
    await Promise.all(
      sessions.map(async (sessionId) => {
        const calls = Array.from({ length: perSession }, async () => {
          const entry = ledger.next(sessionId, ledger.entries.length % 2 === 0)
          try {
            const input = { sessionId, role: entry.role, content: entry.marker, ...(entry.id !== undefined && { id: entry.id }) }
            ledger.acked(entry, (await client.addMessage(input)).id)
          } catch (error) {
            ledger.rejected([entry], error)
          }
        })
        const ended = await client.endSession(sessionId)
        await Promise.all(calls)
        if (ended.messageCount !== perSession) wrongCounts++
      }),
    )
    const stoppedAt = Date.now()
    await client.shutdown({ timeoutMs: 5000 })
    const rows = await postgresRows(db.url, sessions)
    return figures('end-session-queued', ledger, rows, rows, { startedAt, stoppedAt, heals: [], hung: 0 }, { sessions: sessionCount, per_session: perSession, ended_with_wrong_count: wrongCounts })
  })
}
