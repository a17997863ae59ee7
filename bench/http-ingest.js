// HTTP ingest throughput: requests/second for single-message POSTs and for
// 100-message batch POSTs, against GET /healthz (no database) as the baseline
// measured in the same run, on the embedded database and on a PostgreSQL.
//
//   npm run build && node bench/http-ingest.js [--seconds=5] [--connections=32] [--json]
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createTracker, openDatabase } from '../dist/index.js'
import { createApiKey } from '../dist/tracker/api-keys.js'
import { buildApp } from '../dist/server/app.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
})
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const duration = Number(flags.seconds)
const connections = Number(flags.connections)
const SESSIONS = 64

function batch(size) {
  return JSON.stringify({
    messages: Array.from({ length: size }, (_, index) => ({
      role: index % 2 ? 'assistant' : 'user',
      content: `turn ${index}: what is the weather like tomorrow in Lisbon?`,
    })),
  })
}

function load(url, key, sessions, body, method = 'POST') {
  let next = 0
  return autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method,
        setupRequest: (request) => ({
          ...request,
          path: method === 'GET' ? '/healthz' : `/v1/sessions/${sessions[next++ % sessions.length]}/messages`,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          ...(body && { body }),
        }),
      },
    ],
  })
}

async function measure(databaseUrl) {
  const database = await openDatabase(databaseUrl)
  const tracker = await createTracker({ database, migrate: true })
  const app = await buildApp({ tracker, rateLimit: false })
  try {
    const { key } = await createApiKey(database, { scope: 'admin' })
    const sessions = []
    for (let index = 0; index < SESSIONS; index++) sessions.push((await tracker.startSession({ userId: randomUUID() })).sessionId)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const baseline = await load(address, key, sessions, undefined, 'GET')
    const single = await load(address, key, sessions, batch(1))
    const hundred = await load(address, key, sessions, batch(100))
    const errors = single.non2xx + hundred.non2xx + single.errors + hundred.errors
    if (errors > 0) throw new Error(`${errors} requests failed`)
    const row = (result, messagesPerRequest) => ({
      requestsPerSecond: Math.round(result.requests.average),
      messagesPerSecond: Math.round(result.requests.average * messagesPerRequest),
      p99Ms: result.latency.p99,
      ratio: Math.round((result.requests.average / baseline.requests.average) * 100) / 100,
    })
    return {
      healthz: { requestsPerSecond: Math.round(baseline.requests.average), p99Ms: baseline.latency.p99 },
      single: row(single, 1),
      batch100: row(hundred, 100),
    }
  } finally {
    await app.close()
    await tracker.close()
    await database.close()
  }
}

const results = {
  pglite: await measure('memory:'),
  [`postgres ${await serverVersion(adminUrl)}`]: await withPostgresDatabase(adminUrl, measure),
}
if (flags.json) {
  console.log(JSON.stringify(results, null, 2))
} else {
  console.log(`\nHTTP ingest, ${connections} connections, ${duration} s each; ratio = requests/s against GET /healthz`)
  for (const [name, result] of Object.entries(results)) {
    console.log(`\n${name}`)
    console.log(`  GET /healthz          ${String(result.healthz.requestsPerSecond).padStart(6)} req/s                    p99 ${result.healthz.p99Ms} ms`)
    for (const [label, row] of [['1 message/POST   ', result.single], ['100 messages/POST', result.batch100]]) {
      console.log(
        `  ${label}     ${String(row.requestsPerSecond).padStart(6)} req/s ${String(row.messagesPerSecond).padStart(7)} msg/s   p99 ${row.p99Ms} ms   ${row.ratio}x`,
      )
    }
  }
}
