// The benchmark suite (issue 6): every ingest method, baselines and Parley's
// own, each in a fresh process, alternated across repetitions on one throwaway
// PostgreSQL database; then latency at a steady load, reads on a seeded
// 1,000,000-message table, and memory. Writes bench/results/latest.json,
// runs.json (every run, min–max, goals) and throughput.svg.
//
//   npm run bench [-- --quick] [-- --reps=N] [-- --only=name,name] [-- --skip-reads]
//
// Server: BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
// Needs `npm --prefix bench ci` once (pg-copy-streams, LangChain).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createApiKey } from '../dist/tracker/api-keys.js'
import { migrate, openDatabase } from '../dist/index.js'
import { exportAvailable, exportPeakRssMb } from './lib/export-memory.js'
import { checkGoals } from './lib/goals.js'
import { INGEST_METHODS, LATENCY_METHODS, LATENCY_RATE, MEMORY_METHOD, READ_ITERATIONS } from './lib/methods.js'
import { QUICK_SEED, seedReads, SEED } from './lib/seed-reads.js'
import { runChild } from './lib/spawn.js'
import { median, round } from './lib/stats.js'
import { throughputSvg } from './lib/svg.js'
import { formatTable, thousands } from './lib/table.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    only: { type: 'string' },
    'skip-reads': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (flags.help) {
  console.log('usage: npm run bench [-- --quick] [-- --reps=N] [-- --only=name,...] [-- --skip-reads]')
  process.exit(0)
}
if (!existsSync(new URL('node_modules/pg-copy-streams', import.meta.url))) {
  console.error('The benchmark-only dependencies are missing: run `npm --prefix bench ci` first.')
  process.exit(2)
}

const size = flags.quick ? 'quick' : 'full'
const seed = flags.quick ? QUICK_SEED : SEED
const reps = Number(flags.reps ?? (flags.quick ? 1 : 3))
const only = flags.only?.split(',').map((name) => name.trim())
const wanted = (name) => !only || only.includes(name)
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const resultsDir = new URL('results/', import.meta.url)
const script = (name) => fileURLToPath(new URL(`methods/${name}.js`, import.meta.url))
const log = (line) => process.stderr.write(`${line}\n`)

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Empties the tables so each run starts alike; a checkpoint first, so none lands mid-run if we can help it. */
async function reset(url) {
  await withClient(url, async (client) => {
    await client.query('truncate conversation_messages, conversation_sessions')
    await client.query('drop table if exists langchain_chat_histories, bench_plain_messages')
    await client.query('checkpoint').catch(() => {})
  })
}

/** The rows the database holds for a run: what the client counted must match. */
async function verify(url, name, result) {
  const counted =
    result.dbCount ??
    (await withClient(url, async (client) => Number((await client.query(`select count(*) from ${result.table ?? 'conversation_messages'}`)).rows[0].count)))
  if (counted !== result.rows) throw new Error(`${name}: the client counted ${result.rows} rows, the database holds ${counted}`)
  return counted
}

/** One repetition's order: methods rotated by the repetition, reversed on odd ones. */
function orderFor(methods, rep) {
  const rotated = [...methods.slice(rep % methods.length), ...methods.slice(0, rep % methods.length)]
  return rep % 2 ? rotated.reverse() : rotated
}

