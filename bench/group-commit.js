// Group-commit benchmark: messages/second written by the tracker (whose
// MessageWriter batches concurrent addMessage calls into one INSERT statement)
// against the naive way (one autocommitted single-row INSERT per message), at
// 1, 16 and 256 concurrent conversations, on embedded PGlite and on a real
// PostgreSQL. Both ways run on the same database object (same pool), in the
// same process, one after the other, with the tables emptied before each run.
//
//   npm run build && node bench/group-commit.js [--backends=pglite,postgres]
//     [--levels=1,16,256] [--messages=N] [--json]
//
// Environment: BENCH_MESSAGES (messages per level, both backends),
// BENCH_PGLITE_MESSAGES / BENCH_POSTGRES_MESSAGES (per backend),
// BENCH_BACKENDS, BENCH_LEVELS, and BENCH_DATABASE_URL (else DATABASE_URL,
// else postgres://postgres@127.0.0.1:5432/postgres): the server on which a
// throwaway database parley_bench_<random> is created, then dropped.
import { parseArgs } from 'node:util'
import { createTracker, openDatabase } from '../dist/index.js'
import { interrupted, serverVersion, withPostgresDatabase } from './throwaway-database.js'

const USAGE = `usage: node bench/group-commit.js [--backends=pglite,postgres] [--levels=1,16,256] [--messages=N] [--json]`

/** Messages per concurrency level when nothing overrides it. */
const DEFAULT_MESSAGES = {
  pglite: { 1: 500, 16: 1600, 256: 2048 },
  postgres: { 1: 1500, 16: 4000, 256: 5120 },
}

const BASELINE_INSERT = 'INSERT INTO conversation_messages (session_id, role, content) VALUES ($1,$2,$3)'

