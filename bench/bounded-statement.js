// What the write path's bounds (lock_timeout, statement_timeout) cost: the
// same writes through a tracker without bounds (the baseline), with the
// bounds sent as one message (settings, statement and implicit commit), and
// with them in a begin / statement / commit transaction (before), alternated
// in the same run on one throwaway PostgreSQL database.
//
//   npm run build && node bench/bounded-statement.js [--rounds=7] [--json]
import { parseArgs } from 'node:util'
import { createTracker, migrate, openDatabase } from '../dist/index.js'
import { alternateWrites, printRates } from './lib/alternate-writes.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, json: { type: 'boolean', default: false } } })
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function measure(url) {
  const database = await openDatabase(url)
  await migrate(database)
  const trackers = {
    unbounded: await createTracker({ database, lockTimeoutMs: 0, statementTimeoutMs: 0 }),
    one_message: await createTracker({ database }),
    transaction: await createTracker({ database: { ...database, queryWithSettings: undefined } }),
  }
  try {
    return await alternateWrites(trackers, { baseline: 'unbounded', rounds: Number(flags.rounds) })
  } finally {
    for (const tracker of Object.values(trackers)) await tracker.close()
    await database.close()
  }
}

const version = await serverVersion(adminUrl)
const results = await withPostgresDatabase(adminUrl, measure)
if (flags.json) {
  console.log(JSON.stringify({ postgres: version, ...results }, null, 2))
} else {
  console.log(`\nbounded statements on PostgreSQL ${version} (ratio to the unbounded tracker, same run)`)
  printRates(results)
}