async function ingestPhase(url, apiKey) {
  const methods = [
    ...INGEST_METHODS.filter((method) => wanted(method.name)).map((method) => ({ ...method, kind: 'ingest' })),
    ...LATENCY_METHODS.filter((method) => wanted(method.name)).map((method) => ({ ...method, kind: 'latency' })),
    ...(wanted(MEMORY_METHOD.name) ? [{ ...MEMORY_METHOD, kind: 'memory' }] : []),
  ]
  const runs = []
  for (let rep = 0; rep < reps; rep++) {
    for (const method of orderFor(methods, rep)) {
      await reset(url)
      const config =
        method.kind === 'latency'
          ? { databaseUrl: url, rate: LATENCY_RATE, seconds: method.seconds[size], ...method.config }
          : { databaseUrl: url, apiKey, seconds: method.seconds[size], ...method.config }
      const result = await runChild(script(method.script ?? method.name), config)
      await verify(url, method.name, result)
      runs.push({ rep, name: method.name, kind: method.kind, ...result })
      const figure =
        method.kind === 'latency' ? `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms` : `${thousands(result.rowsPerSecond)} msg/s`
      log(`  rep ${rep + 1}/${reps}  ${method.name.padEnd(28)} ${figure}  (${result.rows} rows, counts match)`)
    }
  }
  return runs
}

async function readPhase() {
  return withPostgresDatabase(adminUrl, async (url) => {
    const database = await openDatabase(url)
    await migrate(database)
    await database.close()
    log(`  seeding ${seed.messages.toLocaleString('en-US')} messages in ${seed.sessions.toLocaleString('en-US')} sessions …`)
    const started = performance.now()
    const seeded = await withClient(url, (client) => seedReads(client, seed))
    log(`  seeded in ${round((performance.now() - started) / 1000, 1)} s${seeded.triggersOff ? ' (triggers off while seeding)' : ''}`)
    const runs = []
    for (let rep = 0; rep < reps; rep++) {
      const result = await runChild(script('reads'), { readsUrl: url, iterations: READ_ITERATIONS[size], seed })
      runs.push({ rep, name: 'reads', kind: 'read', ...result })
      log(`  rep ${rep + 1}/${reps}  reads  ${JSON.stringify(result.read)}`)
    }
    let exportPeak = null
    if (flags.quick) {
      log('  quick run: no export of 1,000,000 messages (export_1m_rss_peak stays null)')
    } else if (exportAvailable()) {
      const exported = await exportPeakRssMb(url).catch((error) => {
        log(`  export: ${error.message}`)
        return null
      })
      exportPeak = exported?.peakRssMb ?? null
      if (exported) {
        log(`  parley export of ${SEED.messages.toLocaleString('en-US')} messages: ${round(exported.bytes / 1024 ** 2)} MB written, peak RSS ${round(exportPeak, 1)} MB`)
      }
    } else {
      log('  parley export does not exist in this build: export_1m_rss_peak stays null')
    }
    return { runs, exportPeak }
  })
}

function summarise(runs, reads, machine) {
  const by = (name) => runs.filter((run) => run.name === name)
  const ingest = {}
  const spread = {}
  for (const { name } of INGEST_METHODS) {
    const values = by(name).map((run) => run.rowsPerSecond)
    if (values.length === 0) continue
    ingest[name] = Math.round(median(values))
    spread[name] = { median: ingest[name], min: Math.round(Math.min(...values)), max: Math.round(Math.max(...values)), runs: values.length }
  }
  const latency = {}
  for (const { name, key } of LATENCY_METHODS) {
    const found = by(name)
    if (found.length === 0) continue
    latency[`${key}_p50_ms`] = round(median(found.map((run) => run.p50Ms)), 3)
    latency[`${key}_p99_ms`] = round(median(found.map((run) => run.p99Ms)), 3)
  }
  const read = {}
  for (const key of Object.keys(reads.runs[0]?.read ?? {})) read[key] = round(median(reads.runs.map((run) => run.read[key])), 3)
  const servePeaks = by(MEMORY_METHOD.name).map((run) => run.serveRssPeakMb)
  const results = {
    ingest_rows_per_s: ingest,
    latency_ms: latency,
    read_ms: read,
    memory_mb: {
      serve_rss_peak: servePeaks.length ? round(Math.max(...servePeaks), 1) : null,
      export_1m_rss_peak: reads.exportPeak === null ? null : round(reads.exportPeak, 1),
    },
    machine,
  }
  return { results, spread }
}

