// What the write path's bounds (lock_timeout, statement_timeout) cost: the
// same writes through a tracker without bounds (the baseline), with the
// bounds sent as one message (settings, statement and implicit commit), and
// with them in a begin / statement / commit transaction (before), alternated
// in the same run on one throwaway PostgreSQL database.
//
//   npm run build && node bench/bounded-statement.js [--json]
import { parseArgs } from 'node:util'
import { createTracker, migrate, openDatabase } from '../dist/index.js'
import { round } from './lib/stats.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({ options: { json: { type: 'boolean', default: false } } })
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const ROUNDS = 6
const WRITES_PER_ROUND = 300
const BATCH = 100

async function measure(url) {
  const database = await openDatabase(url)
  await migrate(database)
  const variants = {
    unbounded: await createTracker({ database, lockTimeoutMs: 0, statementTimeoutMs: 0 }),
    one_message: await createTracker({ database }),
    transaction: await createTracker({ database: { ...database, queryWithSettings: undefined } }),
  }
  const totals = Object.fromEntries(Object.keys(variants).map((name) => [name, { single: 0, batch: 0 }]))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, tracker] of Object.entries(variants)) {
        const { sessionId } = await tracker.startSession({})
        let started = process.hrtime.bigint()
        for (let i = 0; i < WRITES_PER_ROUND; i++) await tracker.addMessage({ sessionId, role: 'user', content: `turn ${i}` })
        if (round > 0) totals[name].single += Number(process.hrtime.bigint() - started)
        const batch = Array.from({ length: BATCH }, (_, i) => ({ sessionId, role: 'assistant', content: `reply ${i}` }))
        started = process.hrtime.bigint()
        for (let i = 0; i < WRITES_PER_ROUND / 10; i++) await tracker.addMessages(batch)
        if (round > 0) totals[name].batch += Number(process.hrtime.bigint() - started)
      }
    }
  } finally {
    for (const tracker of Object.values(variants)) await tracker.close()
    await database.close()
  }
  const perSecond = (ns, count) => Math.round((count * (ROUNDS - 1)) / (ns / 1e9))
  const rows = {}
  for (const [name, total] of Object.entries(totals)) {
    rows[name] = {
      single_msg_per_s: perSecond(total.single, WRITES_PER_ROUND),
      batch_msg_per_s: perSecond(total.batch, (WRITES_PER_ROUND / 10) * BATCH),
    }
  }
  for (const row of Object.values(rows)) {
    row.single_ratio = round(row.single_msg_per_s / rows.unbounded.single_msg_per_s, 2)
    row.batch_ratio = round(row.batch_msg_per_s / rows.unbounded.batch_msg_per_s, 2)
  }
  return rows
}

const version = await serverVersion(adminUrl)
const results = await withPostgresDatabase(adminUrl, measure)
if (flags.json) {
  console.log(JSON.stringify({ postgres: version, ...results }, null, 2))
} else {
  console.log(`\nbounded statements on PostgreSQL ${version} (ratio to the unbounded tracker, same run)`)
  for (const [name, row] of Object.entries(results)) {
    console.log(
      `${name.padEnd(12)} addMessage ${String(row.single_msg_per_s).padStart(6)} msg/s ${String(row.single_ratio).padStart(5)}x   addMessages(${BATCH}) ${String(row.batch_msg_per_s).padStart(7)} msg/s ${String(row.batch_ratio).padStart(5)}x`,
    )
  }
}
