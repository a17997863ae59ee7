// Export memory benchmark: seeds 1,000,000 messages (10,000 sessions of 100
// turns, ~200-byte text, small metadata, audio URL on half) into a throwaway
// PostgreSQL database with generate_series, then runs `parley export --format
// jsonl` in a child process writing to /dev/null and reports its peak RSS, for
// a small, a 10% and the full export (flat figures mean constant memory), and
// the full export again sampling the live heap after a full GC every second.
//
//   npm run build && node bench/export-memory.js [--sessions=N] [--turns=N] [--json]
//
// BENCH_DATABASE_URL (else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
// is the server on which parley_bench_<random> is created, then dropped.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { migrate, openDatabase } from '../dist/index.js'
import { withPostgresDatabase } from './throwaway-database.js'

const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'parley.js')

const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string', default: '10000' },
    turns: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
})
const sessions = Number(flags.sessions)
const turns = Number(flags.turns)
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const log = (text) => process.stderr.write(`${text}\n`)

// The child reports its own peak resident set size (kB) as it exits.
const REPORT_RSS = `data:text/javascript,${encodeURIComponent(
  "import{writeSync}from'node:fs';process.on('exit',()=>writeSync(2,'\\nPARLEY_MAX_RSS_KB='+process.resourceUsage().maxRSS+'\\n'))",
)}`
// With --expose-gc: the live heap after a full collection, each second, reported as it exits.
const REPORT_LIVE_HEAP = `data:text/javascript,${encodeURIComponent(
  "import{writeSync}from'node:fs';const s=[];const t=setInterval(()=>{globalThis.gc();s.push(process.memoryUsage().heapUsed)},1000);t.unref();" +
    "process.on('exit',()=>writeSync(2,'\\nPARLEY_LIVE_HEAP='+JSON.stringify(s)+'\\n'))",
)}`

async function seed(url) {
  const database = await openDatabase(url)
  try {
    await migrate(database)
    // Sessions one second apart, a day ago; each gets `turns` alternating turns.
    await database.query(
      `insert into conversation_sessions (session_id, user_id, session_start, metadata)
       select gen_random_uuid(), gen_random_uuid(), now() - interval '1 day' + s * interval '1 second', '{"channel":"phone"}'::jsonb
       from generate_series(1, $1::int) s`,
      [sessions],
    )
    // In slices of sessions, so no single statement holds a million rows.
    const slice = 1000
    for (let first = 0; first < sessions; first += slice) {
      await database.query(
        `insert into conversation_messages (session_id, role, content, audio_url, metadata, created_at)
         select s.session_id,
           case when t % 2 = 1 then 'user' else 'assistant' end,
           left(repeat(md5(t::text || s.session_id::text), 7), 200),
           case when t % 2 = 1 then 'https://audio.example/' || s.session_id || '/' || t || '.wav' end,
           jsonb_build_object('start_s', t * 3, 'end_s', t * 3 + 2.5),
           s.session_start + t * interval '3 seconds'
         from (select session_id, session_start from conversation_sessions order by session_start offset $1 limit $2) s,
           generate_series(1, $3::int) t`,
        [first, slice, turns],
      )
    }
    const { rows } = await database.query(
      `select count(*)::int as messages,
         (select to_char(session_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from conversation_sessions
          order by session_start offset $1 limit 1) as tenth,
         (select session_id from conversation_sessions limit 1) as one
       from conversation_messages`,
      [Math.floor(sessions / 10)],
    )
    return rows[0]
  } finally {
    await database.close()
  }
}

function exportRun(url, args, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    execFile(
      process.execPath,
      [...nodeFlags, '--import', REPORT_RSS, BIN, 'export', '--format', 'jsonl', '--out', '/dev/null', '--database-url', url, ...args],
      { cwd: ROOT, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`parley export failed: ${stderr || error.message}`))
        const rss = /PARLEY_MAX_RSS_KB=(\d+)/.exec(stderr)
        const heap = /PARLEY_LIVE_HEAP=(.*)/.exec(stderr)
        const mb = (bytes) => Math.round(bytes / 1e5) / 10
        const samples = heap ? JSON.parse(heap[1]) : []
        resolve({
          peakRssMb: rss ? Math.round(Number(rss[1]) / 102.4) / 10 : null,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          ...(samples.length > 0 && { liveHeapMb: { first: mb(samples[0]), last: mb(samples.at(-1)), max: mb(Math.max(...samples)) } }),
        })
      },
    )
  })
}

/** The messages an export of `args` writes, counted from its stdout as it streams. */
function countLines(url, args) {
  return new Promise((resolve, reject) => {
    let lines = 0
    const child = execFile(process.execPath, [BIN, 'export', '--format', 'jsonl', '--database-url', url, ...args], { cwd: ROOT, maxBuffer: Infinity })
    child.stdout.removeAllListeners('data')
    child.stdout.on('data', (chunk) => {
      for (let index = chunk.indexOf('\n'); index !== -1; index = chunk.indexOf('\n', index + 1)) lines++
    })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`parley export exited ${code}`))))
  })
}

await withPostgresDatabase(adminUrl, async (url) => {
  log(`seeding ${(sessions * turns).toLocaleString('en-US')} messages in ${sessions.toLocaleString('en-US')} sessions…`)
  const seedStart = Date.now()
  const seeded = await seed(url)
  log(`seeded ${seeded.messages.toLocaleString('en-US')} messages in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`)
  const runs = [
    { name: 'one session', messages: turns, args: ['--session', seeded.one] },
    { name: '10% of sessions', messages: seeded.messages / 10, args: ['--to', seeded.tenth] },
    { name: 'all', messages: seeded.messages, args: [] },
    // RSS includes garbage V8 has not collected yet; the live heap after a full GC each second shows what is kept.
    { name: 'all, live heap', messages: seeded.messages, args: [], nodeFlags: ['--expose-gc', '--import', REPORT_LIVE_HEAP] },
  ]
  const results = []
  for (const run of runs) {
    const measured = await exportRun(url, run.args, run.nodeFlags)
    results.push({ run: run.name, messages: run.messages, ...measured, messagesPerSecond: Math.round(run.messages / measured.seconds) })
    const live = measured.liveHeapMb ? `  live heap ${measured.liveHeapMb.first} → ${measured.liveHeapMb.last} MB (max ${measured.liveHeapMb.max})` : ''
    log(`${run.name.padEnd(18)} ${String(run.messages).padStart(9)} messages  peak RSS ${String(measured.peakRssMb).padStart(6)} MB  ${measured.seconds.toFixed(1)} s${live}`)
  }
  const exported = await countLines(url, [])
  log(`verified: the full export wrote ${exported.toLocaleString('en-US')} lines (stored ${seeded.messages.toLocaleString('en-US')})`)
  if (exported !== seeded.messages) throw new Error('the export did not write every message once')
  const report = { node: process.version, messages: seeded.messages, sessions, results, export_1m_rss_peak_mb: results[2].peakRssMb }
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`)
})
