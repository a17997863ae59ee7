// Time to first render of the dashboard's sessions page on a database of
// 100,000 sessions (1,000,000 messages; the read benchmarks' seed, made by
// generate_series on a throwaway PostgreSQL database), in headless Chromium:
// from navigation to the first table row drawn. Also the 2,000-turn
// transcript's first turn, and how many rows each page keeps in the DOM.
//
//   npm run build && node bench/dashboard-render.js [--runs=7] [--json]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { chromium } from 'playwright-core'
import { createTracker, migrate, openDatabase } from '../dist/index.js'
import { createApiKey } from '../dist/tracker/api-keys.js'
import { buildApp } from '../dist/server/app.js'
import { SEED, seedReads } from './lib/seed-reads.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '7' }, json: { type: 'boolean', default: false } } })
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const runs = Number(flags.runs)
const LONG_TURNS = 2000

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const log = (line) => process.stderr.write(`${line}\n`)

/** Milliseconds from navigation start to `selector` in the DOM, read inside the page, for a fresh load each run. */
async function firstRender(page, url, selector) {
  const times = []
  for (let run = 0; run < runs; run++) {
    await page.goto('about:blank')
    await page.goto(url)
    await page.waitForSelector(selector)
    times.push(await page.evaluate(() => performance.now()))
  }
  return { medianMs: Math.round(median(times)), minMs: Math.round(Math.min(...times)), maxMs: Math.round(Math.max(...times)) }
}

const result = await withPostgresDatabase(adminUrl, async (url) => {
  const database = await openDatabase(url)
  await migrate(database)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const seedStart = performance.now()
  log(`seeding ${SEED.sessions.toLocaleString('en-US')} sessions and ${SEED.messages.toLocaleString('en-US')} messages…`)
  await seedReads(client)
  await client.end()
  const seedSeconds = (performance.now() - seedStart) / 1000

  const tracker = await createTracker({ database })
  // One long conversation for the transcript figure, written as a voice server would.
  const long = await tracker.startSession({ userId: '00000000-0000-4000-9000-00000000ffff' })
  for (let batch = 0; batch < LONG_TURNS / 500; batch++) {
    await tracker.addMessages(
      Array.from({ length: 500 }, (_, index) => ({
        sessionId: long.sessionId,
        role: index % 2 ? 'assistant' : 'user',
        content: `Turn ${batch * 500 + index}: could you move my dentist appointment to Thursday afternoon?`,
      })),
    )
  }
  await tracker.endSession(long.sessionId, { reason: 'hangup' })

  const app = await buildApp({ tracker, rateLimit: false })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const key = (await createApiKey(database, { scope: 'read' })).key
  const profile = await mkdtemp(join(tmpdir(), 'parley-bench-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  })
  try {
    // Signed in as the dashboard signs in: the key in this tab's sessionStorage.
    await context.addInitScript((apiKey) => sessionStorage.setItem('parley.apiKey', apiKey), key)
    const page = context.pages()[0] ?? (await context.newPage())
    // The page's one API call on its own, for comparison: the first (cold) and the median of the rest.
    const apiTimes = []
    for (let run = 0; run <= runs; run++) {
      const start = performance.now()
      const response = await fetch(`${base}/v1/sessions?limit=100`, { headers: { authorization: `Bearer ${key}` } })
      await response.json()
      apiTimes.push(performance.now() - start)
    }
    const api = { coldMs: Math.round(apiTimes[0]), medianMs: Math.round(median(apiTimes.slice(1))) }

    const sessions = await firstRender(page, `${base}/#/sessions`, '[data-session-id]')
    const sessionRowsInDom = await page.locator('[data-session-id]').count()
    const transcript = await firstRender(page, `${base}/#/sessions/${long.sessionId}`, 'article.turn')
    const turnsInDom = await page.locator('article.turn').count()
    return {
      postgres: await serverVersion(adminUrl),
      chromium: context.browser()?.version() ?? 'unknown',
      sessions: SEED.sessions,
      messages: SEED.messages + LONG_TURNS,
      seedSeconds: Math.round(seedSeconds),
      runs,
      sessionsPage: { ...sessions, rowsLoaded: 100, rowsInDom: sessionRowsInDom, firstPageApi: api },
      transcript2000: { ...transcript, turnsInDom },
    }
  } finally {
    await context.close()
    await rm(profile, { recursive: true, force: true })
    await app.close()
    await tracker.close()
  }
})

if (flags.json) console.log(JSON.stringify(result, null, 2))
else {
  console.log(`dashboard first render, PostgreSQL ${result.postgres}, ${result.sessions.toLocaleString('en-US')} sessions / ${result.messages.toLocaleString('en-US')} messages, median of ${runs} loads`)
  console.log(`  sessions page: ${result.sessionsPage.medianMs} ms to the first row (min ${result.sessionsPage.minMs}, max ${result.sessionsPage.maxMs}); ${result.sessionsPage.rowsInDom} of ${result.sessionsPage.rowsLoaded} loaded rows in the DOM; GET /v1/sessions?limit=100 alone: ${result.sessionsPage.firstPageApi.medianMs} ms (first call ${result.sessionsPage.firstPageApi.coldMs} ms)`)
  console.log(`  2,000-turn transcript: ${result.transcript2000.medianMs} ms to the first turn (min ${result.transcript2000.minMs}, max ${result.transcript2000.maxMs}); ${result.transcript2000.turnsInDom} turns in the DOM`)
}