const { values: flags } = parseArgs({
  options: {
    backends: { type: 'string' },
    levels: { type: 'string' },
    messages: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (flags.help) {
  console.log(USAGE)
  process.exit(0)
}

const backends = list(flags.backends ?? process.env.BENCH_BACKENDS ?? 'pglite,postgres')
for (const name of backends) {
  if (name !== 'pglite' && name !== 'postgres') fail(`unknown backend "${name}": use pglite, postgres or both`)
}
const levels = list(flags.levels ?? process.env.BENCH_LEVELS ?? '1,16,256').map((level) => positiveInt(level, 'level'))
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

function list(text) {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

function positiveInt(text, what) {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) fail(`${what} must be a positive integer, got "${text}"`)
  return value
}

function fail(message) {
  console.error(`${message}\n${USAGE}`)
  process.exit(2)
}

/** Total messages at a level: overrides first, then the defaults, rounded to whole conversations. */
function messagesAt(backend, concurrency) {
  const override = flags.messages ?? process.env.BENCH_MESSAGES ?? process.env[`BENCH_${backend.toUpperCase()}_MESSAGES`]
  const total = override !== undefined ? positiveInt(override, 'messages') : (DEFAULT_MESSAGES[backend][concurrency] ?? 2000)
  const perConversation = Math.max(1, Math.round(total / concurrency))
  return { perConversation, total: perConversation * concurrency }
}

/**
 * The database the tracker and the baseline share, wrapped to count the
 * tracker's batch statements (the only statement calling parley_insert_messages),
 * which gives the average batch size without touching src/.
 */
function counting(database) {
  const counter = { batches: 0 }
  const wrapped = {
    ...database,
    query(sql, params) {
      if (sql.includes('parley_insert_messages')) counter.batches++
      return database.query(sql, params)
    },
  }
  return { database: wrapped, counter }
}

function content(conversation, turn) {
  return turn % 2 === 0
    ? `User ${conversation} says hello, turn ${turn}: what is the weather like tomorrow?`
    : `Assistant answers ${conversation}, turn ${turn}: mild, 14 degrees, a light breeze from the west.`
}

/** `concurrency` conversations at once, each writing its messages one await at a time. */
async function run(tracker, database, concurrency, perConversation, way) {
  const conversation = async (index) => {
    const { sessionId } = await tracker.startSession({ userId: null })
    for (let turn = 0; turn < perConversation; turn++) {
      const role = turn % 2 === 0 ? 'user' : 'assistant'
      if (way === 'tracker') {
        await tracker.addMessage({ sessionId, role, content: content(index, turn) })
      } else {
        await database.query(BASELINE_INSERT, [sessionId, role, content(index, turn)])
      }
    }
    await tracker.endSession(sessionId, { reason: 'bench' })
  }
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, (_, index) => conversation(index)))
  return Number(process.hrtime.bigint() - started) / 1e9
}

async function empty(database) {
  await database.exec('truncate conversation_messages, conversation_sessions')
}

async function benchBackend(name, url) {
  const { database, counter } = counting(await openDatabase(url))
  const tracker = await createTracker({ database, migrate: true })
  const rows = []
  try {
    // Warm-up: both ways, a little, so that connections, plans and caches are ready.
    for (const way of ['tracker', 'baseline']) await run(tracker, database, 8, 8, way)
    await checkStored(database, 2 * 8 * 8)
    for (const concurrency of levels) {
      const { perConversation, total } = messagesAt(name, concurrency)
      await empty(database)
      counter.batches = 0
      const trackerSeconds = await run(tracker, database, concurrency, perConversation, 'tracker')
      const batches = counter.batches
      await checkStored(database, total)
      await empty(database)
      const baselineSeconds = await run(tracker, database, concurrency, perConversation, 'baseline')
      await checkStored(database, total)
      rows.push({
        concurrency,
        conversations: concurrency,
        messagesPerConversation: perConversation,
        messages: total,
        tracker: { seconds: round(trackerSeconds, 3), messagesPerSecond: round(total / trackerSeconds, 0), batches },
        baseline: { seconds: round(baselineSeconds, 3), messagesPerSecond: round(total / baselineSeconds, 0) },
        ratio: round(baselineSeconds / trackerSeconds, 2),
        averageBatch: batches > 0 ? round(total / batches, 1) : null,
      })
      if (!flags.json) process.stderr.write(`  ${name}: ${concurrency} concurrent done\n`)
    }
  } finally {
    await tracker.close()
    await database.close()
  }
  return rows
}

/** Guards against a benchmark that "wins" by losing rows. */
async function checkStored(database, expected) {
  const { rows } = await database.query('select count(*)::int as n from conversation_messages')
  if (rows[0].n !== expected) throw new Error(`expected ${expected} stored messages, found ${rows[0].n}`)
}

function round(value, digits) {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

function table(name, rows) {
  const header = ['conc', 'messages', 'tracker s', 'tracker msg/s', 'baseline s', 'baseline msg/s', 'ratio', 'avg batch']
  const body = rows.map((row) => [
    String(row.concurrency),
    String(row.messages),
    row.tracker.seconds.toFixed(2),
    String(row.tracker.messagesPerSecond),
    row.baseline.seconds.toFixed(2),
    String(row.baseline.messagesPerSecond),
    `${row.ratio.toFixed(1)}x`,
    row.averageBatch === null ? '-' : row.averageBatch.toFixed(1),
  ])
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((line) => line[column].length)))
  const format = (cells) => cells.map((cell, column) => cell.padStart(widths[column])).join('  ')
  return [name, format(header), ...body.map(format)].join('\n')
}

const results = { date: new Date().toISOString(), node: process.version, backends: {} }
const started = Date.now()
let exitCode = 0
try {
  for (const name of backends) {
    if (!flags.json) process.stderr.write(`${name}…\n`)
    if (name === 'pglite') {
      results.backends.pglite = { database: 'memory:', levels: await benchBackend('pglite', 'memory:') }
    } else {
      results.backends.postgres = {
        database: `PostgreSQL ${await serverVersion(adminUrl)}`,
        levels: await withPostgresDatabase(adminUrl, (url) => benchBackend('postgres', url)),
      }
    }
  }
  results.totalSeconds = round((Date.now() - started) / 1000, 1)
  if (flags.json) {
    console.log(JSON.stringify(results, null, 2))
  } else {
    const titles = { pglite: 'PGlite (memory:)', postgres: results.backends.postgres?.database }
    for (const [name, { levels: rows }] of Object.entries(results.backends)) {
      console.log(`\n${table(titles[name], rows)}`)
    }
    console.log(
      `\nmsg/s = messages / wall time of all conversations (start, N sequential addMessage, end);` +
        `\nbaseline = one autocommitted single-row INSERT per message; ratio = tracker/baseline msg/s;` +
        `\navg batch = messages per group-commit INSERT statement. Total ${results.totalSeconds} s.`,
    )
  }
} catch (error) {
  if (!interrupted()) console.error(error)
  exitCode = 1
}
process.exitCode = exitCode