async function machineInfo() {
  const settings = await withClient(adminUrl, async (client) =>
    Object.fromEntries(
      (await client.query(`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')`)).rows.map((row) => [row.name, row.setting]),
    ),
  )
  const pglite = JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version
  return {
    date: new Date().toISOString(),
    mode: size,
    repetitions: reps,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? null,
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: await serverVersion(adminUrl),
    postgres_settings: settings,
    pglite,
    read_table: { messages: seed.messages, sessions: seed.sessions },
    note: 'shared machine (other work ran alongside): absolute figures are noisy; compare ratios within one run',
  }
}

function report({ results, spread }, goals) {
  console.log(`\nIngest (messages committed per second, median of ${reps}; ${results.machine.mode} run)\n`)
  const ceiling = results.ingest_rows_per_s.copy_ceiling
  console.log(
    formatTable(
      ['method', 'median', 'min', 'max', 'of ceiling'],
      Object.entries(spread)
        .sort((a, b) => b[1].median - a[1].median)
        .map(([name, row]) => [name, thousands(row.median), thousands(row.min), thousands(row.max), ceiling ? `${round(row.median / ceiling, 2)}` : null]),
    ),
  )
  console.log(`\nLatency at ${LATENCY_RATE} msg/s offered, 100 conversations (ms)\n`)
  console.log(formatTable(['figure', 'ms'], Object.entries(results.latency_ms)))
  console.log(`\nReads on ${seed.messages.toLocaleString('en-US')} messages (ms)\n`)
  console.log(formatTable(['figure', 'ms'], Object.entries(results.read_ms)))
  console.log('\nMemory (MB)\n')
  console.log(formatTable(['figure', 'MB'], Object.entries(results.memory_mb)))
  console.log('\nGoals (ratios from this run)\n')
  console.log(
    formatTable(
      ['goal', 'target', 'measured', 'met'],
      goals.map((goal) => [
        goal.goal,
        goal.target,
        goal.value === null ? null : round(goal.value, 3),
        goal.reference ? '' : goal.met === null ? 'n/a' : goal.met ? 'yes' : 'NO',
      ]),
    ),
  )
}

const machine = await machineInfo()
log(`parley bench: ${size} run, ${reps} repetition(s), PostgreSQL ${machine.postgres}, ${machine.cpus} cores`)
const ingestRuns = await withPostgresDatabase(adminUrl, async (url) => {
  const database = await openDatabase(url)
  await migrate(database)
  const { key } = await createApiKey(database, { scope: 'admin', name: 'bench' })
  await database.close()
  return ingestPhase(url, key)
})
const reads = flags['skip-reads'] || (only && !only.includes('reads')) ? { runs: [], exportPeak: null } : await readPhase()
const summary = summarise(ingestRuns, reads, machine)
const goals = checkGoals(summary.results)
report(summary, goals)

mkdirSync(resultsDir, { recursive: true })
writeFileSync(new URL('latest.json', resultsDir), `${JSON.stringify(summary.results, null, 2)}\n`)
writeFileSync(
  new URL('runs.json', resultsDir),
  `${JSON.stringify({ machine, spread: summary.spread, goals, runs: [...ingestRuns, ...reads.runs] }, null, 2)}\n`,
)
writeFileSync(
  new URL('throughput.svg', resultsDir),
  throughputSvg(
    Object.entries(summary.spread).map(([name, row]) => ({ name, ...row })),
    {
      title: 'Messages committed per second, by method',
      subtitle: `${machine.date.slice(0, 10)} · ${machine.cpus} cores (shared) · PostgreSQL ${machine.postgres}, fsync and synchronous_commit on · pglite_*: embedded, in memory`,
      footnote: `messages committed per second, median of ${reps} (line: min–max); blue: Parley, grey: baselines`,
    },
  ),
)
log('\nwrote bench/results/latest.json, runs.json and throughput.svg')
