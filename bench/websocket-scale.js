// Scale under connections (issue 15): many concurrent WebSocket conversations
// on one `parley serve` (PostgreSQL, throwaway database), each sending a turn
// every few seconds and waiting for nothing but its acks. Reports ack latency
// p50/p99, the server's peak RSS and CPU, and lost/duplicated rows (every
// acked id looked up afterwards). Loopback only; stops by itself.
//
//   npm run build && node bench/websocket-scale.js [--sockets=10000] [--seconds=60] [--interval-ms=3000]
//
// The load generator runs in this process, beside the server on the same
// cores: the figures are the pair's, an upper bound on the server's cost.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pg from 'pg'
import WebSocket from 'ws'
import { migrate, openDatabase } from '../dist/index.js'
import { createApiKey } from '../dist/tracker/api-keys.js'
import { wireMessageAt } from './lib/rows.js'
import { startServe } from './lib/server.js'
import { percentile, round } from './lib/stats.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const FD_LIMIT = 20_000
const { values: flags } = parseArgs({
  options: {
    sockets: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    'interval-ms': { type: 'string', default: '3000' },
    json: { type: 'boolean', default: false },
  },
})

// Node cannot raise its own descriptor limit: run again under a shell that has.
if (!process.env.PARLEY_BENCH_FD_RAISED) {
  const args = process.argv.slice(1).map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ')
  const child = spawnSync('bash', ['-c', `ulimit -n ${FD_LIMIT} && exec '${process.execPath}' ${args}`], {
    stdio: 'inherit',
    env: { ...process.env, PARLEY_BENCH_FD_RAISED: '1' },
  })
  process.exit(child.status ?? 1)
}

const SOCKETS = Number(flags.sockets)
const SECONDS = Number(flags.seconds)
const INTERVAL_MS = Number(flags['interval-ms'])
const OPEN_AT_ONCE = 200
const DRAIN_MS = 15_000
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const log = (line) => process.stderr.write(`${line}\n`)

/** user + system CPU seconds of a process, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** One conversation: a socket that starts its session, then sends a turn every interval. */
function conversation(url, apiKey, stats) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${apiKey}` } })
    const pending = new Map()
    let sessionId
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.ref === 'start') {
        if (frame.type !== 'ack') return reject(new Error(`session.start: ${JSON.stringify(frame)}`))
        sessionId = frame.session.session_id
        return resolve(conv)
      }
      const sent = pending.get(frame.ref)
      if (!sent) return
      pending.delete(frame.ref)
      if (frame.type === 'ack') {
        stats.latenciesMs.push(performance.now() - sent.at)
        stats.acked.push(sent.id)
      } else {
        stats.rejected[frame.error.code] = (stats.rejected[frame.error.code] ?? 0) + 1
      }
    })
    socket.once('error', (error) => (sessionId ? (stats.socketErrors += 1) : reject(error)))
    socket.once('open', () => socket.send(JSON.stringify({ type: 'session.start', ref: 'start', user_id: randomUUID() })))
    let turn = 0
    const conv = {
      send() {
        if (socket.readyState !== WebSocket.OPEN) return
        const ref = ++turn
        const id = randomUUID()
        pending.set(ref, { at: performance.now(), id })
        stats.attempted += 1
        socket.send(JSON.stringify({ type: 'message.add', ref, session_id: sessionId, message: { id, ...wireMessageAt(ref) } }))
      },
      pending: () => pending.size,
      close: () => socket.close(),
    }
  })
}

async function measure(databaseUrl) {
  const database = await openDatabase(databaseUrl)
  await migrate(database)
  const { key } = await createApiKey(database, { scope: 'admin', name: 'bench' })
  await database.close()
  const server = await startServe(databaseUrl)
  const stats = { attempted: 0, acked: [], latenciesMs: [], rejected: {}, socketErrors: 0 }
  const conversations = []
  try {
    const openStarted = performance.now()
    for (let opened = 0; opened < SOCKETS; opened += OPEN_AT_ONCE) {
      const wave = Array.from({ length: Math.min(OPEN_AT_ONCE, SOCKETS - opened) }, () => conversation(server.url, key, stats))
      conversations.push(...(await Promise.all(wave)))
    }
    const openSeconds = (performance.now() - openStarted) / 1000
    log(`${conversations.length} conversations open in ${openSeconds.toFixed(1)} s`)

    const cpuBefore = cpuSeconds(server.pid)
    const started = performance.now()
    // Each conversation keeps its own phase in the interval, so the load is even.
    const timers = conversations.map((conv, index) => {
      const first = setTimeout(() => {
        conv.send()
        timers[index] = setInterval(() => conv.send(), INTERVAL_MS)
      }, (index / conversations.length) * INTERVAL_MS)
      return first
    })
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
    for (const timer of timers) clearInterval(timer)
    const loadSeconds = (performance.now() - started) / 1000
    const cpu = cpuSeconds(server.pid) - cpuBefore
    const drainUntil = performance.now() + DRAIN_MS
    while (conversations.some((conv) => conv.pending() > 0) && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 100))
    const unanswered = conversations.reduce((sum, conv) => sum + conv.pending(), 0)
    const peakRssMb = server.peakRssMb()
    for (const conv of conversations) conv.close()

    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    const { rows } = await client.query('select count(*)::int as stored, count(*) - count(distinct id) as duplicated from conversation_messages')
    const found = await client.query('select count(*)::int as n from conversation_messages where id = any($1::uuid[])', [stats.acked])
    await client.end()
    return {
      sockets: conversations.length,
      interval_ms: INTERVAL_MS,
      seconds: Math.round(loadSeconds),
      open_seconds: round(openSeconds, 1),
      attempted: stats.attempted,
      acknowledged: stats.acked.length,
      ack_per_s: Math.round(stats.acked.length / loadSeconds),
      ack_p50_ms: round(percentile(stats.latenciesMs, 50), 1),
      ack_p99_ms: round(percentile(stats.latenciesMs, 99), 1),
      ack_max_ms: round(percentile(stats.latenciesMs, 100)),
      unanswered,
      rejected: stats.rejected,
      socket_errors: stats.socketErrors,
      stored: rows[0].stored,
      lost: stats.acked.length - found.rows[0].n,
      duplicated: Number(rows[0].duplicated),
      server_peak_rss_mb: Math.round(peakRssMb),
      server_cpu_percent: Math.round((cpu / loadSeconds) * 100),
    }
  } finally {
    await server.stop()
  }
}

const postgres = await serverVersion(adminUrl)
const result = { date: new Date().toISOString(), postgres, cores: (await import('node:os')).cpus().length, ...(await withPostgresDatabase(adminUrl, measure)) }
writeFileSync(new URL('results/websocket-scale.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
if (flags.json) console.log(JSON.stringify(result, null, 2))
else {
  console.log(`\n${result.sockets} WebSocket conversations, a turn every ${INTERVAL_MS} ms each, ${result.seconds} s, PostgreSQL ${postgres}`)
  console.log(`acks ${result.acknowledged} of ${result.attempted} (${result.ack_per_s}/s)  p50 ${result.ack_p50_ms} ms  p99 ${result.ack_p99_ms} ms  max ${result.ack_max_ms} ms`)
  console.log(`server peak RSS ${result.server_peak_rss_mb} MB, CPU ${result.server_cpu_percent} % of one core`)
  console.log(`lost ${result.lost}  duplicated ${result.duplicated}  unanswered ${result.unanswered}  rejected ${JSON.stringify(result.rejected)}  socket errors ${result.socket_errors}`)
}
