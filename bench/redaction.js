// Redaction benchmark: library ingest throughput (messages committed per
// second through addMessage, 64 concurrent conversations) with redaction off
// and with every kind on, in the same process, on the same database, in
// alternating rounds so that warm-up and drift hit both alike. Half the turns
// hold something to redact (a typed email, card or phone, a spoken card).
//
//   npm run build && node bench/redaction.js [--backends=pglite,postgres] [--messages=N] [--rounds=N]
//
// BENCH_DATABASE_URL (else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
// is the server on which a throwaway database is created for the postgres run, then dropped.
import { parseArgs } from 'node:util'
import { createRedactor, createTracker, openDatabase } from '../dist/index.js'
import { withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({
  options: { backends: { type: 'string', default: 'pglite' }, messages: { type: 'string', default: '4096' }, rounds: { type: 'string', default: '3' } },
})
const MESSAGES = Number(flags.messages)
const ROUNDS = Number(flags.rounds)
const CONCURRENCY = 64
const KINDS = ['email', 'phone', 'card', 'ip']
const TURNS = [
  'Hi, I would like to change the delivery address on my last order, please.',
  'Sure, you can reach me at jane.doe@example.com if anything comes up.',
  'Of course. Can you confirm the order number for me?',
  'It is order 1234567890123456, placed on Tuesday around noon.',
  'Thanks. And the card you paid with, for the refund of the difference?',
  'The card is four two four two four two four two four two four two four two four two.',
  'Got it. We will call you back on 415-555-0132 within the hour.',
  'Great, and the old card 4111 1111 1111 1111 can be removed from my account.',
]

async function ingest(tracker) {
  const sessions = await Promise.all(Array.from({ length: CONCURRENCY }, () => tracker.startSession({})))
  const perSession = Math.ceil(MESSAGES / CONCURRENCY)
  const started = performance.now()
  await Promise.all(
    sessions.map(async ({ sessionId }) => {
      for (let turn = 0; turn < perSession; turn++) {
        await tracker.addMessage({ sessionId, role: turn % 2 ? 'assistant' : 'user', content: TURNS[turn % TURNS.length] })
      }
    }),
  )
  return (perSession * CONCURRENCY) / ((performance.now() - started) / 1000)
}

async function run(name, target) {
  const database = await openDatabase(target)
  try {
    const off = await createTracker({ database, migrate: true })
    const on = await createTracker({ database, redact: KINDS })
    const rates = { off: [], on: [] }
    await ingest(off)
    await ingest(on)
    for (let round = 0; round < ROUNDS; round++) {
      rates.off.push(await ingest(off))
      rates.on.push(await ingest(on))
    }
    await off.close()
    await on.close()
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
    const [offRate, onRate] = [median(rates.off), median(rates.on)]
    console.log(`${name}: off ${Math.round(offRate)} msg/s, on ${Math.round(onRate)} msg/s, on/off ${(onRate / offRate).toFixed(2)} (median of ${ROUNDS} rounds of ${MESSAGES}, ${CONCURRENCY} conversations)`)
  } finally {
    await database.close()
  }
}

async function detectorOnly() {
  const redactor = await createRedactor(KINDS)
  const count = 50_000
  const started = performance.now()
  for (let index = 0; index < count; index++) redactor.redact(TURNS[index % TURNS.length])
  const perSecond = count / ((performance.now() - started) / 1000)
  console.log(`redactor alone: ${Math.round(perSecond)} turns/s (${((1e6 / perSecond)).toFixed(1)} µs a turn)`)
}

await detectorOnly()
for (const name of flags.backends.split(',')) {
  if (name === 'pglite') await run('pglite (memory:)', 'memory:')
  else if (name === 'postgres') {
    const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
    await withPostgresDatabase(adminUrl, (url) => run('postgres', url))
  } else throw new Error(`unknown backend "${name}": use pglite, postgres or both`)
}
