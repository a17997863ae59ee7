// One scenario's life: its own database and `parley serve`, sessions, the load
// through the SDK while the fault happens, then the resend of what the SDK did
// not settle, and the figures. Everything started here is stopped here.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ParleyClient } from '../../src/client/index.js'
import { reservePort } from './ports.js'
import { cluster, type FaultCluster, type Template } from './cluster.js'
import { figures, pgliteRows, postgresRows, type Figures, type Row } from './figures.js'
import { countingFetch, countingWebSocket, Ledger, startLoad, type Entry } from './load.js'
import { startParley, type ParleyProcess } from './parley-process.js'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface Mode {
  full: boolean
  /** Scenarios run at once (each on its own cluster and server). */
  parallel: number
  /** How long a call may stay unsettled after the load stops before it counts as hung. */
  hangBoundMs: number
}

export interface Stage {
  parley: ParleyProcess
  /** Undefined for the embedded database. */
  cluster: FaultCluster | undefined
  ledger: Ledger
  sessions: string[]
  /** Record that a fault ended now. */
  healed(): void
  notes: Record<string, unknown>
}

export interface ScenarioSpec {
  name: string
  backend: 'postgres' | 'pglite'
  transport?: 'http' | 'websocket'
  sessions?: number
  workers?: number
  /** The SDK's base URL, when something (a proxy) stands in front of the server; closed afterwards. */
  front?: (stage: Stage) => Promise<{ url: string; close(): Promise<void> }>
  /** The fault, while the load runs. */
  fault(stage: Stage): Promise<void>
}

/** Runs a scenario with load: warm-up, the fault, load after it, drain, resend, figures. */
export async function runScenario(spec: ScenarioSpec, template: Template, mode: Mode): Promise<Figures> {
  const db = spec.backend === 'postgres' ? await cluster(template) : undefined
  const dataDir = db ? undefined : mkdtempSync(join(tmpdir(), 'parley-faults-pglite-'))
  const databaseUrl = db ? db.url : `pglite:${join(dataDir!, 'db')}`
  let parley: ParleyProcess | undefined
  let front: { url: string; close(): Promise<void> } | undefined
  try {
    parley = await startParley(databaseUrl, await reservePort())
    const admin = new ParleyClient({ baseUrl: parley.base, apiKey: parley.adminKey })
    const sessions = await Promise.all(Array.from({ length: spec.sessions ?? 8 }, async () => (await admin.startSession({ metadata: { suite: 'faults' } })).sessionId))
    const ledger = new Ledger(spec.name)
    const heals: number[] = []
    const stage: Stage = { parley, cluster: db, ledger, sessions, healed: () => heals.push(Date.now()), notes: {} }
    front = spec.front ? await spec.front(stage) : undefined
    const client = new ParleyClient({
      baseUrl: front?.url ?? parley.base,
      apiKey: parley.adminKey,
      fetch: countingFetch(ledger),
      WebSocket: countingWebSocket(ledger),
      transport: spec.transport ?? 'http',
    })
    const startedAt = Date.now()
    const load = startLoad({ client, ledger, sessions, workers: spec.workers ?? 16 })
    await sleep(mode.full ? 3000 : 1000)
    await spec.fault(stage)
    await sleep(mode.full ? 5000 : 2000)
    const stoppedAt = Date.now()
    const hung = await load.stop(mode.hangBoundMs)
    await client.shutdown({ timeoutMs: 5000 }).catch(() => {})
    await front?.close()
    front = undefined
    // The embedded folder can be opened only once its server stopped: before the resend it is read through the server.
    const first = db ? await postgresRows(db.url, sessions) : await apiRows(admin, sessions)
    const toResend = ledger.entries.filter((entry) => entry.state === 'rejected' && entry.reported !== 'not_stored' && entry.id !== undefined)
    if (toResend.length > 0) await resend(new ParleyClient({ baseUrl: parley.base, apiKey: parley.adminKey }), toResend)
    let last: Row[]
    if (db) last = toResend.length > 0 ? await postgresRows(db.url, sessions) : first
    else {
      await parley.stop()
      last = await pgliteRows(join(dataDir!, 'db'), sessions)
    }
    const crashes = parley.unexpectedExits()
    stage.notes.unexpected_server_exits = crashes.length
    if (crashes.length > 0) stage.notes.first_unexpected_exit = crashes[0]
    return figures(spec.name, ledger, first, last, { startedAt, stoppedAt, heals, hung }, stage.notes)
  } catch (error) {
    if (parley) (error as Error).message += `\n--- parley serve stderr (tail) ---\n${parley.log().slice(-3000)}`
    throw error
  } finally {
    await front?.close().catch(() => {})
    await parley?.stop().catch(() => {})
    await db?.destroy()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The sessions' messages as the API lists them. */
async function apiRows(client: ParleyClient, sessions: string[]): Promise<Row[]> {
  const rows: Row[] = []
  for (const sessionId of sessions) for await (const page of client.listMessages(sessionId)) rows.push(...page.map(({ id, content }) => ({ id, content })))
  return rows
}

/** The ids the SDK left unsettled, sent again with the same id and content, as docs/reliability.md tells a caller to. */
export async function resend(client: ParleyClient, entries: Entry[]): Promise<void> {
  await Promise.all(
    entries.map(async (entry) => {
      try {
        await client.addMessage({ id: entry.id!, sessionId: entry.sessionId, role: entry.role, content: entry.marker })
        entry.resend = 'acked'
      } catch {
        entry.resend = 'rejected'
      }
    }),
  )
  await client.shutdown({ timeoutMs: 5000 }).catch(() => {})
}

/** A PostgreSQL cluster of its own with `parley serve` on it, for the scenarios that bring their own load. */
export async function withServer<T>(template: Template, use: (parley: ParleyProcess, db: FaultCluster) => Promise<T>): Promise<T> {
  const db = await cluster(template)
  let parley: ParleyProcess | undefined
  try {
    parley = await startParley(db.url, await reservePort())
    return await use(parley, db)
  } catch (error) {
    if (parley) (error as Error).message += `\n--- parley serve stderr (tail) ---\n${parley.log().slice(-3000)}`
    throw error
  } finally {
    await parley?.stop().catch(() => {})
    await db.destroy()
  }
}
