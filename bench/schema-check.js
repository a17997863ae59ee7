// What the startup schema check costs: `checkSchema` (the doctor's one-query
// catalog read and the pure comparison) against the cheapest round trip,
// `select 1`, on the same connection, in the same run.
//
//   npm run build && node bench/schema-check.js [--json]
import { parseArgs } from 'node:util'
import { checkSchema, migrate, openDatabase } from '../dist/index.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({ options: { json: { type: 'boolean', default: false } } })
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const ROUNDS = 100

async function timeEach(fn) {
  for (let round = 0; round < 5; round++) await fn()
  const started = process.hrtime.bigint()
  for (let round = 0; round < ROUNDS; round++) await fn()
  return Number(process.hrtime.bigint() - started) / 1e6 / ROUNDS
}

async function measure(url) {
  const database = await openDatabase(url)
  try {
    await migrate(database)
    const roundTripMs = await timeEach(() => database.query('select 1'))
    const checkMs = await timeEach(async () => {
      if (!(await checkSchema(database)).ok) throw new Error('the schema should be clean')
    })
    return { roundTripMs: round(roundTripMs), checkMs: round(checkMs), ratio: round(checkMs / roundTripMs) }
  } finally {
    await database.close()
  }
}

function round(value) {
  return Math.round(value * 100) / 100
}

const results = {
  pglite: await measure('memory:'),
  [`postgres ${await serverVersion(adminUrl)}`]: await withPostgresDatabase(adminUrl, measure),
}
if (flags.json) {
  console.log(JSON.stringify(results, null, 2))
} else {
  console.log('\nstartup schema check (mean of 100)')
  for (const [name, row] of Object.entries(results)) {
    console.log(`${name.padEnd(34)} check ${String(row.checkMs).padStart(7)} ms   select 1 ${String(row.roundTripMs).padStart(6)} ms   ${row.ratio}x`)
  }
}
